//! When the device syncs by itself, sans-IO: shortly after a save
//! (debounced), every few minutes while things work, at once when the
//! network comes back or the person asks, and after a failure again with a
//! growing back-off — never two runs at once. The app's task (see
//! [`super::auto`]) only sleeps until [`Schedule::next_at`] and runs.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::time::Millis;

/// The timings (tests shorten them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleSettings {
    /// How often to sync while everything works.
    pub periodic_ms: Millis,
    /// How long after the last save to wait (a burst of saves syncs once).
    pub debounce_ms: Millis,
    /// The first retry after a failure; each next one waits twice as long…
    pub first_backoff_ms: Millis,
    /// …up to this (also how late a returning network is noticed at worst
    /// where the platform does not say).
    pub max_backoff_ms: Millis,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            periodic_ms: 5 * 60_000,
            debounce_ms: 10_000,
            first_backoff_ms: 5_000,
            max_backoff_ms: 120_000,
        }
    }
}

/// Why the last run failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncTrouble {
    /// A code from the shared list (`offline`, `device_revoked`, …).
    pub code: String,
    pub message: String,
    pub at: Millis,
}

/// What the person sees of automatic sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AutoSyncStatus {
    pub running: bool,
    /// When a run last finished without error.
    pub last_ok_at: Option<Millis>,
    /// The last run's failure, until a run succeeds.
    pub last_error: Option<SyncTrouble>,
    /// When the next run is due, if one is.
    pub next_at: Option<Millis>,
    pub failures_in_a_row: u32,
}

/// The state of automatic sync.
#[derive(Debug, Clone)]
pub struct Schedule {
    settings: ScheduleSettings,
    status: AutoSyncStatus,
}

impl Schedule {
    /// A schedule that syncs right away (the app just started).
    pub fn new(settings: ScheduleSettings, now: Millis) -> Self {
        Schedule { settings, status: AutoSyncStatus { next_at: Some(now), ..Default::default() } }
    }

    fn due_by(&mut self, at: Millis) {
        self.status.next_at = Some(self.status.next_at.map_or(at, |n| n.min(at)));
    }

    /// Something was saved: sync soon (a burst of saves syncs once).
    pub fn saved(&mut self, now: Millis) {
        self.due_by(now + self.settings.debounce_ms);
    }

    /// The person pressed "sync now", or logged in.
    pub fn now(&mut self, now: Millis) {
        self.due_by(now);
    }

    /// The platform says the network is back: retry at once if a run failed.
    pub fn network_up(&mut self, now: Millis) {
        if self.status.failures_in_a_row > 0 || self.status.last_ok_at.is_none() {
            self.due_by(now);
        }
    }

    /// When the next run is due.
    pub fn next_at(&self) -> Option<Millis> {
        if self.status.running { None } else { self.status.next_at }
    }

    /// Whether a run should start now.
    pub fn due(&self, now: Millis) -> bool {
        self.next_at().is_some_and(|n| n <= now)
    }

    /// A run starts (saves during it make the next one due).
    pub fn started(&mut self) {
        self.status.running = true;
        self.status.next_at = None;
    }

    /// The run finished well: the next periodic one is due later.
    pub fn succeeded(&mut self, now: Millis) {
        self.status.running = false;
        self.status.failures_in_a_row = 0;
        self.status.last_ok_at = Some(now);
        self.status.last_error = None;
        self.due_by(now + self.settings.periodic_ms);
    }

    /// The run failed: retry with back-off if it may pass next time
    /// (`retryable`: the network, a busy server), else at the periodic pace.
    pub fn failed(&mut self, now: Millis, code: &str, message: &str, retryable: bool) {
        self.status.running = false;
        self.status.failures_in_a_row += 1;
        self.status.last_error = Some(SyncTrouble { code: code.to_owned(), message: message.to_owned(), at: now });
        let wait = if retryable {
            let doublings = (self.status.failures_in_a_row - 1).min(20);
            (self.settings.first_backoff_ms << doublings).min(self.settings.max_backoff_ms)
        } else {
            self.settings.periodic_ms
        };
        self.due_by(now + wait);
    }

    /// Nobody is logged in: nothing is due until someone is.
    pub fn idle(&mut self) {
        self.status.running = false;
        self.status.next_at = None;
    }

    /// What to show.
    pub fn status(&self) -> &AutoSyncStatus {
        &self.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: ScheduleSettings =
        ScheduleSettings { periodic_ms: 300, debounce_ms: 10, first_backoff_ms: 5, max_backoff_ms: 40 };

    #[test]
    fn saves_debounce_failures_back_off_and_runs_never_overlap() {
        let mut s = Schedule::new(S, 0);
        assert!(s.due(0), "syncs at start");
        s.started();
        s.saved(1);
        assert!(!s.due(100), "never two runs at once");
        s.failed(2, "offline", "no network", true);
        assert_eq!(s.next_at(), Some(7), "first back-off (5 ms)");
        s.started();
        s.failed(8, "offline", "no network", true);
        assert_eq!(s.next_at(), Some(18), "doubled");
        for t in 0..10 {
            s.started();
            s.failed(100 + t, "offline", "", true);
        }
        assert_eq!(s.next_at(), Some(109 + 40), "capped");
        s.network_up(120);
        assert_eq!(s.next_at(), Some(120), "the network came back: at once");
        s.started();
        s.succeeded(121);
        assert_eq!(s.status().failures_in_a_row, 0);
        assert!(s.status().last_error.is_none());
        assert_eq!(s.next_at(), Some(421), "periodic");
        s.saved(130);
        s.saved(135);
        assert_eq!(s.next_at(), Some(140), "the first save of a burst sets the time");
        s.started();
        s.failed(141, "device_revoked", "", false);
        assert_eq!(s.next_at(), Some(441), "a failure that will not pass by itself waits for the periodic run");
        s.idle();
        assert_eq!(s.next_at(), None);
    }
}
