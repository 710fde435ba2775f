//! `cruddur-frontend`: the web pages on their own, as their container runs them.

use std::net::SocketAddr;

use clap::Parser;
use cruddur_frontend::Application;
use cruddur_frontend::settings::{Settings, SettingsArgs};

#[derive(Parser)]
#[command(
    version,
    about = "The Cruddur web frontend: server-rendered pages over the API."
)]
struct Cli {
    #[command(flatten)]
    settings: SettingsArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, clap::Subcommand)]
enum Command {
    /// Serve the web pages (the default).
    Serve,
    /// Exit 0 when the server on PORT answers its liveness route (for container HEALTHCHECKs).
    Healthcheck,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Healthcheck) = cli.command {
        let listen = SocketAddr::new(cli.settings.host, cli.settings.port);
        return cruddur_serve::probe(listen, cruddur_frontend::LIVENESS_PATH).await;
    }
    let settings = Settings::resolve(&cli.settings)?;
    cruddur_serve::init_logging(settings.log_format);
    tracing::debug!(?settings, "settings");
    let app = Application::build(&settings).await?;
    app.run_until_stopped(cruddur_serve::stop_signal()).await
}
