//! Batons: `base64(stream id ‖ sequence ‖ 128 random bits)`, unpadded standard
//! alphabet. The random part comes from a CSPRNG, so a baton cannot be guessed;
//! the id and sequence only let the server tell "stale" from "invalid".

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rand::RngCore as _;

const LEN: usize = 32;

/// A decoded baton.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatonParts {
    /// Stream id.
    pub(crate) stream: u64,
    /// Sequence number within the stream.
    pub(crate) seq: u64,
}

/// A fresh baton for `stream` at `seq`.
pub(crate) fn issue(stream: u64, seq: u64) -> String {
    let mut bytes = [0u8; LEN];
    bytes[..8].copy_from_slice(&stream.to_be_bytes());
    bytes[8..16].copy_from_slice(&seq.to_be_bytes());
    rand::rng().fill_bytes(&mut bytes[16..]);
    STANDARD_NO_PAD.encode(bytes)
}

/// Decode a baton; `None` for anything this server could not have issued.
pub(crate) fn parse(baton: &str) -> Option<BatonParts> {
    if baton.len() > 64 {
        return None;
    }
    let bytes = STANDARD_NO_PAD.decode(baton).ok()?;
    if bytes.len() != LEN {
        return None;
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&bytes[..8]);
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&bytes[8..16]);
    Some(BatonParts {
        stream: u64::from_be_bytes(id),
        seq: u64::from_be_bytes(seq),
    })
}

/// Compare without an early exit.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_randomness() {
        let a = issue(7, 3);
        let b = issue(7, 3);
        assert_ne!(a, b);
        assert_eq!(parse(&a), Some(BatonParts { stream: 7, seq: 3 }));
        assert!(parse("garbage!").is_none());
        assert!(parse("").is_none());
        assert!(parse(&"A".repeat(1000)).is_none());
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
    }
}
