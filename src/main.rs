//! The `pdc` command line: parses arguments and hands over to [`cli`].

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    cli::run(args).into()
}
