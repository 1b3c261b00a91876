//! Ed25519 JWTs minted by this test (its own throw-away key pair, given to
//! both servers as their JWT key).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePublicKey as _;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{Value as Json, json};

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// The public key as PEM.
pub fn public_pem() -> String {
    key()
        .verifying_key()
        .to_public_key_pem(Default::default())
        .expect("PEM")
}

fn sign(key: &SigningKey, claims: &Json) -> String {
    let h = URL_SAFE_NO_PAD.encode(json!({"alg": "EdDSA", "typ": "JWT"}).to_string());
    let p = URL_SAFE_NO_PAD.encode(claims.to_string());
    let sig = key.sign(format!("{h}.{p}").as_bytes());
    format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

/// A token with `claims`, signed by the servers' key.
pub fn token(claims: &Json) -> String {
    sign(&key(), claims)
}

/// A token signed by a key the servers do not know.
pub fn foreign(claims: &Json) -> String {
    sign(&SigningKey::from_bytes(&[9u8; 32]), claims)
}

/// Seconds since the epoch, `offset` from now.
pub fn now_plus(offset: i64) -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    now + offset
}
