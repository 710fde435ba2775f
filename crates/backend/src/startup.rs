//! Building and running the application: wait for the database, migrate, seed if asked, bind,
//! serve until told to stop, then drain.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use cruddur_serve::{Listeners, Metrics};
use cruddur_store::dynamodb::{Credentials, DynamoDbConfig, DynamoMessageStore, TableCreation};
use cruddur_store::{STATEMENT_BOUND, StoreError, Stores};
use secrecy::{ExposeSecret, SecretString};
use tokio::task::JoinHandle;

use crate::auth::rate_limit::SignUpLimiter;
use crate::auth::token::TokenKeys;
use crate::client_ip::ClientAddresses;
use crate::clock::Clock;
use crate::metrics::{ApiMetrics, SERVICE};
use crate::read_cache::Reads;
use crate::search_gate::SearchGate;
use crate::settings::{DatabaseUrl, DynamoDbSettings, Settings};
use crate::state::AppState;
use crate::{cors, demo, purge, routes, seed};

pub struct Application {
    listeners: Listeners,
    router: Router,
    state: AppState,
    purge_interval: Duration,
    serving: cruddur_serve::Limits,
    metrics: Metrics,
    database_url_file: Option<DatabaseUrlFile>,
}

/// The file the database URL came from, to follow while serving.
struct DatabaseUrlFile {
    path: PathBuf,
    url: SecretString,
    every: Duration,
}

impl Application {
    /// Opens the stores (waiting for the database up to `database_wait`), loads the demo data
    /// when configured, and binds the listener (port 0 picks a free port).
    pub async fn build(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        if settings.jwt_secret_generated {
            tracing::warn!(
                "JWT_SECRET is not set: using a random one, so sign-ins end when the process stops"
            );
        }
        let stores = open_stores(settings).await?;
        let metrics = Metrics::new();
        let api_metrics = ApiMetrics::register(&metrics, stores.store.clone());
        if settings.seed_demo_data {
            seed_demo_data(&stores, settings, clock.as_ref()).await?;
        }
        if let Some(handle) = &settings.demo_user {
            tracing::warn!(%handle, "demo mode: unauthenticated requests act as @{handle}");
        }
        let state = AppState {
            store: stores.store,
            messages: stores.messages,
            clock,
            tokens: Arc::new(TokenKeys::new(&settings.jwt_secret)),
            demo_user: settings.demo_user.clone().map(Arc::new),
            sign_in_limiter: Arc::default(),
            sign_up_limiter: Arc::new(SignUpLimiter::new(settings.sign_ups)),
            reads: Arc::new(Reads::counted(&metrics)),
            clients: Arc::new(ClientAddresses {
                proxies: settings.trusted_proxies.clone(),
                frontend_key: settings.frontend_key.clone(),
            }),
            searches: Arc::new(SearchGate::new(settings.searches_at_once, STATEMENT_BOUND)),
            metrics: api_metrics,
        };
        let listeners = Listeners::bind(settings.listen, settings.metrics_listen).await?;
        let router = app(state.clone(), &settings.cors_origins);
        // Requests are timed, and what their responses note counted, only when someone can
        // scrape the figures: the layer costs every request some work.
        let router = match listeners.serves_metrics() {
            true => {
                let api = state.metrics.clone();
                metrics.track_answers(SERVICE, router, move |response| api.count_noted(response))
            }
            false => router,
        };
        Ok(Application {
            listeners,
            router,
            state,
            purge_interval: settings.purge_interval,
            serving: settings.serving,
            database_url_file: settings
                .database_url_file
                .clone()
                .map(|path| DatabaseUrlFile {
                    path,
                    url: settings.database_url.expose().to_owned().into(),
                    every: settings.database_url_check,
                }),
            metrics,
        })
    }

    /// The process's metrics when they are served, for the all-in-one's pages to count theirs
    /// in.
    pub fn served_metrics(&self) -> Option<&Metrics> {
        self.listeners.serves_metrics().then_some(&self.metrics)
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.listeners.metrics_addr()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listeners.local_addr()
    }

    /// Serves until `shutdown` completes, then stops accepting connections and gives in-flight
    /// requests up to the grace period to finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(address = %self.local_addr(), "Cruddur API listening");
        let purger = purge::spawn(
            self.state.store.clone(),
            self.state.clock.clone(),
            self.state.reads.clone(),
            self.purge_interval,
        );
        let follower = self
            .database_url_file
            .map(|file| follow_database_url(file, self.state.store.clone()));
        // Readiness is pinged only for someone to scrape it.
        let readiness = self
            .listeners
            .serves_metrics()
            .then(|| self.state.metrics.spawn_readiness(self.state.store.clone()));
        let result = self
            .listeners
            .serve(self.router, &self.metrics, shutdown, self.serving)
            .await;
        purger.abort();
        follower.inspect(JoinHandle::abort);
        readiness.inspect(JoinHandle::abort);
        result
    }
}

/// Has the store use the URL in `file` for new connections whenever it changes (a password
/// rotated by a secrets agent), without a restart: connections already open serve on until
/// their lifetime ends, so no request in flight is dropped.
fn follow_database_url(
    file: DatabaseUrlFile,
    store: Arc<dyn cruddur_store::Store>,
) -> JoinHandle<()> {
    cruddur_serve::watch_secret_file(
        "DATABASE_URL",
        file.path,
        file.url,
        file.every,
        move |url| {
            let database = DatabaseUrl::new(url.expose_secret());
            match store.use_url(url.expose_secret()) {
                Ok(()) => tracing::info!(%database, "new database connections use the new URL"),
                Err(error) => tracing::warn!(
                    %database,
                    error = format!("{:#}", anyhow::Error::new(error)),
                    "the new database URL is not used"
                ),
            }
        },
    )
}

/// The full HTTP application: the API routes wrapped in request ids, request logging and CORS.
pub fn app(state: AppState, cors_origins: &[String]) -> Router {
    let (router, _document) = routes::api(state.clone());
    let router = router.layer(axum::middleware::from_fn_with_state(
        state,
        demo::loopback_hosts_only,
    ));
    cruddur_serve::traced(router.layer(cors::layer(cors_origins)))
}

/// Opens the stores and migrates them: the SQL store, and the DynamoDB message table (created
/// if absent) when one is configured. A database that is not reachable yet (a container
/// starting next to ours) is retried with growing pauses until `database_wait` has passed.
pub async fn open_stores(settings: &Settings) -> anyhow::Result<Stores> {
    let database = &settings.database_url;
    let mut stores = wait_for_store(settings, &database.to_string(), || {
        cruddur_store::open_with_lifetime(
            database.expose(),
            true,
            settings.database_connection_lifetime,
        )
    })
    .await?;
    tracing::info!(%database, "store ready");
    match &settings.dynamodb {
        Some(dynamodb) => stores.messages = Arc::new(open_message_table(settings, dynamodb).await?),
        None => tracing::info!("messages are kept in the SQL store"),
    }
    Ok(stores)
}

/// The DynamoDB message store, its table created if absent and active.
pub async fn open_message_table(
    settings: &Settings,
    dynamodb: &DynamoDbSettings,
) -> anyhow::Result<DynamoMessageStore> {
    let credentials = dynamodb.credentials.as_ref().map(|credentials| {
        Credentials::new(
            &credentials.access_key_id,
            credentials.secret_access_key.expose_secret(),
            credentials
                .session_token
                .as_ref()
                .map(|token| token.expose_secret().to_owned()),
            None,
            "cruddur-settings",
        )
    });
    let store = DynamoMessageStore::connect(DynamoDbConfig {
        endpoint: dynamodb.endpoint.clone(),
        region: dynamodb.region.clone(),
        credentials,
        table: dynamodb.table.clone(),
    })
    .await?;
    let name = format!(
        "DynamoDB table {} at {}",
        dynamodb.table,
        dynamodb.endpoint.as_deref().unwrap_or("AWS")
    );
    let creation = wait_for_store(settings, &name, || store.create_table_if_absent()).await?;
    tracing::info!(
        table = %dynamodb.table,
        endpoint = dynamodb.endpoint.as_deref().unwrap_or("AWS"),
        created = creation == TableCreation::Created,
        "messages are kept in DynamoDB"
    );
    Ok(store)
}

/// Runs `attempt` until it succeeds, retrying while the store is unavailable (growing pauses)
/// until `database_wait` has passed.
async fn wait_for_store<T, F, Fut>(
    settings: &Settings,
    name: &str,
    mut attempt: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let started = Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(StoreError::Unavailable(cause)) if started.elapsed() < settings.database_wait => {
                // `{:#}` shows the whole chain: the SDK's own message is only "dispatch failure".
                let cause = anyhow::Error::from_boxed(cause);
                tracing::warn!(
                    store = name,
                    error = format!("{cause:#}"),
                    "store not reachable yet; retrying"
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Err(error) => return Err(error).with_context(|| format!("opening {name}")),
        }
    }
}

/// Loads the demo data unless it is there already.
pub async fn seed_demo_data(
    stores: &Stores,
    settings: &Settings,
    clock: &dyn Clock,
) -> anyhow::Result<()> {
    let password = match &settings.demo_password {
        Some(password) => password.expose_secret().to_owned(),
        None => {
            tracing::info!("DEMO_PASSWORD is not set: demo users get a random password");
            uuid::Uuid::new_v4().to_string()
        }
    };
    match seed::seed(stores, clock.now(), &password).await? {
        Some(summary) => tracing::info!(
            users = summary.users,
            cruds = summary.cruds,
            replies = summary.replies,
            messages = summary.messages,
            "loaded the demo data"
        ),
        None => tracing::info!("demo data already present; nothing to load"),
    }
    Ok(())
}
