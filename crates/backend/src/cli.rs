//! The command line: `serve` (the default), `migrate`, `seed` and `healthcheck`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::Application;
use crate::clock::SystemClock;
use crate::settings::{Mode, Settings, SettingsArgs};
use crate::startup::{open_stores, seed_demo_data};

#[derive(Debug, clap::Parser)]
#[command(version, about = "The Cruddur API: micro-blogging whose posts expire.")]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, clap::Subcommand)]
pub enum Command {
    /// Wait for the database, migrate it, and serve the API (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Load the demo users, cruds and messages (once; later runs change nothing).
    Seed,
    /// Exit 0 when the server on PORT answers its health check (for container HEALTHCHECKs).
    Healthcheck,
}

impl std::fmt::Debug for SettingsArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The raw arguments hold secrets; only resolved Settings know how to redact them.
        f.write_str("SettingsArgs { .. }")
    }
}

pub async fn run(cli: Cli, mode: Mode) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Healthcheck = command {
        return healthcheck(&cli.settings).await;
    }
    let settings = Settings::resolve(&cli.settings, mode)?;
    cruddur_serve::init_logging(settings.log_format);
    tracing::debug!(?settings, "settings");
    match command {
        Command::Serve => {
            let app = Application::build(&settings, Arc::new(SystemClock)).await?;
            app.run_until_stopped(cruddur_serve::stop_signal()).await
        }
        Command::Migrate => {
            open_stores(&settings).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed => {
            let stores = open_stores(&settings).await?;
            seed_demo_data(&stores, &settings, &SystemClock).await
        }
        Command::Healthcheck => unreachable!("handled above"),
    }
}

/// A minimal HTTP/1.1 GET, so the container image needs no curl (and no shell).
async fn healthcheck(args: &SettingsArgs) -> anyhow::Result<()> {
    let host = match args.host {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let address = SocketAddr::new(host, args.port);
    let check = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        let request = format!(
            "GET /api/health-check HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await?;
        anyhow::Ok(head)
    };
    let head = tokio::time::timeout(Duration::from_secs(3), check)
        .await
        .context("health check timed out")?
        .with_context(|| format!("health check of {address} failed"))?;
    if head.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        bail!(
            "health check answered {}",
            String::from_utf8_lossy(&head).trim()
        )
    }
}
