//! `cruddur-frontend`: the web pages on their own, as their container runs them.

use clap::Parser;
use cruddur_frontend::settings::{Settings, SettingsArgs};
use cruddur_frontend::{Application, shutdown, telemetry};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "The Cruddur web frontend: server-rendered pages over the API."
)]
struct Cli {
    #[command(flatten)]
    settings: SettingsArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::resolve(&Cli::parse().settings)?;
    telemetry::init();
    tracing::debug!(?settings, "settings");
    let app = Application::build(&settings).await?;
    app.run_until_stopped(shutdown::signal()).await
}
