//! Keys the API issues: `pga_`, 32 random base62 characters, and a 6-character base62 CRC32 of
//! them, so secret scanners recognise a leaked key and a mistyped one is refused without a
//! database lookup. The first 8 random characters are the key's public prefix, by which it is
//! found; only the SHA-256 of the whole key is stored.

use rand::Rng;
use sha2::{Digest, Sha256};

/// What every issued key starts with.
pub const KEY_PREFIX: &str = "pga_";
const RANDOM_LENGTH: usize = 32;
const CHECKSUM_LENGTH: usize = 6;
/// Characters of the random part that name the key in lookups and listings.
pub const PUBLIC_PREFIX_LENGTH: usize = 8;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A newly issued key: the secret to show once, and what is stored of it.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    pub secret: String,
    pub prefix: String,
    pub secret_sha256: String,
}

fn checksum(random: &str) -> String {
    let mut value = u64::from(crc32fast::hash(random.as_bytes()));
    let mut digits = [b'0'; CHECKSUM_LENGTH];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

/// SHA-256 of a key, hex.
pub fn sha256_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl IssuedKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let random: String = (0..RANDOM_LENGTH)
            .map(|_| char::from(BASE62[rng.random_range(0..BASE62.len())]))
            .collect();
        let secret = format!("{KEY_PREFIX}{random}{}", checksum(&random));
        Self {
            prefix: random[..PUBLIC_PREFIX_LENGTH].to_owned(),
            secret_sha256: sha256_hex(&secret),
            secret,
        }
    }
}

/// The public prefix of `secret` when it has the shape of an issued key and its checksum
/// matches; `None` for anything else.
pub fn prefix_of(secret: &str) -> Option<&str> {
    let rest = secret.strip_prefix(KEY_PREFIX)?;
    if rest.len() != RANDOM_LENGTH + CHECKSUM_LENGTH || !rest.bytes().all(|b| BASE62.contains(&b)) {
        return None;
    }
    let (random, sum) = rest.split_at(RANDOM_LENGTH);
    (checksum(random) == sum).then(|| &random[..PUBLIC_PREFIX_LENGTH])
}

/// Whether `secret` hashes to `stored` (hex), compared in constant time.
pub fn matches(secret: &str, stored: &str) -> bool {
    let computed = sha256_hex(secret);
    computed.len() == stored.len()
        && computed
            .bytes()
            .zip(stored.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_key_has_its_shape_and_checksum_and_a_typo_breaks_it() {
        let key = IssuedKey::generate();
        assert!(key.secret.starts_with("pga_"));
        assert_eq!(key.secret.len(), 4 + 32 + 6);
        assert_eq!(prefix_of(&key.secret), Some(key.prefix.as_str()));
        assert!(matches(&key.secret, &key.secret_sha256));
        let mut typo = key.secret.clone().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap_or_default();
        assert_eq!(prefix_of(&typo), None);
        assert!(!matches(&typo, &key.secret_sha256));
        assert_eq!(prefix_of("pga_short"), None);
    }
}
