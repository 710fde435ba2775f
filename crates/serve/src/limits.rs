//! How long serving waits on clients, and how many it serves at once: the settings both
//! services share, declared once here.

use std::sync::OnceLock;
use std::time::Duration;

/// The serving settings as flags and environment variables, flattened into each service's.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitsArgs {
    /// Seconds that in-flight requests get to finish after SIGTERM.
    #[arg(long, env = "SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
    /// Seconds a connection may stay open with no request in flight (HTTP/1.1 keep-alive,
    /// HTTP/2, or before its first request) before the server closes it.
    #[arg(long, env = "IDLE_TIMEOUT_SECS", default_value_t = 30)]
    pub idle_timeout_secs: u64,
    /// Seconds a client gets to send a request's headers, in total.
    #[arg(long, env = "HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds a client gets to send a request's body, in total (not per chunk).
    #[arg(long, env = "BODY_TIMEOUT_SECS", default_value_t = 10)]
    pub body_timeout_secs: u64,
    /// Connections served at once; more wait in the listen queue while idle ones are closed
    /// to make room. 0: a quarter of the process's open-file limit.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: usize,
}

/// Resolved serving limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// After the stop signal, how long in-flight requests get before they are dropped.
    pub grace: Duration,
    /// How long a connection may go without a request in flight.
    pub idle: Duration,
    /// How long a client gets to send a request's headers.
    pub header_read: Duration,
    /// How long a client gets to send a request's body.
    pub body_read: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
}

impl Limits {
    pub fn resolve(args: &LimitsArgs) -> Limits {
        let seconds = |value: u64| Duration::from_secs(value.max(1));
        Limits {
            grace: Duration::from_secs(args.shutdown_grace_secs),
            idle: seconds(args.idle_timeout_secs),
            header_read: seconds(args.header_timeout_secs),
            body_read: seconds(args.body_timeout_secs),
            max_connections: match args.max_connections {
                0 => default_max_connections(),
                cap => cap,
            },
        }
    }
}

impl Default for Limits {
    /// The defaults of [`LimitsArgs`]: far more time than any real client needs to send a
    /// Cruddur request, far less than a slow-loris wants.
    fn default() -> Self {
        Limits {
            grace: Duration::from_secs(10),
            idle: Duration::from_secs(30),
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
            max_connections: default_max_connections(),
        }
    }
}

/// Descriptors kept out of the connection budget: the database, logs, outgoing calls.
const RESERVED_FILES: u64 = 64;

/// A quarter of what is left of the open-file limit: the all-in-one process runs two
/// servers, and each connection its frontend makes to its API costs two descriptors more.
fn default_max_connections() -> usize {
    let budget = open_file_limit().saturating_sub(RESERVED_FILES) / 4;
    usize::try_from(budget).unwrap_or(usize::MAX).max(16)
}

/// The process's open-file limit, raised once to the hard limit: the soft limit of many
/// systems (1024) is a relic, and running out of descriptors stops a server accepting.
pub fn open_file_limit() -> u64 {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        if limit.current != limit.maximum {
            let raised = rustix::process::Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            };
            match setrlimit(Resource::Nofile, raised) {
                Ok(()) => limit = raised,
                Err(error) => tracing::warn!(%error, "could not raise the open-file limit"),
            }
        }
        // No limit at all: count as a generous one.
        limit.current.unwrap_or(1 << 20)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        limits: LimitsArgs,
    }

    #[test]
    fn defaults_match_the_flags() {
        let args = Cli::try_parse_from(["x"]).unwrap().limits;
        assert_eq!(Limits::resolve(&args), Limits::default());
    }

    #[test]
    fn the_connection_budget_leaves_descriptors_for_the_rest() {
        let limit = open_file_limit();
        assert!(limit > 0);
        let cap = u64::try_from(default_max_connections()).unwrap();
        assert!(
            cap >= 16 && (cap <= limit / 4 || limit < 128),
            "{cap} of {limit}"
        );
    }
}
