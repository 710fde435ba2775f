//! `cruddur-backend`: the API on its own, as its container runs it.

use clap::Parser;
use cruddur_backend::cli::{Cli, run};
use cruddur_backend::settings::Mode;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run(Cli::parse(), Mode::Backend).await
}
