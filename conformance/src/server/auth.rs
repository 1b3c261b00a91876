//! Request authentication: a fixed bearer token, or Ed25519 JWTs as sqld's
//! `--auth-jwt-key-file` verifies them. Tokens are never logged.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::DecodePublicKey as _;
use ed25519_dalek::{Signature, VerifyingKey};
use sqlport_core::AuthToken;

use super::config::ServerAuth;

/// Clock leeway for `exp` and `nbf` (the jsonwebtoken default sqld uses).
const LEEWAY_SECS: f64 = 60.0;

/// A configured authentication check.
pub(crate) enum Authenticator {
    /// Fixed token.
    Token(AuthToken),
    /// JWT public key.
    Jwt(Box<VerifyingKey>),
}

/// What an authenticated request may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Everything.
    ReadWrite,
    /// Reads only (`"a":"ro"` JWT claim).
    ReadOnly,
}

impl Authenticator {
    /// Build from the configuration; a bad key is an error.
    pub(crate) fn new(auth: &ServerAuth) -> Result<Self, String> {
        match auth {
            ServerAuth::Token(t) => Ok(Authenticator::Token(t.clone())),
            ServerAuth::JwtEd25519 { public_key_pem } => {
                parse_key(public_key_pem).map(|k| Authenticator::Jwt(Box::new(k)))
            }
        }
    }

    /// Check a request's headers; `Err` is the message after "Unauthorized: ".
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<Access, &'static str> {
        let value = headers
            .get("authorization")
            .or_else(|| headers.get("x-authorization"))
            .ok_or("Expected authorization header but none given")?;
        let value = value
            .to_str()
            .map_err(|_| "The `Authorization` HTTP header has invalid value")?;
        let (scheme, token) = value
            .trim()
            .split_once(' ')
            .ok_or("The `Authorization` HTTP header has invalid value")?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(
                "The authentication scheme in the `Authorization` HTTP header is not supported",
            );
        }
        let token = token.trim();
        match self {
            Authenticator::Token(expected) => {
                if constant_time_eq(token.as_bytes(), expected.expose().as_bytes()) {
                    Ok(Access::ReadWrite)
                } else {
                    Err("The token is invalid")
                }
            }
            Authenticator::Jwt(key) => verify_jwt(key, token, now_secs()),
        }
    }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A public key as PEM (SPKI) or raw base64url.
fn parse_key(text: &str) -> Result<VerifyingKey, String> {
    let text = text.trim();
    if text.contains("-----BEGIN") {
        return VerifyingKey::from_public_key_pem(text)
            .map_err(|e| format!("invalid Ed25519 public key PEM: {e}"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|e| format!("invalid base64url Ed25519 public key: {e}"))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "an Ed25519 public key is 32 bytes".to_owned())?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("invalid Ed25519 public key: {e}"))
}

fn b64url(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()
}

/// Verify an EdDSA JWT at time `now` (seconds since the epoch).
pub(crate) fn verify_jwt(
    key: &VerifyingKey,
    token: &str,
    now: f64,
) -> Result<Access, &'static str> {
    const INVALID: &str = "The JWT is invalid";
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(INVALID);
    };
    let header: serde_json::Value =
        serde_json::from_slice(&b64url(header).ok_or(INVALID)?).map_err(|_| INVALID)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("EdDSA") {
        return Err(INVALID);
    }
    let sig = Signature::from_slice(&b64url(sig).ok_or(INVALID)?).map_err(|_| INVALID)?;
    let signed = &token[..token.rfind('.').ok_or(INVALID)?];
    key.verify_strict(signed.as_bytes(), &sig)
        .map_err(|_| INVALID)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&b64url(payload).ok_or(INVALID)?).map_err(|_| INVALID)?;
    if !claims.is_object() {
        return Err(INVALID);
    }
    if let Some(exp) = claims.get("exp") {
        let exp = exp.as_f64().ok_or(INVALID)?;
        if now > exp + LEEWAY_SECS {
            return Err("The JWT has expired");
        }
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = nbf.as_f64().ok_or(INVALID)?;
        if now + LEEWAY_SECS < nbf {
            return Err("The JWT is immature");
        }
    }
    Ok(match claims.get("a").and_then(|a| a.as_str()) {
        Some("ro") | Some("roa") => Access::ReadOnly,
        _ => Access::ReadWrite,
    })
}
