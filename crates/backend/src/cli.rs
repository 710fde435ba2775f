//! The command line: `serve` (the default), `migrate`, `seed`, `generate`,
//! `create-message-table`, `seed-messages` and `healthcheck`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::{Clock, SystemClock};
use crate::generate::{self, GenerateArgs};
use crate::settings::{Mode, Settings, SettingsArgs};
use crate::startup::{open_message_table, open_stores, seed_demo_data};
use crate::{Application, seed};

#[derive(Debug, clap::Parser)]
#[command(version, about = "The Cruddur API: micro-blogging whose posts expire.")]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Wait for the database, migrate it, and serve the API (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Load the demo users, cruds and messages (once; later runs change nothing).
    Seed,
    /// Write a synthetic site of any size (users, cruds, replies, likes, reposts, follows,
    /// notifications, messages) for benchmarks, deterministic from --seed; the database must
    /// not hold generated users yet.
    Generate(GenerateArgs),
    /// Create the DynamoDB message table and its index if absent (DDB_MESSAGE_TABLE; start-up
    /// does this too).
    CreateMessageTable,
    /// Load the demo conversations into the message store if it lacks them (the demo users
    /// must exist).
    SeedMessages,
    /// Exit 0 when the server on PORT answers its health check (for container HEALTHCHECKs).
    Healthcheck,
}

impl std::fmt::Debug for SettingsArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The raw arguments hold secrets; only resolved Settings know how to redact them.
        f.write_str("SettingsArgs { .. }")
    }
}

/// The runtime both binaries run on. Blocking threads run the Argon2 hashes, each holding
/// 19 MiB while it runs: one per core (at least two) keeps a burst of sign-ins from holding one
/// per request (tokio's default allows 512) while still using every core.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores.max(2))
        .build()
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
        Command::Generate(args) => {
            let stores = open_stores(&settings).await?;
            let summary = generate::generate(&stores, &args, SystemClock.now()).await?;
            generate::print_summary(&summary, &args);
            Ok(())
        }
        Command::CreateMessageTable => {
            let dynamodb = settings.dynamodb.as_ref().context(
                "DDB_MESSAGE_TABLE is not set: messages are kept in the SQL store, which \
                 `migrate` prepares",
            )?;
            open_message_table(&settings, dynamodb).await?;
            Ok(())
        }
        Command::SeedMessages => {
            let stores = open_stores(&settings).await?;
            let written = seed::seed_messages(&stores, SystemClock.now()).await?;
            tracing::info!(
                messages = written,
                "demo conversations loaded (0: already there)"
            );
            Ok(())
        }
        Command::Healthcheck => unreachable!("handled above"),
    }
}

/// Probes this server's liveness route (the container HEALTHCHECK).
async fn healthcheck(args: &SettingsArgs) -> anyhow::Result<()> {
    cruddur_serve::probe(
        SocketAddr::new(args.host, args.port),
        cruddur_contract::routes::HEALTH_CHECK.route.path,
    )
    .await
}
