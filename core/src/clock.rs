//! Where the device store and the server read the time and draw new ids.
//! The product uses the system's; a simulation uses a virtual clock and a
//! seeded id source, so that a seed replays exactly; the end-to-end tests
//! shift the system clock by `GRIDPATROL_TEST_CLOCK_OFFSET` (for a look-back
//! due in four weeks) — only the binaries read it, never the library.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use rand::{RngCore, SeedableRng};

use crate::time::Millis;

type NowFn = dyn Fn() -> Millis + Send + Sync;
type IdFn = dyn Fn() -> String + Send + Sync;

/// A source of time and identifiers.
#[derive(Clone)]
pub struct Clock {
    now: Arc<NowFn>,
    ids: Arc<IdFn>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock").field("now", &self.now()).finish_non_exhaustive()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl Clock {
    /// The system's clock and random UUIDv7 ids.
    pub fn system() -> Self {
        Clock { now: Arc::new(crate::time::now_ms), ids: Arc::new(crate::ids::new_id) }
    }

    /// The system's clock shifted by `offset_ms` (tests of things due weeks later).
    pub fn shifted(offset_ms: Millis) -> Self {
        Clock { now: Arc::new(move || crate::time::now_ms() + offset_ms), ids: Arc::new(crate::ids::new_id) }
    }

    /// The system clock, shifted as `GRIDPATROL_TEST_CLOCK_OFFSET` says
    /// (milliseconds, or a number with `d`, `h` or `m`); for the binaries,
    /// so end-to-end tests can move time forward.
    pub fn from_env() -> Self {
        match std::env::var("GRIDPATROL_TEST_CLOCK_OFFSET").ok().and_then(|v| parse_offset(&v)) {
            Some(offset) => {
                tracing::warn!(offset_ms = offset, "the clock is shifted for a test (GRIDPATROL_TEST_CLOCK_OFFSET)");
                Clock::shifted(offset)
            }
            None => Clock::system(),
        }
    }

    /// A virtual clock starting at `start` that only moves when told, and
    /// ids drawn from `seed`: the same seed gives the same ids.
    pub fn simulated(start: Millis, seed: u64) -> (Clock, VirtualTime) {
        let time = VirtualTime(Arc::new(AtomicI64::new(start)));
        let t = time.clone();
        let rng = Mutex::new(rand::rngs::StdRng::seed_from_u64(seed));
        let ids = move || {
            let mut bytes = [0u8; 16];
            rng.lock().unwrap_or_else(|p| p.into_inner()).fill_bytes(&mut bytes);
            uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
        };
        (Clock { now: Arc::new(move || t.0.load(Ordering::Relaxed)), ids: Arc::new(ids) }, time)
    }

    /// The current time.
    pub fn now(&self) -> Millis {
        (self.now)()
    }

    /// A new identifier (a UUID string).
    pub fn new_id(&self) -> String {
        (self.ids)()
    }
}

/// The hand that moves a simulated clock.
#[derive(Debug, Clone)]
pub struct VirtualTime(Arc<AtomicI64>);

impl VirtualTime {
    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: Millis) {
        self.0.fetch_add(ms, Ordering::Relaxed);
    }
}

fn parse_offset(v: &str) -> Option<Millis> {
    let v = v.trim();
    let (num, unit) = match v.char_indices().last()? {
        (i, 'd') => (&v[..i], 86_400_000),
        (i, 'h') => (&v[..i], 3_600_000),
        (i, 'm') => (&v[..i], 60_000),
        _ => (v, 1),
    };
    num.trim_start_matches('+').parse::<i64>().ok().map(|n| n * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_clock_replays_and_offsets_parse() {
        let (a, ta) = Clock::simulated(1000, 7);
        let (b, _) = Clock::simulated(1000, 7);
        assert_eq!((a.new_id(), a.new_id()), (b.new_id(), b.new_id()));
        assert!(crate::ids::is_valid_id(&a.new_id()));
        ta.advance(500);
        assert_eq!(a.now(), 1500);
        assert_eq!(parse_offset("28d"), Some(28 * 86_400_000));
        assert_eq!(parse_offset("+90m"), Some(90 * 60_000));
        assert_eq!(parse_offset("1500"), Some(1500));
        assert_eq!(parse_offset("soon"), None);
        assert!((Clock::shifted(86_400_000).now() - crate::time::now_ms() - 86_400_000).abs() < 1000);
    }
}
