//! Build script: records the commit the binary is built from, for `callcue --version`
//! (`$CALLCUE_COMMIT` wins, for packagers building outside a git checkout).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=CALLCUE_COMMIT");
    let head = Path::new(".git/HEAD");
    if head.is_file() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Ok(text) = std::fs::read_to_string(head) {
            if let Some(reference) = text.strip_prefix("ref: ") {
                println!("cargo:rerun-if-changed=.git/{}", reference.trim());
            }
        }
    }
    let commit = std::env::var("CALLCUE_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()
                .filter(|out| out.status.success())
                .and_then(|out| String::from_utf8(out.stdout).ok())
                .map(|c| c.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=CALLCUE_COMMIT={commit}");
}
