//! Rebuilds when a policy or the scenario table changes: `include_dir!` and `include_str!` of
//! a directory do not tell cargo.

fn main() {
    println!("cargo:rerun-if-changed=../../policies");
    println!("cargo:rerun-if-changed=../scenarios");
}
