//! Compile-fail tests: one misuse of `#[authorize]` / `routes!` per file, with the expected
//! diagnostics in the `.stderr` beside it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
}
