//! Auth on sqld with `--auth-jwt-key-file`: a valid Ed25519 JWT opens
//! connections on both backends; a missing, expired or foreign token is an
//! `Auth` error; the token never shows in `Debug` or error text.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePublicKey as _;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{Value as Json, json};

use super::*;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn token(key: &SigningKey, claims: &Json) -> String {
    let h = URL_SAFE_NO_PAD.encode(json!({"alg": "EdDSA", "typ": "JWT"}).to_string());
    let p = URL_SAFE_NO_PAD.encode(claims.to_string());
    let sig = key.sign(format!("{h}.{p}").as_bytes());
    format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn jwt_auth_on_both_backends_and_the_token_never_shows() {
    if std::env::var_os(SQLD_ENV).is_none() {
        println!("skipped: {SQLD_ENV} is not set (the path of a sqld binary)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pem = key(7)
        .verifying_key()
        .to_public_key_pem(Default::default())
        .unwrap();
    let key_file = dir.path().join("jwt.pem");
    std::fs::write(&key_file, pem).unwrap();
    let s = sqld(&["--auth-jwt-key-file", key_file.to_str().unwrap()]).unwrap();

    let good = token(&key(7), &json!({"a": "rw", "exp": now() + 3600}));
    let expired = token(&key(7), &json!({"a": "rw", "exp": now() - 3600}));
    let foreign = token(&key(8), &json!({"a": "rw", "exp": now() + 3600}));

    for flavour in FLAVOURS {
        let rt = runtime();
        // Open a database handle and run one statement with `token`.
        let attempt = |token: Option<&str>| -> (sqlport::Result<i64>, Vec<String>) {
            let mut opts = options();
            if let Some(t) = token {
                opts = opts.auth_token(t);
            }
            let mut shown = vec![format!("{opts:?}")];
            let result = match flavour {
                Flavour::Blocking => {
                    let db = sqlport::blocking::Database::open_with(s.url(), opts).unwrap();
                    shown.push(format!("{db:?}"));
                    db.connect().and_then(|mut c| {
                        shown.push(format!("{c:?}"));
                        c.query("SELECT 41 + 1", ()).map(|rs| int(&rs))
                    })
                }
                Flavour::Async => rt.block_on(async {
                    let db = sqlport::Database::open_with(s.url(), opts).unwrap();
                    shown.push(format!("{db:?}"));
                    match db.connect().await {
                        Ok(mut c) => {
                            shown.push(format!("{c:?}"));
                            c.query("SELECT 41 + 1", ()).await.map(|rs| int(&rs))
                        }
                        Err(e) => Err(e),
                    }
                }),
            };
            if let Err(e) = &result {
                shown.push(format!("{e:?} {e}"));
            }
            (result, shown)
        };

        let (ok, shown) = attempt(Some(&good));
        assert_eq!(ok.unwrap(), 42, "[{flavour:?}] a valid token");
        for (label, t) in [
            ("none", None),
            ("expired", Some(&expired)),
            ("foreign", Some(&foreign)),
        ] {
            let (r, more) = attempt(t.map(String::as_str));
            assert_eq!(kind(r), ErrorKind::Auth, "[{flavour:?}] {label} token");
            for text in more.iter().chain(&shown) {
                for secret in [&good, &expired, &foreign] {
                    let sig = secret.rsplit('.').next().unwrap();
                    assert!(!text.contains(sig), "[{flavour:?}] a token shows: {text}");
                }
            }
        }
    }
}
