//! Configuration: every setting is an environment variable and a flag (`--help` lists them),
//! resolved once at start-up into [`Settings`].

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, bail};
use cruddur_serve::{Limits, LimitsArgs, LogFormat, TrustedProxies, secret};
use secrecy::SecretString;
use url::Url;

/// The raw settings as flags and environment variables.
#[derive(Debug, Clone, clap::Args)]
pub struct SettingsArgs {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port of the web pages.
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// Base URL of the backend API (plain HTTP).
    #[arg(long, env = "BACKEND_URL", default_value = "http://127.0.0.1:4567")]
    pub backend_url: String,
    /// Milliseconds a call to the backend may take before the page gives up with a 503.
    #[arg(long, env = "BACKEND_TIMEOUT_MS", default_value_t = 3000)]
    pub backend_timeout_ms: u64,
    #[command(flatten)]
    pub serving: LimitsArgs,
    /// Mark the session and CSRF cookies `Secure` (sent over HTTPS only). Off by default
    /// because the all-in-one server runs on plain http://localhost; turn it on whenever the
    /// site is served over HTTPS.
    #[arg(long, env = "COOKIE_SECURE", default_value_t = false, action = clap::ArgAction::Set)]
    pub cookie_secure: bool,
    /// `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Reverse proxies in front of the site (comma-separated addresses or CIDR networks),
    /// whose `X-Forwarded-For` names the browser. Empty: the connection's peer is the browser.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,
    /// Key sent to the backend with `X-Forwarded-For` (secret; the backend's FRONTEND_KEY),
    /// so its per-address limits count browsers rather than this frontend.
    #[arg(long, env = "FRONTEND_KEY", hide_env_values = true)]
    pub frontend_key: Option<String>,
    /// File holding the frontend key.
    #[arg(long, env = "FRONTEND_KEY_FILE")]
    pub frontend_key_file: Option<std::path::PathBuf>,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub backend_url: Url,
    pub backend_timeout: Duration,
    pub serving: Limits,
    pub cookie_secure: bool,
    pub log_format: LogFormat,
    pub trusted_proxies: TrustedProxies,
    /// Sent with `X-Forwarded-For`, so the backend believes the browser addresses named.
    pub frontend_key: Option<SecretString>,
}

impl Settings {
    pub fn resolve(args: &SettingsArgs) -> anyhow::Result<Settings> {
        Ok(Settings {
            listen: SocketAddr::new(args.host, args.port),
            backend_url: backend_url(&args.backend_url)?,
            backend_timeout: Duration::from_millis(args.backend_timeout_ms.max(1)),
            serving: Limits::resolve(&args.serving),
            cookie_secure: args.cookie_secure,
            log_format: args.log_format,
            trusted_proxies: args.trusted_proxies.clone(),
            frontend_key: secret("FRONTEND_KEY", &args.frontend_key, &args.frontend_key_file)?,
        })
    }
}

/// Parses the backend's base URL. Only `http` is accepted: the client is built without TLS,
/// and the backend sits next to the frontend on a private network.
pub fn backend_url(raw: &str) -> anyhow::Result<Url> {
    let url =
        Url::parse(raw.trim()).with_context(|| format!("BACKEND_URL {raw:?} is not a URL"))?;
    if url.scheme() != "http" || url.host().is_none() {
        bail!("BACKEND_URL must be an http:// URL with a host, not {raw:?}");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_url_must_be_plain_http() {
        assert!(backend_url("http://backend:4567").is_ok());
        assert!(backend_url("https://backend").is_err());
        assert!(backend_url("backend:4567").is_err());
    }
}
