//! Configuration: every setting is an environment variable and a flag (`--help` lists them);
//! every secret can also come from a file named by `NAME_FILE` (Docker and Kubernetes
//! secrets). Resolved once at start-up into [`Settings`], whose `Debug` never shows a secret.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use cruddur_contract::Handle;
use cruddur_serve::random_secret;
pub use cruddur_serve::{Limits, LimitsArgs, LogFormat, MetricsArgs, TrustedProxies};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::rate_limit::SignUpRates;
use crate::search_gate::SearchGate;
use crate::seed::DEMO_HANDLE;

/// How the process runs, which changes a few defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The API alone, as in a container: demo data and demo user off.
    Backend,
    /// `cargo run`: API and frontend in one process, demo data and demo user on.
    AllInOne,
}

/// The raw settings as flags and environment variables.
#[derive(Clone, clap::Args)]
pub struct SettingsArgs {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port of the API.
    #[arg(long, env = "PORT", default_value_t = 4567)]
    pub port: u16,
    /// Folder for the embedded SQLite database when no database URL is given.
    #[arg(long, env = "DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub secrets: Secrets,
    /// Origin of the web frontend, allowed by CORS (`*` allows any origin).
    #[arg(long, env = "FRONTEND_URL")]
    pub frontend_url: Option<String>,
    /// Origin of the API itself, allowed by CORS (`*` allows any origin).
    #[arg(long, env = "BACKEND_URL")]
    pub backend_url: Option<String>,
    /// Handle that unauthenticated requests act as (demo mode). Off unless set; all-in-one
    /// defaults to the first demo user.
    #[arg(long, env = "DEMO_USER")]
    pub demo_user: Option<String>,
    /// Load the demo data at start-up when the store has none.
    #[arg(long, env = "SEED_DEMO_DATA")]
    pub seed_demo_data: Option<bool>,
    /// `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Seconds between purges of expired cruds.
    #[arg(long, env = "PURGE_INTERVAL_SECS", default_value_t = DEFAULT_PURGE_INTERVAL_SECS)]
    pub purge_interval_secs: u64,
    #[command(flatten)]
    pub serving: LimitsArgs,
    #[command(flatten)]
    pub metrics: MetricsArgs,
    /// Seconds start-up waits for the database to answer.
    #[arg(long, env = "DATABASE_WAIT_SECS", default_value_t = DEFAULT_DATABASE_WAIT_SECS)]
    pub database_wait_secs: u64,
    /// Seconds a PostgreSQL connection is kept before a new one replaces it: after the
    /// database URL's file changes (a rotated password), the longest an old connection lives.
    #[arg(long, env = "DATABASE_CONNECTION_LIFETIME_SECS", default_value_t = cruddur_store::CONNECTION_LIFETIME.as_secs())]
    pub database_connection_lifetime_secs: u64,
    /// Peers whose `X-Forwarded-For` names the client, for per-address limits: the web
    /// frontend and any reverse proxy (comma-separated addresses or CIDR networks). None by
    /// default; the all-in-one's own frontend is recognised by a key instead.
    #[arg(long, env = "TRUSTED_PROXIES")]
    pub trusted_proxies: Option<TrustedProxies>,
    /// Sign-ups one client address may make in an hour.
    #[arg(long, env = "SIGN_UPS_PER_CLIENT_PER_HOUR", default_value_t = SignUpRates::default().per_client_per_hour)]
    pub sign_ups_per_client_per_hour: u32,
    /// Sign-ups all clients together may make in a minute.
    #[arg(long, env = "SIGN_UPS_PER_MINUTE", default_value_t = SignUpRates::default().per_minute)]
    pub sign_ups_per_minute: u32,
    /// Searches that may run at once, the others waiting their turn (default: half the cores).
    #[arg(long, env = "SEARCHES_AT_ONCE")]
    pub searches_at_once: Option<usize>,
    /// DynamoDB table for direct messages (`cruddur-messages`); unset keeps messages in the
    /// SQL store.
    #[arg(long, env = "DDB_MESSAGE_TABLE")]
    pub ddb_message_table: Option<String>,
    /// DynamoDB endpoint other than AWS's, e.g. DynamoDB Local (`http://dynamodb-local:8000`).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub aws_endpoint_url: Option<String>,
    /// AWS region of the message table (`us-east-1` with an endpoint; else the SDK's chain).
    #[arg(long, env = "AWS_REGION")]
    pub aws_region: Option<String>,
    /// AWS access key id; without it (and the secret key) the SDK's default chain is used,
    /// or fake local credentials with an endpoint.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub aws_access_key_id: Option<String>,
}

cruddur_serve::secret_settings! {
    /// The settings that are secrets.
    pub struct Secrets {
        /// `sqlite:PATH` or `postgres://…` (it may hold a password).
        database_url, database_url_file = "DATABASE_URL";
        /// The original app's name for the database URL.
        connection_url, connection_url_file = "CONNECTION_URL";
        /// Secret that signs bearer tokens (at least 32 bytes).
        jwt_secret, jwt_secret_file = "JWT_SECRET";
        /// Password of the seeded demo users.
        demo_password, demo_password_file = "DEMO_PASSWORD";
        /// Key the web frontend sends with `X-Forwarded-For` (the same value as the
        /// frontend's): requests carrying it name the browser, whatever their peer.
        frontend_key, frontend_key_file = "FRONTEND_KEY";
        /// AWS secret access key.
        aws_secret_access_key, aws_secret_access_key_file = "AWS_SECRET_ACCESS_KEY";
        /// AWS session token, for temporary credentials.
        aws_session_token, aws_session_token_file = "AWS_SESSION_TOKEN";
    }
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database_url: DatabaseUrl,
    /// The file the database URL was read from, followed while the API runs: a new URL there
    /// is used for new connections ([`crate::startup`]).
    pub database_url_file: Option<PathBuf>,
    /// How often that file is read.
    pub database_url_check: Duration,
    /// How long a PostgreSQL connection is kept before it is replaced.
    pub database_connection_lifetime: Duration,
    pub jwt_secret: SecretString,
    pub cors_origins: Vec<String>,
    pub demo_user: Option<Handle>,
    /// `None`: seeded users get an unguessable password and cannot sign in.
    pub demo_password: Option<SecretString>,
    pub seed_demo_data: bool,
    pub log_format: LogFormat,
    pub purge_interval: Duration,
    pub serving: Limits,
    /// Where `/metrics` is served (`None`: nowhere).
    pub metrics_listen: Option<SocketAddr>,
    pub database_wait: Duration,
    /// Set when no secret was configured and a random one was generated.
    pub jwt_secret_generated: bool,
    /// Where direct messages live when not in the SQL store.
    pub dynamodb: Option<DynamoDbSettings>,
    pub trusted_proxies: TrustedProxies,
    pub sign_ups: SignUpRates,
    /// The key the web frontend sends with `X-Forwarded-For`, so the API believes the
    /// browser addresses it names and nobody else's (the all-in-one makes one up).
    pub frontend_key: Option<SecretString>,
    /// Searches that run together; see [`crate::search_gate`].
    pub searches_at_once: usize,
}

/// The DynamoDB message store: selected by `DDB_MESSAGE_TABLE`.
#[derive(Debug, Clone)]
pub struct DynamoDbSettings {
    pub table: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// `None`: fake local credentials with an endpoint, the SDK's default chain without.
    pub credentials: Option<AwsCredentials>,
}

/// Credentials given in the settings. `Debug` shows the key id, which names the key but
/// grants nothing, and hides the rest.
#[derive(Debug, Clone)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: Option<SecretString>,
}

const DEFAULT_PURGE_INTERVAL_SECS: u64 = 60;
const DEFAULT_DATABASE_WAIT_SECS: u64 = 30;
/// Agents re-render a changed secret within seconds; reading a small file this often is free.
const DATABASE_URL_CHECK: Duration = Duration::from_secs(2);

/// The demo users' password in all-in-one mode, shown in the README.
pub const ALL_IN_ONE_DEMO_PASSWORD: &str = "cruddur-demo";
const MIN_JWT_SECRET_BYTES: usize = 32;

impl Settings {
    /// An API on `listen` over `database_url`, everything else at its default and demo mode
    /// off: where programs that embed the API (and their tests) start from.
    pub fn new(listen: SocketAddr, database_url: DatabaseUrl, jwt_secret: SecretString) -> Self {
        Settings {
            listen,
            database_url,
            database_url_file: None,
            database_url_check: DATABASE_URL_CHECK,
            database_connection_lifetime: cruddur_store::CONNECTION_LIFETIME,
            jwt_secret,
            cors_origins: Vec::new(),
            demo_user: None,
            demo_password: None,
            seed_demo_data: false,
            log_format: LogFormat::Text,
            purge_interval: Duration::from_secs(DEFAULT_PURGE_INTERVAL_SECS),
            serving: Limits::default(),
            metrics_listen: None,
            database_wait: Duration::from_secs(DEFAULT_DATABASE_WAIT_SECS),
            jwt_secret_generated: false,
            dynamodb: None,
            trusted_proxies: TrustedProxies::default(),
            sign_ups: SignUpRates::default(),
            frontend_key: None,
            searches_at_once: SearchGate::default_at_once(),
        }
    }

    pub fn resolve(args: &SettingsArgs, mode: Mode) -> anyhow::Result<Settings> {
        let secrets = &args.secrets;
        let database_url = one_of(&[secrets.database_url()?, secrets.connection_url()?])
            .context("set only one of DATABASE_URL, CONNECTION_URL and their _FILE forms")?
            .map(|url| url.expose_secret().to_owned())
            .unwrap_or_else(|| default_sqlite_url(&args.data_dir));

        let configured_secret = secrets.jwt_secret()?;
        // Without a configured secret a random one lets a lone container or `cargo run` work
        // at once; start-up warns that sign-ins then end with the process (and differ between
        // replicas).
        let (jwt_secret, jwt_secret_generated) = match configured_secret {
            Some(secret) => {
                if secret.expose_secret().len() < MIN_JWT_SECRET_BYTES {
                    bail!("JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long");
                }
                (secret, false)
            }
            None => (random_secret(), true),
        };

        let cors_origins = [&args.frontend_url, &args.backend_url]
            .into_iter()
            .flatten()
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .filter(|origin| !origin.is_empty())
            .collect();

        let demo_user = match args.demo_user.as_deref().map(str::trim) {
            Some("") => None,
            Some(text) => Some(
                Handle::parse(text.trim_start_matches('@'))
                    .with_context(|| format!("DEMO_USER {text:?} is not a handle"))?,
            ),
            None if mode == Mode::AllInOne => Handle::parse(DEMO_HANDLE),
            None => None,
        };
        if let Some(handle) = &demo_user
            && !args.host.is_loopback()
        {
            bail!(
                "demo mode lets anyone act as @{handle}, so it only listens on loopback: set \
                 HOST to 127.0.0.1, or turn demo mode off with an empty DEMO_USER"
            );
        }
        // The published demo password only while demo mode is on: with it off, seeded users
        // get one only if it is configured.
        let demo_password = secrets.demo_password()?.or_else(|| {
            (mode == Mode::AllInOne && demo_user.is_some())
                .then(|| ALL_IN_ONE_DEMO_PASSWORD.to_owned().into())
        });

        let dynamodb = dynamodb_settings(args)?;

        Ok(Settings {
            listen: SocketAddr::new(args.host, args.port),
            database_url: DatabaseUrl(database_url),
            // Only one of the two can be set (checked above).
            database_url_file: secrets
                .database_url_file
                .clone()
                .or_else(|| secrets.connection_url_file.clone()),
            database_url_check: DATABASE_URL_CHECK,
            database_connection_lifetime: Duration::from_secs(
                args.database_connection_lifetime_secs.max(1),
            ),
            jwt_secret,
            cors_origins,
            demo_user,
            demo_password,
            seed_demo_data: args.seed_demo_data.unwrap_or(mode == Mode::AllInOne),
            log_format: args.log_format,
            purge_interval: Duration::from_secs(args.purge_interval_secs.max(1)),
            serving: Limits::resolve(&args.serving),
            metrics_listen: args.metrics.metrics_addr,
            database_wait: Duration::from_secs(args.database_wait_secs),
            jwt_secret_generated,
            dynamodb,
            trusted_proxies: args.trusted_proxies.clone().unwrap_or_default(),
            sign_ups: SignUpRates {
                per_client_per_hour: args.sign_ups_per_client_per_hour,
                per_minute: args.sign_ups_per_minute,
            },
            frontend_key: secrets.frontend_key()?,
            searches_at_once: args
                .searches_at_once
                .unwrap_or_else(SearchGate::default_at_once),
        })
    }
}

/// Blank values count as unset, as compose files often pass `VAR: ""`.
fn non_blank(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

fn dynamodb_settings(args: &SettingsArgs) -> anyhow::Result<Option<DynamoDbSettings>> {
    let Some(table) = non_blank(&args.ddb_message_table) else {
        return Ok(None);
    };
    let secret_access_key = args.secrets.aws_secret_access_key()?;
    let session_token = args.secrets.aws_session_token()?;
    let credentials = match (non_blank(&args.aws_access_key_id), secret_access_key) {
        (Some(access_key_id), Some(secret_access_key)) => Some(AwsCredentials {
            access_key_id,
            secret_access_key,
            session_token,
        }),
        (None, None) => None,
        _ => bail!("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither"),
    };
    Ok(Some(DynamoDbSettings {
        table,
        endpoint: non_blank(&args.aws_endpoint_url),
        region: non_blank(&args.aws_region),
        credentials,
    }))
}

/// A database URL whose `Debug` and `Display` hide the password.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseUrl(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                // set_password only fails for URLs that cannot have one, which this has.
                let _ = url.set_password(Some("REDACTED"));
                write!(f, "{url}")
            }
            Ok(_) if !self.0.contains('@') => f.write_str(&self.0),
            // Unparseable, or credentials in a form we do not recognise: show only the scheme.
            _ => write!(f, "{}:REDACTED", self.0.split(':').next().unwrap_or("?")),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite:{}", data_dir.join("cruddur.db").display())
}

/// A secret given directly or as a file; both at once is a mistake worth stopping for.
fn one_of(candidates: &[Option<SecretString>]) -> anyhow::Result<Option<SecretString>> {
    let mut given = candidates.iter().flatten();
    let first = given.next().cloned();
    if given.next().is_some() {
        bail!("more than one value given");
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct TestCli {
        #[command(flatten)]
        args: SettingsArgs,
    }

    fn args(flags: &[&str]) -> SettingsArgs {
        let mut argv = vec!["test"];
        argv.extend_from_slice(flags);
        TestCli::try_parse_from(argv).unwrap().args
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn backend_mode_keeps_the_demo_off_and_generates_a_missing_secret() {
        let generated = Settings::resolve(&args(&[]), Mode::Backend).unwrap();
        assert!(generated.jwt_secret_generated);
        assert!(generated.jwt_secret.expose_secret().len() >= MIN_JWT_SECRET_BYTES);
        let error =
            Settings::resolve(&args(&["--jwt-secret", "short"]), Mode::Backend).unwrap_err();
        assert!(error.to_string().contains("JWT_SECRET"));
        let settings = Settings::resolve(&args(&["--jwt-secret", SECRET]), Mode::Backend).unwrap();
        assert!(!settings.jwt_secret_generated);
        assert_eq!(settings.demo_user, None);
        assert!(!settings.seed_demo_data);
    }

    #[test]
    fn all_in_one_generates_a_secret_and_turns_on_the_demo() {
        let settings = Settings::resolve(&args(&[]), Mode::AllInOne).unwrap();
        assert!(settings.jwt_secret_generated);
        assert!(settings.jwt_secret.expose_secret().len() >= MIN_JWT_SECRET_BYTES);
        assert_eq!(settings.demo_user.as_deref(), Some("andrewbrown"));
        assert!(settings.seed_demo_data);
        assert_eq!(settings.database_url.expose(), "sqlite:data/cruddur.db");
    }

    #[test]
    fn the_demo_password_comes_only_with_demo_mode() {
        let on = Settings::resolve(&args(&[]), Mode::AllInOne).unwrap();
        let password = on.demo_password.as_ref().map(|p| p.expose_secret());
        assert_eq!(password, Some(ALL_IN_ONE_DEMO_PASSWORD));
        let off = Settings::resolve(&args(&["--demo-user", ""]), Mode::AllInOne).unwrap();
        assert_eq!(off.demo_user, None);
        assert!(off.demo_password.is_none());
        assert!(off.seed_demo_data);
    }

    #[test]
    fn the_demo_user_must_be_a_handle() {
        let named = Settings::resolve(&args(&["--demo-user", "@bayko"]), Mode::Backend).unwrap();
        assert_eq!(named.demo_user.as_deref(), Some("bayko"));
        let error =
            Settings::resolve(&args(&["--demo-user", "andrew brown"]), Mode::Backend).unwrap_err();
        assert!(error.to_string().contains("DEMO_USER"), "{error}");
    }

    #[test]
    fn demo_mode_refuses_to_listen_beyond_loopback() {
        let error = Settings::resolve(&args(&["--host", "0.0.0.0"]), Mode::AllInOne).unwrap_err();
        assert!(error.to_string().contains("demo mode"), "{error}");
        let demo_off = args(&["--host", "0.0.0.0", "--demo-user", ""]);
        assert!(Settings::resolve(&demo_off, Mode::AllInOne).is_ok());
        let backend = args(&["--host", "0.0.0.0"]);
        assert!(Settings::resolve(&backend, Mode::Backend).is_ok());
        let ipv6 = args(&["--host", "::1"]);
        assert!(Settings::resolve(&ipv6, Mode::AllInOne).is_ok());
    }

    #[test]
    fn secrets_are_read_from_files_but_not_from_both_places() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt");
        std::fs::write(&path, format!("{SECRET}\n")).unwrap();
        let file = path.to_str().unwrap();

        let settings =
            Settings::resolve(&args(&["--jwt-secret-file", file]), Mode::Backend).unwrap();
        assert_eq!(settings.jwt_secret.expose_secret(), SECRET);

        let both = args(&["--jwt-secret", SECRET, "--jwt-secret-file", file]);
        let error = Settings::resolve(&both, Mode::Backend).unwrap_err();
        assert!(error.to_string().contains("not both"));
    }

    #[test]
    fn a_database_url_read_from_a_file_is_followed_and_one_given_as_a_value_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("database_url");
        std::fs::write(&path, "postgres://cruddur:hunter22@db:5432/cruddur\n").unwrap();
        let file = path.to_str().unwrap();
        for flag in ["--database-url-file", "--connection-url-file"] {
            let settings = Settings::resolve(&args(&[flag, file]), Mode::Backend).unwrap();
            assert_eq!(settings.database_url_file.as_deref(), Some(path.as_path()));
            assert_eq!(
                settings.database_url.expose(),
                "postgres://cruddur:hunter22@db:5432/cruddur"
            );
        }
        let value = args(&[
            "--database-url",
            "postgres://cruddur:hunter22@db:5432/cruddur",
        ]);
        let settings = Settings::resolve(&value, Mode::Backend).unwrap();
        assert_eq!(settings.database_url_file, None);
    }

    #[test]
    fn connection_url_is_an_alias_that_cannot_be_doubled() {
        let url = "postgres://cruddur:hunter22@db:5432/cruddur";
        let alias = args(&["--connection-url", url, "--jwt-secret", SECRET]);
        let settings = Settings::resolve(&alias, Mode::Backend).unwrap();
        assert_eq!(settings.database_url.expose(), url);

        let doubled = args(&["--connection-url", url, "--database-url", url]);
        assert!(Settings::resolve(&doubled, Mode::AllInOne).is_err());
    }

    #[test]
    fn debug_output_hides_every_secret() {
        let flags = [
            "--database-url",
            "postgres://cruddur:hunter22@db:5432/cruddur",
            "--jwt-secret",
            SECRET,
            "--demo-password",
            "swordfish",
        ];
        let settings = Settings::resolve(&args(&flags), Mode::Backend).unwrap();
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("swordfish"), "{shown}");
        assert!(shown.contains("db:5432"), "{shown}");
    }

    #[test]
    fn the_message_table_selects_dynamodb_with_credentials_from_files() {
        let sql_only = Settings::resolve(
            &args(&["--aws-endpoint-url", "http://dynamodb-local:8000"]),
            Mode::Backend,
        )
        .unwrap();
        assert!(sql_only.dynamodb.is_none(), "no table, no DynamoDB");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aws_secret");
        std::fs::write(&path, "wJalrXUtnFEMI/K7MDENG\n").unwrap();
        let flags = [
            "--ddb-message-table",
            "cruddur-messages",
            "--aws-endpoint-url",
            "http://dynamodb-local:8000",
            "--aws-access-key-id",
            "AKIDEXAMPLE",
            "--aws-secret-access-key-file",
            path.to_str().unwrap(),
        ];
        let settings = Settings::resolve(&args(&flags), Mode::Backend).unwrap();
        let dynamodb = settings.dynamodb.as_ref().unwrap();
        assert_eq!(dynamodb.table, "cruddur-messages");
        assert_eq!(
            dynamodb.endpoint.as_deref(),
            Some("http://dynamodb-local:8000")
        );
        let credentials = dynamodb.credentials.as_ref().unwrap();
        assert_eq!(
            credentials.secret_access_key.expose_secret(),
            "wJalrXUtnFEMI/K7MDENG"
        );
        let shown = format!("{settings:?}");
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");

        let half = args(&[
            "--ddb-message-table",
            "t",
            "--aws-access-key-id",
            "AKIDEXAMPLE",
        ]);
        let error = Settings::resolve(&half, Mode::Backend).unwrap_err();
        assert!(
            error.to_string().contains("AWS_SECRET_ACCESS_KEY"),
            "{error}"
        );
    }

    #[test]
    fn cors_origins_skip_blanks_and_trailing_slashes() {
        let flags = [
            "--frontend-url",
            "http://localhost:3000/",
            "--backend-url",
            "",
        ];
        let settings = Settings::resolve(&args(&flags), Mode::AllInOne).unwrap();
        assert_eq!(settings.cors_origins, vec!["http://localhost:3000"]);
    }
}
