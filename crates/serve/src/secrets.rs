//! Secrets in settings: each is given as `NAME` or read from the file `NAME_FILE` names
//! (Docker and Kubernetes secrets), never both.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use tokio::task::JoinHandle;

/// Declares a group of secret settings, one line each: a flag and environment variable `NAME`
/// whose value `--help` never prints, its file form `NAME_FILE`, and a method of the field's
/// name that reads either ([`secret`]) and refuses both at once. The resolved value is a
/// `SecretString`, which `Debug` redacts.
#[macro_export]
macro_rules! secret_settings {
    (
        $(#[$meta:meta])*
        $vis:vis struct $group:ident {
            $( $(#[doc = $doc:literal])+ $field:ident, $file:ident = $env:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, clap::Args)]
        $vis struct $group {
            $(
                $(#[doc = $doc])+
                #[arg(long, env = $env, hide_env_values = true)]
                $field: Option<String>,
                #[arg(
                    long,
                    env = concat!($env, "_FILE"),
                    help = concat!("File holding ", $env, " (a Docker or Kubernetes secret)")
                )]
                $file: Option<::std::path::PathBuf>,
            )+
        }

        impl $group {
            $(
                #[doc = concat!("`", $env, "`, from its value or its file.")]
                pub fn $field(&self) -> ::anyhow::Result<Option<::secrecy::SecretString>> {
                    $crate::secret($env, &self.$field, &self.$file)
                }
            )+
        }
    };
}

/// The secret `name`, from its value or its file (trailing newlines dropped), if either is set.
pub fn secret(
    name: &str,
    value: &Option<String>,
    file: &Option<PathBuf>,
) -> anyhow::Result<Option<SecretString>> {
    match (value, file) {
        (Some(_), Some(_)) => bail!("set either {name} or {name}_FILE, not both"),
        (Some(value), None) => Ok(Some(value.clone().into())),
        (None, Some(path)) => read_secret_file(name, path).map(Some),
        (None, None) => Ok(None),
    }
}

/// The contents of the file `NAME_FILE` names, trailing newlines dropped.
fn read_secret_file(name: &str, path: &Path) -> anyhow::Result<SecretString> {
    let contents = std::fs::read_to_string(path)
        .with_context(|| format!("reading {name}_FILE at {}", path.display()))?;
    Ok(contents.trim_end_matches(['\r', '\n']).to_owned().into())
}

/// Follows a secret file that is rewritten while the service runs (by an OpenBao or Vault
/// agent, or a Kubernetes Secret volume): reads it every `every` and calls `changed` with its
/// contents whenever they differ from the last seen, starting from `current`. An unreadable
/// file is logged and the last value kept. Runs until the task is aborted.
///
/// Polling rather than file events: agents replace the file by a rename and Kubernetes by
/// swapping a symlink to a new folder, which watches on the file itself miss, and reading a
/// few bytes every few seconds costs nothing.
pub fn watch_secret_file(
    name: &'static str,
    path: PathBuf,
    current: SecretString,
    every: Duration,
    mut changed: impl FnMut(&SecretString) + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = current;
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match read_secret_file(name, &path) {
                Ok(read) if read.expose_secret() != last.expose_secret() => {
                    tracing::info!(file = %path.display(), "{name}_FILE changed");
                    changed(&read);
                    last = read;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "keeping the last {name}");
                }
            }
        }
    })
}

/// 384 random bits as hex: a secret for when none is configured.
pub fn random_secret() -> SecretString {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    const EVERY: Duration = Duration::from_millis(20);

    async fn next(changes: &mut mpsc::UnboundedReceiver<String>) -> Option<String> {
        tokio::time::timeout(EVERY * 20, changes.recv())
            .await
            .ok()
            .flatten()
    }

    #[tokio::test]
    async fn a_rewritten_secret_file_is_reported_once_per_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("database_url");
        std::fs::write(&path, "postgres://old\n").unwrap();
        let (sender, mut changes) = mpsc::unbounded_channel();
        let watcher = watch_secret_file(
            "DATABASE_URL",
            path.clone(),
            read_secret_file("DATABASE_URL", &path).unwrap(),
            EVERY,
            move |secret| sender.send(secret.expose_secret().to_owned()).unwrap(),
        );
        assert_eq!(
            next(&mut changes).await,
            None,
            "unchanged: nothing reported"
        );

        // As an agent writes it: a new file renamed over the old one.
        std::fs::write(dir.path().join("next"), "postgres://new\n").unwrap();
        std::fs::rename(dir.path().join("next"), &path).unwrap();
        assert_eq!(next(&mut changes).await.as_deref(), Some("postgres://new"));
        assert_eq!(next(&mut changes).await, None, "reported once");

        // Gone for a moment: the last value stays, and no change is made up.
        std::fs::remove_file(&path).unwrap();
        assert_eq!(next(&mut changes).await, None);
        std::fs::write(&path, "postgres://new").unwrap();
        assert_eq!(next(&mut changes).await, None, "same contents again");
        watcher.abort();
    }
}
