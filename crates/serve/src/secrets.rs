//! Secrets in settings: each is given as `NAME` or read from the file `NAME_FILE` names
//! (Docker and Kubernetes secrets), never both.

use std::path::PathBuf;

use anyhow::{Context, bail};
use rand::RngCore;
use secrecy::SecretString;

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
        (None, Some(path)) => {
            let contents = std::fs::read_to_string(path)
                .with_context(|| format!("reading {name}_FILE at {}", path.display()))?;
            Ok(Some(
                contents.trim_end_matches(['\r', '\n']).to_owned().into(),
            ))
        }
        (None, None) => Ok(None),
    }
}

/// 384 random bits as hex: a secret for when none is configured.
pub fn random_secret() -> SecretString {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.into()
}
