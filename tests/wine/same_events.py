#!/usr/bin/env python3
"""Checks that two JSONL event streams, or two JSON reports (`callcue eval --format
json`), from the Windows build under Wine and the Linux build say the same: the same events in the same order with the same values, apart from
`latency_ms` (how long this machine took) and the last digits of real numbers (the two
C runtimes' log and exp round differently: a relative difference up to 1e-4 is the same).

Usage: same_events.py WINDOWS.jsonl LINUX.jsonl (or two .json reports)
"""

import json
import math
import sys

IGNORED = {"latency_ms"}


def same(a, b, where):
    if isinstance(a, dict) and isinstance(b, dict):
        keys = (set(a) | set(b)) - IGNORED
        for key in sorted(keys):
            if key not in a or key not in b:
                return f"{where}.{key}: only in one"
            problem = same(a[key], b[key], f"{where}.{key}")
            if problem:
                return problem
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            problem = same(x, y, f"{where}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-5):
                return None
        return f"{where}: {a!r} against {b!r}"
    return None if a == b else f"{where}: {a!r} against {b!r}"


def read(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".json"):
        return [json.loads(text)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main():
    windows_path, linux_path = sys.argv[1], sys.argv[2]
    windows, linux = read(windows_path), read(linux_path)
    if not linux:
        sys.exit(f"{linux_path}: no events")
    problem = same(windows, linux, "events")
    if problem:
        sys.exit(f"different: {problem}")
    if linux_path.endswith(".json"):
        print("the same report")
        return
    kinds = sorted({event.get("type", "?") for event in linux})
    print(f"same {len(linux)} events ({', '.join(kinds)})")


main()
