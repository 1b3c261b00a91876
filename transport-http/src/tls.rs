//! The certificate trust both HTTP backends share: the same set of root
//! certificates for ureq and reqwest. That set is the platform's
//! certificate store (read once per process with `rustls-native-certs`,
//! which is where a corporate CA installed on the machine lives) plus any
//! extra roots given in PEM in [`HttpConfig::extra_root_certs`](crate::HttpConfig::extra_root_certs). Neither
//! backend adds roots of its own (reqwest's bundled webpki roots are off),
//! so a server trusted by one backend is trusted by the other.

use std::sync::OnceLock;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;
use sqlport_core::{Error, Result};

/// The platform's roots, loaded once (unreadable entries are skipped and
/// logged).
fn platform_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let loaded = rustls_native_certs::load_native_certs();
        for e in &loaded.errors {
            tracing::debug!(error = %e, "sqlport: a platform root certificate could not be read");
        }
        if loaded.certs.is_empty() {
            tracing::warn!(
                "sqlport: no root certificates in the platform store; only extra roots are trusted"
            );
        }
        loaded.certs
    })
}

/// Parse extra roots given in PEM: each entry holds one or more
/// `CERTIFICATE` blocks. An entry without one, or with a block that does
/// not decode, is [`Error::InvalidCertificate`].
pub fn parse_extra_roots(pems: &[Vec<u8>]) -> Result<Vec<CertificateDer<'static>>> {
    let mut out = Vec::new();
    for (i, pem) in pems.iter().enumerate() {
        let before = out.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                Error::InvalidCertificate(format!("extra root certificate {i}: {e}"))
            })?;
            out.push(cert);
        }
        if out.len() == before {
            return Err(Error::InvalidCertificate(format!(
                "extra root certificate {i}: no PEM CERTIFICATE block"
            )));
        }
    }
    Ok(out)
}

/// Every root both backends trust: the platform's, then the extra ones.
pub fn trusted_roots(extra_pems: &[Vec<u8>]) -> Result<Vec<CertificateDer<'static>>> {
    let extra = parse_extra_roots(extra_pems)?;
    let mut all = platform_roots().to_vec();
    all.extend(extra);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlport_core::ErrorKind;

    const ROOT: &[u8] = include_bytes!("../tests/fixtures/tls/extra-root.pem");

    #[test]
    fn extra_roots_parse_and_bad_pem_is_a_typed_error() {
        let two = [ROOT, ROOT].concat();
        assert_eq!(parse_extra_roots(&[ROOT.to_vec()]).unwrap().len(), 1);
        assert_eq!(parse_extra_roots(&[two]).unwrap().len(), 2);
        let all = trusted_roots(&[ROOT.to_vec()]).unwrap();
        assert_eq!(all.len(), platform_roots().len() + 1);
        for bad in [
            b"not a certificate".to_vec(),
            Vec::new(),
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec(),
            b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec(),
        ] {
            let err = parse_extra_roots(&[ROOT.to_vec(), bad]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidCertificate, "{err}");
        }
    }

    #[cfg(all(feature = "blocking", feature = "async"))]
    #[test]
    fn both_backends_build_with_an_extra_root_and_refuse_a_bad_one() {
        use crate::{AsyncHttpConnector, HttpConfig, HttpConnector};
        let sqlport_core::Target::Remote(target) =
            sqlport_core::Target::parse("https://db.example.invalid").unwrap()
        else {
            panic!("remote")
        };
        let good = HttpConfig::default().extra_root_certs(vec![ROOT.to_vec()]);
        HttpConnector::new(&target, good.clone()).unwrap();
        AsyncHttpConnector::new(&target, good).unwrap();
        let bad = HttpConfig::default().extra_root_certs(vec![
            b"-----BEGIN CERTIFICATE-----\n%%\n-----END CERTIFICATE-----\n".to_vec(),
        ]);
        let e = HttpConnector::new(&target, bad.clone()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCertificate);
        let e = AsyncHttpConnector::new(&target, bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCertificate);
    }
}
