//! `cruddur`: the whole site in one process on the embedded SQLite store, with demo data —
//! what `cargo run` starts.

use clap::{CommandFactory, FromArgMatches};
use cruddur_backend::cli::{Cli, run};
use cruddur_backend::settings::Mode;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let matches = Cli::command()
        .name("cruddur")
        .about("Cruddur all-in-one: the API with demo data on an embedded SQLite database.")
        .get_matches();
    run(Cli::from_arg_matches(&matches)?, Mode::AllInOne).await
}
