//! Compile-fail tests: one misuse of `#[authorize]` / `routes!` per file, with the expected
//! diagnostics in the `.stderr` beside it; for axum (`tests/ui/fail`) and actix-web
//! (`tests/ui/actix/fail`), plus an actix-web app that must compile.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.compile_fail("tests/ui/actix/fail/*.rs");
    t.pass("tests/ui/actix/pass/*.rs");
}
