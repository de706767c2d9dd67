use std::process::ExitCode;

use clap::Parser;
use xiaozhen::config::{Cli, Command, ServeArgs};

// glibc's malloc showed as a sixth of a busy page's CPU time; mimalloc
// serves the many small allocations of rendering and decoding faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    xiaozhen::telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command {
        None => xiaozhen::cli::serve(&cli.db, ServeArgs::default()).await,
        Some(Command::Serve(args)) => xiaozhen::cli::serve(&cli.db, args).await,
        Some(Command::Migrate) => xiaozhen::cli::migrate(&cli.db).await,
        Some(Command::User(cmd)) => xiaozhen::cli::user(&cli.db, cmd).await,
        Some(Command::Demo(args)) => xiaozhen::cli::demo(&cli.db, args).await,
        Some(Command::Backup { file }) => xiaozhen::cli::backup::backup(&cli.db, &file).await,
        Some(Command::Restore { file }) => xiaozhen::cli::backup::restore(&cli.db, &file).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One sentence for the operator; details are already in the log.
            eprintln!("xiaozhen: {err:#}");
            ExitCode::FAILURE
        }
    }
}
