//! Name resolution for the blocking backend's ureq agent.
//!
//! ureq resolves the URL's host before every request, pooled connection or
//! not, and its default resolver runs each lookup on a new thread whenever
//! a timeout applies, which is always here (the whole-request timeout): a
//! thread created and joined per request, even for an IP address (about
//! 1,000 `clone3` calls for 1,000 point queries, BENCHMARKS.md). This
//! resolver answers an IP address in place and looks a name up through
//! ureq's default resolver at most once per [`NAME_TTL`] per host and port.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long the addresses of a looked-up name are reused. New connections
/// within it go to the addresses of the last lookup.
pub(crate) const NAME_TTL: Duration = Duration::from_secs(30);

/// The most names kept (a connector talks to one host; redirects to a
/// stream's `base_url` may add a few).
const MAX_NAMES: usize = 16;

/// How a name is looked up (ureq's default resolver; a fake in tests).
type Lookup = Box<
    dyn Fn(&Uri, &Config, NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> + Send + Sync,
>;

/// IP addresses in place, names cached for [`NAME_TTL`].
pub(crate) struct CachingResolver {
    lookup: Lookup,
    names: Mutex<HashMap<(String, u16), (Instant, ResolvedSocketAddrs)>>,
}

impl std::fmt::Debug for CachingResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachingResolver").finish_non_exhaustive()
    }
}

impl CachingResolver {
    /// Names through ureq's default resolver.
    pub(crate) fn new() -> Self {
        let inner = DefaultResolver::default();
        Self::with_lookup(Box::new(move |uri, config, timeout| {
            inner.resolve(uri, config, timeout)
        }))
    }

    fn with_lookup(lookup: Lookup) -> Self {
        CachingResolver {
            lookup,
            names: Mutex::new(HashMap::new()),
        }
    }
}

/// The host and port of `uri` (the scheme's default port when none is
/// given); `None` without a host or a known port.
fn host_port(uri: &Uri) -> Option<(&str, u16)> {
    let host = uri.host()?;
    let port = uri.port_u16().or_else(|| match uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    })?;
    Some((host, port))
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some((host, port)) = host_port(uri) else {
            return (self.lookup)(uri, config, timeout);
        };
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = (host.to_ascii_lowercase(), port);
        let now = Instant::now();
        if let Ok(names) = self.names.lock()
            && let Some((at, addrs)) = names.get(&key)
            && now.duration_since(*at) < NAME_TTL
        {
            return Ok(addrs.clone());
        }
        let addrs = (self.lookup)(uri, config, timeout)?;
        if let Ok(mut names) = self.names.lock() {
            names.retain(|_, (at, _)| now.duration_since(*at) < NAME_TTL);
            if names.len() < MAX_NAMES {
                names.insert(key, (now, addrs.clone()));
            }
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A resolver whose lookups answer 10.0.0.1 and are counted.
    fn counted() -> (CachingResolver, Arc<AtomicUsize>) {
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        let resolver = CachingResolver::with_lookup(Box::new(move |uri, _, _| {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut addrs = DefaultResolver::default().empty();
            let port = uri.port_u16().unwrap_or(443);
            addrs.push(SocketAddr::new([10, 0, 0, 1].into(), port));
            Ok(addrs)
        }));
        (resolver, count)
    }

    fn resolve(r: &CachingResolver, url: &str) -> Vec<SocketAddr> {
        let uri: Uri = url.parse().unwrap();
        r.resolve(&uri, &Config::default(), NextTimeout::default())
            .unwrap()
            .iter()
            .copied()
            .collect()
    }

    #[test]
    fn addresses_are_answered_in_place() {
        let (r, lookups) = counted();
        assert_eq!(
            resolve(&r, "http://127.0.0.1:8080/v3/pipeline"),
            ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            resolve(&r, "https://[::1]/v3"),
            ["[::1]:443".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            resolve(&r, "http://10.1.2.3/"),
            ["10.1.2.3:80".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(lookups.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_name_is_looked_up_once_per_host_and_port() {
        let (r, lookups) = counted();
        for _ in 0..5 {
            assert_eq!(
                resolve(&r, "https://db.example.test/v3/pipeline"),
                ["10.0.0.1:443".parse::<SocketAddr>().unwrap()]
            );
        }
        assert_eq!(lookups.load(Ordering::SeqCst), 1);
        resolve(&r, "https://DB.example.test/v3");
        assert_eq!(lookups.load(Ordering::SeqCst), 1, "names are case-blind");
        resolve(&r, "https://db.example.test:8443/v3");
        resolve(&r, "https://other.example.test/v3");
        assert_eq!(lookups.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_failed_lookup_is_not_cached() {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let r = CachingResolver::with_lookup(Box::new(move |_, _, _| {
            seen.fetch_add(1, Ordering::SeqCst);
            Err(ureq::Error::HostNotFound)
        }));
        let uri: Uri = "https://missing.example.test/".parse().unwrap();
        for _ in 0..2 {
            assert!(matches!(
                r.resolve(&uri, &Config::default(), NextTimeout::default()),
                Err(ureq::Error::HostNotFound)
            ));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
