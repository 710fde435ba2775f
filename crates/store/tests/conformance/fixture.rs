//! A fresh, empty store per test, for each backend, and whatever must outlive the test.

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use cruddur_store::Stores;
use cruddur_store::dynamodb::{DynamoDbConfig, DynamoMessageStore};
use sqlx::{Connection, PgConnection};
use tempfile::TempDir;
use url::Url;
use uuid::Uuid;

/// The admin URL of the PostgreSQL server the PostgreSQL tests run on.
const POSTGRES_URL_VAR: &str = "CRUDDUR_TEST_POSTGRES_URL";

/// The endpoint of the DynamoDB emulator the DynamoDB tests run on.
const DYNAMODB_URL_VAR: &str = "CRUDDUR_TEST_DYNAMODB_URL";

/// How long to wait for the PostgreSQL server or the DynamoDB emulator before declaring it
/// unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
    /// Accounts in SQLite, messages in DynamoDB, as a deployment with DynamoDB has them.
    DynamoDb,
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
    DirAndTable(#[allow(dead_code)] TempDir, #[allow(dead_code)] TestTable),
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
        Backend::DynamoDb => Fixture::dynamodb().await,
    };
    // If the test panics, unwinding drops the fixture, which drops the database.
    test(fixture).await;
}

impl Fixture {
    /// A new SQLite file in its own temporary directory, migrated.
    pub async fn sqlite() -> Fixture {
        let (stores, url, dir) = sqlite_stores().await;
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

impl Fixture {
    /// A new SQLite store for the accounts, and messages in a new table on the emulator named
    /// by `CRUDDUR_TEST_DYNAMODB_URL`, deleted when the fixture is dropped.
    pub async fn dynamodb() -> Fixture {
        let endpoint = std::env::var(DYNAMODB_URL_VAR).unwrap_or_else(|_| {
            panic!(
                "{DYNAMODB_URL_VAR} is not set: the DynamoDB conformance tests need an \
                 emulator's endpoint, e.g. from scripts/start-dynamodb-emulator.sh"
            )
        });
        let (mut stores, url, dir) = sqlite_stores().await;
        let table = TestTable::create(endpoint).await;
        stores.messages = Arc::new(table.store.clone());
        Fixture {
            stores,
            url,
            _keep: Keep::DirAndTable(dir, table),
        }
    }
}

/// The stores of a new SQLite file in a temporary directory, migrated, with their URL and the
/// directory to keep.
async fn sqlite_stores() -> (Stores, String, TempDir) {
    let dir = tempfile::tempdir().expect("creating a temporary directory");
    let url = format!("sqlite:{}/test.db", dir.path().display());
    let stores = cruddur_store::open(&url, true)
        .await
        .unwrap_or_else(|error| panic!("opening the SQLite store at {url}: {error:?}"));
    (stores, url, dir)
}

/// A message table of its own for one test, deleted when this is dropped.
struct TestTable {
    store: DynamoMessageStore,
    config: DynamoDbConfig,
}

impl TestTable {
    async fn create(endpoint: String) -> TestTable {
        let config = DynamoDbConfig {
            endpoint: Some(endpoint.clone()),
            region: None,
            credentials: None,
            table: format!("cruddur-test-{}", Uuid::new_v4().simple()),
        };
        let store = DynamoMessageStore::connect(config.clone())
            .await
            .unwrap_or_else(|error| panic!("configuring the DynamoDB client: {error:?}"));
        match tokio::time::timeout(CONNECT_TIMEOUT, store.create_table_if_absent()).await {
            Ok(Ok(_)) => TestTable { store, config },
            Ok(Err(error)) => panic!(
                "the DynamoDB emulator at {endpoint} ({DYNAMODB_URL_VAR}) is unreachable or \
                 failed to create table {}: {error:?}",
                config.table
            ),
            Err(_) => panic!(
                "the DynamoDB emulator at {endpoint} ({DYNAMODB_URL_VAR}) did not answer within \
                 {CONNECT_TIMEOUT:?}"
            ),
        }
    }

    async fn delete(config: DynamoDbConfig) -> Result<(), String> {
        let store = DynamoMessageStore::connect(config)
            .await
            .map_err(|error| error.to_string())?;
        store
            .client()
            .delete_table()
            .table_name(store.table())
            .send()
            .await
            .map_err(|error| format!("{error:?}"))?;
        Ok(())
    }
}

impl Drop for TestTable {
    fn drop(&mut self) {
        let config = self.config.clone();
        let table = config.table.clone();
        // As for TestDatabase: a runtime of its own on a thread of its own, and a client of its
        // own, since the store's connections belong to the test's runtime.
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime.block_on(TestTable::delete(config))
        })
        .join()
        .unwrap_or_else(|_| Err("the thread deleting it panicked".to_owned()));
        if let Err(error) = outcome {
            let message = format!("could not delete test table {table}: {error}");
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
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
