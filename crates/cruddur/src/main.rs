//! `cruddur`: the whole site in one process — the API and the web pages on the embedded SQLite
//! store, with demo data. This is what `cargo run` starts.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use clap::Parser;
use cruddur_backend::cli::Command;
use cruddur_backend::clock::SystemClock;
use cruddur_backend::settings::{Mode, Settings, SettingsArgs};
use cruddur_frontend::settings::{PageArgs, Settings as WebSettings};

#[derive(Parser)]
#[command(
    name = "cruddur",
    version,
    about = "Cruddur all-in-one: the web pages and the API, with demo data, on an embedded SQLite database."
)]
struct Cli {
    #[command(flatten)]
    api: SettingsArgs,
    /// Port of the web pages (the API keeps PORT).
    #[arg(long, env = "WEB_PORT", default_value_t = 3000)]
    web_port: u16,
    /// The settings of the pages; the rest they share with the API.
    #[command(flatten)]
    pages: PageArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

// jemalloc returns freed memory to the OS (glibc kept a freed 19 MiB Argon2 buffer resident).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    cruddur_backend::cli::runtime()?.block_on(run(Cli::parse()))
}

async fn run(mut cli: Cli) -> anyhow::Result<()> {
    match cli.command.take().unwrap_or(Command::Serve) {
        Command::Serve => serve(cli).await,
        command => {
            let backend = cruddur_backend::cli::Cli {
                settings: cli.api,
                command: Some(command),
            };
            cruddur_backend::cli::run(backend, Mode::AllInOne).await
        }
    }
}

async fn serve(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::resolve(&cli.api, Mode::AllInOne)?;
    cruddur_serve::init_logging(settings.log_format);
    // The API believes the browser addresses its own frontend forwards, and nobody else's:
    // the frontend proves itself with a key, made for this process unless configured.
    let frontend_key = settings
        .frontend_key
        .get_or_insert_with(cruddur_serve::random_secret)
        .clone();
    let api = cruddur_backend::Application::build(&settings, Arc::new(SystemClock)).await?;

    let api_address = reachable(api.local_addr());
    let web_address = SocketAddr::new(settings.listen.ip(), cli.web_port);
    let api_url = format!("http://{api_address}").parse()?;
    let mut web_settings = WebSettings::new(web_address, api_url, &cli.pages);
    web_settings.serving = settings.serving;
    web_settings.log_format = settings.log_format;
    web_settings.trusted_proxies = settings.trusted_proxies.clone();
    web_settings.frontend_key = Some(frontend_key);
    // One metrics listener (the API's METRICS_ADDR) serves both: each series names its service.
    let web = cruddur_frontend::Application::build_with_metrics(
        &web_settings,
        api.served_metrics().cloned(),
    )
    .await?;
    tracing::info!(
        "Cruddur is up: open http://{} (API at http://{api_address})",
        reachable(web.local_addr())
    );

    // One signal stops both servers; each drains its own requests.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        cruddur_serve::stop_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    tokio::try_join!(
        api.run_until_stopped(stopped(stop_rx.clone())),
        web.run_until_stopped(stopped(stop_rx)),
    )?;
    Ok(())
}

/// An address to connect to: a wildcard listen address is reached through loopback.
fn reachable(address: SocketAddr) -> SocketAddr {
    if address.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), address.port())
    } else {
        address
    }
}
