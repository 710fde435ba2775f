//! A fresh, empty store per test, for each backend, and whatever must outlive the test.

use std::future::Future;
use std::ops::Deref;
use std::time::Duration;

use cruddur_store::Stores;
use sqlx::{Connection, PgConnection};
use tempfile::TempDir;
use url::Url;
use uuid::Uuid;

/// The admin URL of the PostgreSQL server the PostgreSQL tests run on.
const POSTGRES_URL_VAR: &str = "CRUDDUR_TEST_POSTGRES_URL";

/// How long to wait for the PostgreSQL server before declaring it unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a test gets: the stores (reachable as `fx.store` and `fx.messages`), the URL they were
/// opened from, and the resources that must live as long as the test.
pub struct Fixture {
    // Declared before `_keep` so the pools are dropped before their database goes.
    pub stores: Stores,
    /// The URL the stores were opened from, to open them again.
    pub url: String,
    _keep: Keep,
}

/// Kept only for its `Drop`.
enum Keep {
    Dir(#[allow(dead_code)] TempDir),
    Database(#[allow(dead_code)] TestDatabase),
}

impl Deref for Fixture {
    type Target = Stores;

    fn deref(&self) -> &Stores {
        &self.stores
    }
}

/// Runs one conformance test on a fresh fixture of `backend`.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Fixture) -> Fut,
    Fut: Future<Output = ()>,
{
    let fixture = match backend {
        Backend::Sqlite => Fixture::sqlite().await,
        Backend::Postgres => Fixture::postgres().await,
    };
    // If the test panics, unwinding drops the fixture, which drops the database.
    test(fixture).await;
}

impl Fixture {
    /// A new SQLite file in its own temporary directory, migrated.
    pub async fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().expect("creating a temporary directory");
        let url = format!("sqlite:{}/test.db", dir.path().display());
        let stores = cruddur_store::open(&url, true)
            .await
            .unwrap_or_else(|error| panic!("opening the SQLite store at {url}: {error:?}"));
        Fixture {
            stores,
            url,
            _keep: Keep::Dir(dir),
        }
    }

    /// A new database on the server named by `CRUDDUR_TEST_POSTGRES_URL`, migrated, and
    /// dropped when the fixture is.
    pub async fn postgres() -> Fixture {
        let admin_url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
            panic!(
                "{POSTGRES_URL_VAR} is not set: the PostgreSQL conformance tests need an admin \
                 URL such as postgres://postgres:postgres@127.0.0.1:5432/postgres"
            )
        });
        let database = TestDatabase::create(&admin_url).await;
        let url = database.url();
        let stores = cruddur_store::open(&url, true)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "opening the PostgreSQL store on {}: {error:?}",
                    redact(&url)
                )
            });
        Fixture {
            stores,
            url,
            _keep: Keep::Database(database),
        }
    }
}

/// A database of its own for one test, dropped (connections and all) when this is dropped.
struct TestDatabase {
    admin_url: Url,
    name: String,
}

impl TestDatabase {
    async fn create(admin_url: &str) -> TestDatabase {
        let admin_url = Url::parse(admin_url)
            .unwrap_or_else(|error| panic!("{POSTGRES_URL_VAR} is not a URL: {error}"));
        let name = format!("cruddur_test_{}", Uuid::new_v4().simple());
        let mut admin = admin_connection(&admin_url).await;
        // Raw (simple-protocol) SQL: CREATE DATABASE cannot be prepared or run in a transaction.
        sqlx::raw_sql(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|error| panic!("creating database {name}: {error}"));
        let _ = admin.close().await;
        TestDatabase { admin_url, name }
    }

    /// The admin URL pointed at this database (credentials and options kept).
    fn url(&self) -> String {
        let mut url = self.admin_url.clone();
        url.set_path(&format!("/{}", self.name));
        url.to_string()
    }

    async fn drop_database(admin_url: Url, name: String) -> Result<(), String> {
        let mut admin =
            tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(admin_url.as_str()))
                .await
                .map_err(|_| "timed out connecting".to_owned())?
                .map_err(|error| error.to_string())?;
        // FORCE ends the connections the store's pool may still hold.
        sqlx::raw_sql(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
            .execute(&mut admin)
            .await
            .map_err(|error| error.to_string())?;
        let _ = admin.close().await;
        Ok(())
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop cannot await, and blocking on the test's own runtime would deadlock: use a
        // runtime of its own on a thread of its own.
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime.block_on(TestDatabase::drop_database(admin_url, name))
        })
        .join()
        .unwrap_or_else(|_| Err("the thread dropping it panicked".to_owned()));
        if let Err(error) = outcome {
            let message = format!("could not drop test database {}: {error}", self.name);
            // Panicking while already unwinding would abort and hide the test's own failure.
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}

async fn admin_connection(admin_url: &Url) -> PgConnection {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(admin_url.as_str())).await {
        Ok(Ok(connection)) => connection,
        Ok(Err(error)) => panic!(
            "PostgreSQL at {} ({POSTGRES_URL_VAR}) is unreachable: {error}",
            redact(admin_url.as_str())
        ),
        Err(_) => panic!(
            "PostgreSQL at {} ({POSTGRES_URL_VAR}) did not answer within {CONNECT_TIMEOUT:?}",
            redact(admin_url.as_str())
        ),
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable URL>".to_owned(),
    }
}
