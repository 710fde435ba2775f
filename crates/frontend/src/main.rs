//! `cruddur-frontend`: the web pages on their own, as their container runs them.

use clap::Parser;
use cruddur_frontend::Application;
use cruddur_frontend::settings::{Settings, SettingsArgs};

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
    cruddur_serve::init_logging(settings.log_format);
    tracing::debug!(?settings, "settings");
    let app = Application::build(&settings).await?;
    app.run_until_stopped(cruddur_serve::stop_signal()).await
}
