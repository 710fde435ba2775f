//! Configuration: every setting is an environment variable and a flag (`--help` lists them),
//! resolved once at start-up into [`Settings`].

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, bail};
use cruddur_serve::{Limits, LimitsArgs, LogFormat, MetricsArgs, TrustedProxies};
use secrecy::SecretString;
use url::Url;

/// Where the API is when none is configured: the backend's own default address.
const DEFAULT_API_URL: &str = "http://127.0.0.1:4567";

/// The raw settings as flags and environment variables.
#[derive(Clone, clap::Args)]
pub struct SettingsArgs {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port of the web pages.
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// Base URL of the API (plain HTTP) [default: http://127.0.0.1:4567].
    #[arg(long, env = "API_URL")]
    pub api_url: Option<String>,
    /// The older name of API_URL, as the original compose file has it.
    #[arg(long, env = "BACKEND_URL")]
    pub backend_url: Option<String>,
    #[command(flatten)]
    pub pages: PageArgs,
    #[command(flatten)]
    pub serving: LimitsArgs,
    #[command(flatten)]
    pub metrics: MetricsArgs,
    /// `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Reverse proxies in front of the site (comma-separated addresses or CIDR networks),
    /// whose `X-Forwarded-For` names the browser. Empty: the connection's peer is the browser.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,
    #[command(flatten)]
    pub secrets: Secrets,
}

/// The settings of the pages themselves, which the all-in-one takes as they are.
#[derive(Clone, clap::Args)]
pub struct PageArgs {
    /// Milliseconds a call to the API may take before the page gives up with a 503.
    #[arg(long, env = "BACKEND_TIMEOUT_MS", default_value_t = 3000)]
    pub backend_timeout_ms: u64,
    /// Mark the session and CSRF cookies `Secure` (sent over HTTPS only). Off by default
    /// because the all-in-one server runs on plain http://localhost; turn it on whenever the
    /// site is served over HTTPS.
    #[arg(long, env = "COOKIE_SECURE", default_value_t = false, action = clap::ArgAction::Set)]
    pub cookie_secure: bool,
}

cruddur_serve::secret_settings! {
    /// The settings that are secrets.
    pub struct Secrets {
        /// Key sent to the API with `X-Forwarded-For` (the backend's FRONTEND_KEY), so its
        /// per-address limits count browsers rather than this frontend.
        frontend_key, frontend_key_file = "FRONTEND_KEY";
    }
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub api_url: Url,
    pub backend_timeout: Duration,
    pub serving: Limits,
    /// Where `/metrics` is served (`None`: nowhere).
    pub metrics_listen: Option<SocketAddr>,
    pub cookie_secure: bool,
    pub log_format: LogFormat,
    pub trusted_proxies: TrustedProxies,
    /// Sent with `X-Forwarded-For`, so the backend believes the browser addresses named.
    pub frontend_key: Option<SecretString>,
}

impl Settings {
    /// Pages on `listen` over the API at `api_url`, with the page settings given and the rest
    /// at their defaults: where the all-in-one (and tests) start from.
    pub fn new(listen: SocketAddr, api_url: Url, pages: &PageArgs) -> Self {
        Settings {
            listen,
            api_url,
            backend_timeout: Duration::from_millis(pages.backend_timeout_ms.max(1)),
            serving: Limits::default(),
            metrics_listen: None,
            cookie_secure: pages.cookie_secure,
            log_format: LogFormat::Text,
            trusted_proxies: TrustedProxies::default(),
            frontend_key: None,
        }
    }

    pub fn resolve(args: &SettingsArgs) -> anyhow::Result<Settings> {
        let api_url = match (&args.api_url, &args.backend_url) {
            (Some(_), Some(_)) => bail!("set API_URL or its older name BACKEND_URL, not both"),
            (Some(url), None) | (None, Some(url)) => url.as_str(),
            (None, None) => DEFAULT_API_URL,
        };
        let mut settings = Settings::new(
            SocketAddr::new(args.host, args.port),
            api_url_from(api_url)?,
            &args.pages,
        );
        settings.serving = Limits::resolve(&args.serving);
        settings.metrics_listen = args.metrics.metrics_addr;
        settings.log_format = args.log_format;
        settings.trusted_proxies = args.trusted_proxies.clone();
        settings.frontend_key = args.secrets.frontend_key()?;
        Ok(settings)
    }
}

/// Parses the API's base URL. Only `http` is accepted: the client is built without TLS, and
/// the API sits next to the frontend on a private network.
pub fn api_url_from(raw: &str) -> anyhow::Result<Url> {
    let url = Url::parse(raw.trim()).with_context(|| format!("API_URL {raw:?} is not a URL"))?;
    if url.scheme() != "http" || url.host().is_none() {
        bail!("API_URL must be an http:// URL with a host, not {raw:?}");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    use clap::Parser;

    #[derive(Parser)]
    struct TestCli {
        #[command(flatten)]
        args: SettingsArgs,
    }

    fn resolve(flags: &[&str]) -> anyhow::Result<Settings> {
        let argv = std::iter::once("test").chain(flags.iter().copied());
        Settings::resolve(&TestCli::try_parse_from(argv)?.args)
    }

    #[test]
    fn the_api_url_must_be_plain_http() {
        assert!(api_url_from("http://backend:4567").is_ok());
        assert!(api_url_from("https://backend").is_err());
        assert!(api_url_from("backend:4567").is_err());
    }

    #[test]
    fn the_api_url_has_an_older_name_but_takes_one_value() {
        let default = resolve(&[]).unwrap();
        assert_eq!(default.api_url.as_str(), "http://127.0.0.1:4567/");
        let new = resolve(&["--api-url", "http://api:4567"]).unwrap();
        assert_eq!(new.api_url.as_str(), "http://api:4567/");
        let old = resolve(&["--backend-url", "http://backend:4567"]).unwrap();
        assert_eq!(old.api_url.as_str(), "http://backend:4567/");
        let both = resolve(&["--api-url", "http://a:1", "--backend-url", "http://b:1"]);
        assert!(both.unwrap_err().to_string().contains("not both"));
    }
}
