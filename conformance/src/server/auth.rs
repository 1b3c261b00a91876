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

/// Clock leeway for `exp` (the jsonwebtoken default sqld uses).
const LEEWAY_SECS: f64 = 60.0;

/// The namespace this server serves (sqld's default one): what a token's
/// `id` claim and the `ns` lists of its `p` claim must name.
pub(crate) const NAMESPACE: &str = "default";

/// A configured authentication check.
pub(crate) enum Authenticator {
    /// Fixed token.
    Token(AuthToken),
    /// JWT public key, and whether `exp` is required.
    Jwt(Box<VerifyingKey>, bool),
}

/// What an authenticated request may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Everything.
    ReadWrite,
    /// Reads only (`"a":"ro"`, or a `p` claim granting only `ro`/`roa`).
    ReadOnly,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// 401: no valid credentials; the message follows "Unauthorized: ".
    Unauthorized(&'static str),
    /// 404: valid credentials for another database (namespace) only; sqld
    /// answers that the namespace does not exist.
    NotFound(&'static str),
}

impl Authenticator {
    /// Build from the configuration; a bad key is an error.
    pub(crate) fn new(auth: &ServerAuth, require_exp: bool) -> Result<Self, String> {
        match auth {
            ServerAuth::Token(t) => Ok(Authenticator::Token(t.clone())),
            ServerAuth::JwtEd25519 { public_key_pem } => {
                parse_key(public_key_pem).map(|k| Authenticator::Jwt(Box::new(k), require_exp))
            }
        }
    }

    /// Check a request's headers.
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<Access, Refused> {
        let token = bearer(headers).map_err(Refused::Unauthorized)?;
        match self {
            Authenticator::Token(expected) => {
                if constant_time_eq(token.as_bytes(), expected.expose().as_bytes()) {
                    Ok(Access::ReadWrite)
                } else {
                    Err(Refused::Unauthorized("The token is invalid"))
                }
            }
            Authenticator::Jwt(key, require_exp) => {
                verify_jwt(key, token, now_secs(), *require_exp)
            }
        }
    }
}

/// The bearer token of a request (`Authorization`, else `x-authorization`).
pub(crate) fn bearer(headers: &HeaderMap) -> Result<&str, &'static str> {
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
    // The token is what follows the first space, as it is (as on sqld:
    // `Bearer  x` carries the token " x").
    Ok(token)
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

/// Verify an EdDSA JWT at time `now` (seconds since the epoch) and read what
/// it grants. The claims mean exactly what they say: an `a`, `id` or `p`
/// claim that is not one of the forms sqld defines makes the token invalid
/// (401), never read-write.
pub(crate) fn verify_jwt(
    key: &VerifyingKey,
    token: &str,
    now: f64,
    require_exp: bool,
) -> Result<Access, Refused> {
    const INVALID: Refused = Refused::Unauthorized("The JWT is invalid");
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
    let claims = claims.as_object().ok_or(INVALID)?;
    match claims.get("exp") {
        Some(exp) => {
            let exp = exp.as_i64().ok_or(INVALID)?;
            if now > exp as f64 + LEEWAY_SECS {
                return Err(Refused::Unauthorized("The JWT has expired"));
            }
        }
        None if require_exp => {
            return Err(Refused::Unauthorized(
                "The JWT has no expiry (`exp`), which this server requires",
            ));
        }
        None => {}
    }
    // Like sqld, `nbf` is not checked.
    grants(claims).map_err(|e| match e {
        Grant::Invalid => INVALID,
        Grant::Nothing => Refused::NotFound("Namespace `default` doesn't exist"),
    })
}

/// Why claims grant no access.
#[derive(Debug, PartialEq, Eq)]
enum Grant {
    /// A claim is malformed or unknown.
    Invalid,
    /// Well-formed, but no right on [`NAMESPACE`].
    Nothing,
}

/// What a token's claims grant on [`NAMESPACE`], as sqld reads them: the
/// fine-grained `p` claim when present (`{"rw": {"ns": [...]}, "ro": ...,
/// "roa": ..., "rwa": ..., "ddl": ...}`), else the legacy `a` (`"rw"`, `"ro"`,
/// `"roa"`; absent means `rw`) limited to the namespace `id` when given.
fn grants(claims: &serde_json::Map<String, serde_json::Value>) -> Result<Access, Grant> {
    if let Some(p) = claims.get("p") {
        let p = p.as_object().ok_or(Grant::Invalid)?;
        let mut access = None;
        for (perm, scope) in p {
            let names = scope_namespaces(scope)?;
            let listed = names.contains(&NAMESPACE);
            match perm.as_str() {
                "rw" | "rwa" if listed => access = Some(Access::ReadWrite),
                "ro" | "roa" if listed => {
                    access.get_or_insert(Access::ReadOnly);
                }
                "rw" | "rwa" | "ro" | "roa" | "ddl" => {}
                _ => return Err(Grant::Invalid),
            }
        }
        return access.ok_or(Grant::Nothing);
    }
    let access = match claims.get("a") {
        None => Access::ReadWrite,
        Some(a) => match a.as_str() {
            Some("rw") => Access::ReadWrite,
            Some("ro") | Some("roa") => Access::ReadOnly,
            _ => return Err(Grant::Invalid),
        },
    };
    match claims.get("id") {
        None | Some(serde_json::Value::Null) => Ok(access),
        Some(id) => match id.as_str() {
            Some(NAMESPACE) => Ok(access),
            Some(_) => Err(Grant::Nothing),
            None => Err(Grant::Invalid),
        },
    }
}

/// The namespaces of one `p` scope (`{"ns": ["a", ...]}`).
fn scope_namespaces(scope: &serde_json::Value) -> Result<Vec<&str>, Grant> {
    let scope = scope.as_object().ok_or(Grant::Invalid)?;
    let mut out = Vec::new();
    for (key, value) in scope {
        match (key.as_str(), value) {
            ("ns", serde_json::Value::Array(names)) => {
                for n in names {
                    out.push(n.as_str().ok_or(Grant::Invalid)?);
                }
            }
            ("ns", serde_json::Value::Null) => {}
            _ => return Err(Grant::Invalid),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn grant(claims: serde_json::Value) -> Result<Access, Grant> {
        grants(claims.as_object().unwrap())
    }

    #[test]
    fn claims_mean_exactly_what_they_say() {
        use Access::*;
        assert_eq!(grant(json!({})), Ok(ReadWrite));
        assert_eq!(grant(json!({"a": "rw"})), Ok(ReadWrite));
        assert_eq!(grant(json!({"a": "ro"})), Ok(ReadOnly));
        assert_eq!(grant(json!({"a": "roa"})), Ok(ReadOnly));
        for bad in [
            json!({"a": "RO"}),
            json!({"a": ["ro"]}),
            json!({"a": null}),
            json!({"a": "admin"}),
            json!({"a": 1}),
            json!({"id": 7}),
            json!({"p": "rw"}),
            json!({"p": {"rw": ["default"]}}),
            json!({"p": {"rw": {"ns": "default"}}}),
            json!({"p": {"rw": {"ns": [1]}}}),
            json!({"p": {"admin": {"ns": ["default"]}}}),
            json!({"p": {"rw": {"ns": ["default"], "x": 1}}}),
        ] {
            assert_eq!(grant(bad.clone()), Err(Grant::Invalid), "{bad}");
        }
        assert_eq!(grant(json!({"id": "default", "a": "ro"})), Ok(ReadOnly));
        assert_eq!(grant(json!({"id": "other"})), Err(Grant::Nothing));
        assert_eq!(
            grant(json!({"p": {"ro": {"ns": ["default"]}}})),
            Ok(ReadOnly)
        );
        assert_eq!(
            grant(json!({"p": {"ro": {"ns": ["default"]}, "rw": {"ns": ["default"]}}})),
            Ok(ReadWrite)
        );
        // `p` wins over `a`, as in sqld.
        assert_eq!(
            grant(json!({"a": "rw", "p": {"roa": {"ns": ["default"]}}})),
            Ok(ReadOnly)
        );
        assert_eq!(
            grant(json!({"p": {"rw": {"ns": ["other"]}}})),
            Err(Grant::Nothing)
        );
        assert_eq!(grant(json!({"p": {}})), Err(Grant::Nothing));
    }
}
