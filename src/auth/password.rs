//! Argon2id hashing, off the async threads (it takes tens of milliseconds
//! by design).

use std::sync::LazyLock;

pub async fn hash(password: String) -> Result<String, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password)).await
}

pub async fn verify(password: String, hash: String) -> Result<bool, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok()).await
}

/// A real hash of a random password, verified against when the user is
/// unknown so that the answer takes as long as for a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: LazyLock<String> = LazyLock::new(|| password_auth::generate_hash(random_password()));
    &DUMMY
}

/// A random password of 20 characters from an alphabet without look-alikes,
/// for the first admin and for resets.
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_random_passwords_are_long() {
        let pw = random_password();
        assert!(pw.len() >= 16);
        assert_ne!(pw, random_password());
        let h = hash(pw.clone()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(pw, h.clone()).await.unwrap());
        assert!(!verify("wrong password".into(), h).await.unwrap());
    }

    /// The dummy hash an unknown user is checked against has the algorithm,
    /// version and cost parameters (memory, iterations, lanes) of a real
    /// password's hash: verifying it is the same work.
    #[tokio::test]
    async fn the_dummy_hash_costs_what_a_real_hash_costs() {
        let real = hash("a-real-password".into()).await.unwrap();
        let parameters = |h: &str| h.split('$').take(4).collect::<Vec<_>>().join("$");
        assert!(parameters(&real).starts_with("$argon2id$v=19$m="), "{real}");
        assert_eq!(parameters(dummy_hash()), parameters(&real));
        assert!(!verify("a-real-password".into(), dummy_hash().to_owned()).await.unwrap());
    }
}
