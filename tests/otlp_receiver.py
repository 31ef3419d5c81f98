#!/usr/bin/env python3
"""A local OpenTelemetry collector endpoint for the tests: takes OTLP/HTTP JSON logs on
POST /v1/logs and checks each request against the OTLP protobuf definitions (the
opentelemetry-proto package, parsed strictly: an unknown or misspelt field is an error).

Usage: otlp_receiver.py PORT DIR

  DIR/records.jsonl  one line per log record taken: host, call_id and the body
  DIR/requests.log   one line per request: "ok N", "down" or "bad <why>"
  DIR/down           while this file exists, requests are answered 503 with Retry-After: 1
                     (the collector is up but cannot take data)
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

port, folder = int(sys.argv[1]), sys.argv[2]


def note(name, line):
    with open(os.path.join(folder, name), "a", encoding="utf-8") as out:
        out.write(line + "\n")


def attribute(attributes, key):
    for item in attributes:
        if item.key == key:
            return item.value.string_value
    return None


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/logs":
            return self.answer(404, "bad path " + self.path)
        if os.path.exists(os.path.join(folder, "down")):
            return self.answer(503, "down", retry_after=True)
        if self.headers.get("Content-Type") != "application/json":
            return self.answer(415, "bad content type " + str(self.headers.get("Content-Type")))
        request = ExportLogsServiceRequest()
        try:
            json_format.Parse(body, request)
        except json_format.ParseError as error:
            return self.answer(400, "bad " + str(error).replace("\n", " "))
        taken = 0
        for resource_logs in request.resource_logs:
            host = attribute(resource_logs.resource.attributes, "host.name")
            for scope_logs in resource_logs.scope_logs:
                for record in scope_logs.log_records:
                    note("records.jsonl", json.dumps({
                        "host": host,
                        "service": attribute(resource_logs.resource.attributes, "service.name"),
                        "call_id": attribute(record.attributes, "callcue.call_id"),
                        "agent_id": attribute(record.attributes, "callcue.agent_id"),
                        "time_unix_nano": record.time_unix_nano,
                        "body": record.body.string_value,
                        "api_key": self.headers.get("X-Api-Key"),
                    }))
                    taken += 1
        self.answer(200, "ok %d" % taken)

    def answer(self, status, logged, retry_after=False):
        note("requests.log", logged)
        self.send_response(status)
        if retry_after:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
note("requests.log", "listening")
server.serve_forever()
