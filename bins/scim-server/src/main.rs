//! The `scim-server` command.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = scim_server::cli::Cli::parse();
    match scim_server::commands::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            #[expect(clippy::print_stderr, reason = "the command's error is its output")]
            {
                eprintln!("error: {e}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
