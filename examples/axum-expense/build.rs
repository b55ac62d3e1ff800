//! Rebuilds when a policy changes: `include_dir!` embeds `policies/` but does not tell cargo.

fn main() {
    println!("cargo:rerun-if-changed=../../policies");
}
