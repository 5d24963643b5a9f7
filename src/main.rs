use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kdeck",
    version,
    about = "Present 'Container-Relevant Kernel Developments' and prove it live on this kernel"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Internal: run a demo's live body in this (child) process.
    #[command(name = "__child", hide = true)]
    Child { id: String },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Child { id }) => std::process::exit(kdeck::demo::child_main(&id)),
        None => Ok(()),
    }
}
