//! Secrets in settings: each is given as `NAME` or read from the file `NAME_FILE` names
//! (Docker and Kubernetes secrets), never both.

use std::path::PathBuf;

use anyhow::{Context, bail};
use rand::RngCore;
use secrecy::SecretString;

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
