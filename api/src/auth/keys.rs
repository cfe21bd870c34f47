//! API keys from `API_KEYS`: `name:secret` or `name:secret:role` entries. Only the secrets'
//! SHA-256 digests are kept after start-up, and a key is found by its digest, so the lookup
//! does not compare secrets byte by byte.

use std::collections::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::Role;

/// Known API keys, each with its name and role.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys {
    by_digest: Arc<HashMap<[u8; 32], (String, Role)>>,
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl ApiKeys {
    /// Reads `name:secret[:role]` entries (a key without a role is a reader); empty entries
    /// are skipped. Refuses a short secret, a repeated secret and an unknown role.
    pub fn parse(entries: &[String]) -> anyhow::Result<Self> {
        let mut by_digest = HashMap::new();
        for entry in entries.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            let mut parts = entry.splitn(3, ':');
            let (Some(name), Some(secret)) = (parts.next(), parts.next()) else {
                anyhow::bail!("API_KEYS entries must look like name:secret or name:secret:role");
            };
            let role = match parts.next() {
                Some(role) => role
                    .parse::<Role>()
                    .map_err(|e| anyhow::anyhow!("API key `{name}`: {e}"))?,
                None => Role::Reader,
            };
            anyhow::ensure!(
                !name.is_empty() && secret.len() >= 16,
                "API key `{name}` needs a name and a secret of at least 16 characters"
            );
            anyhow::ensure!(
                by_digest
                    .insert(digest(secret), (name.to_owned(), role))
                    .is_none(),
                "API key `{name}` repeats another key's secret"
            );
        }
        Ok(Self {
            by_digest: Arc::new(by_digest),
        })
    }

    /// The name and role of the key with this secret.
    pub fn find(&self, secret: &str) -> Option<(&str, Role)> {
        self.by_digest
            .get(&digest(secret))
            .map(|(name, role)| (name.as_str(), *role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_without_a_role_is_a_reader_and_roles_are_read() {
        let keys = ApiKeys::parse(&[
            "dashboard:0123456789abcdef0123".to_owned(),
            "ops:fedcba98765432100123:admin".to_owned(),
        ])
        .expect("valid");
        assert_eq!(
            keys.find("0123456789abcdef0123"),
            Some(("dashboard", Role::Reader))
        );
        assert_eq!(
            keys.find("fedcba98765432100123"),
            Some(("ops", Role::Admin))
        );
        assert_eq!(keys.find("0123456789abcdef012"), None);
    }

    #[test]
    fn malformed_key_lists_are_refused() {
        for entries in [
            vec!["no-colon"],
            vec!["short:abc"],
            vec!["a:0123456789abcdef0123", "b:0123456789abcdef0123"],
            vec!["a:0123456789abcdef0123:owner"],
        ] {
            let entries: Vec<String> = entries.into_iter().map(str::to_owned).collect();
            assert!(ApiKeys::parse(&entries).is_err(), "{entries:?}");
        }
    }
}
