//! Client CPU time (user + system) of this process, from `getrusage`.

use std::time::Duration;

use nix::sys::resource::{UsageWho, getrusage};

/// User + system CPU time this process has used so far (all threads).
pub fn process_cpu() -> Duration {
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(u) => {
            let user = u.user_time();
            let sys = u.system_time();
            let us = |t: nix::sys::time::TimeVal| {
                Duration::from_secs(t.tv_sec().max(0) as u64)
                    + Duration::from_micros(t.tv_usec().max(0) as u64)
            };
            us(user) + us(sys)
        }
        Err(_) => Duration::ZERO,
    }
}

/// User + system CPU time of the calling thread so far: unlike wall time it
/// does not count time the thread waited for a core, so it stays meaningful
/// on a loaded machine.
pub fn thread_cpu() -> Duration {
    match getrusage(UsageWho::RUSAGE_THREAD) {
        Ok(u) => {
            let us = |t: nix::sys::time::TimeVal| {
                Duration::from_secs(t.tv_sec().max(0) as u64)
                    + Duration::from_micros(t.tv_usec().max(0) as u64)
            };
            us(u.user_time()) + us(u.system_time())
        }
        Err(_) => Duration::ZERO,
    }
}
