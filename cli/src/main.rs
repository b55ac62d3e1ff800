//! The `authz` binary: parses the command line and hands over to [`authz_cli::run`].

use std::io;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with status 2.
    let cli = authz_cli::Cli::parse();
    let exit = authz_cli::run(
        &cli,
        &mut io::stdin().lock(),
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    );
    ExitCode::from(exit.code())
}
