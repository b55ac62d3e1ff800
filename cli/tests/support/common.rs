//! Helpers shared by the end-to-end tests of the `authz` binary (`#[path]`-included).

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// The `authz` binary of this build.
pub(crate) fn authz() -> Command {
    Command::cargo_bin("authz").unwrap()
}

/// The repository's example policies.
pub(crate) fn repo_policies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies")
}

/// A temporary directory holding `files` (`(relative path, text)`).
pub(crate) fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

/// Pretty-printed JSON with a trailing newline, parsed.
pub(crate) fn json_out(output: &[u8]) -> Value {
    let text = std::str::from_utf8(output).unwrap();
    assert!(text.ends_with("}\n"), "no trailing newline: {text:?}");
    assert!(text.contains("\n  "), "not pretty-printed: {text}");
    serde_json::from_str(text).unwrap()
}
