//! The track recorder task: while the logged-in user's part of a patrol
//! runs, it records their track from the location source, whichever screen
//! is open; after a restart it carries on from the stored track (the state
//! is the store's). What to keep and how long to wait are core's
//! [`Recorder`]; this only moves fixes and sleeps.
//!
//! `GRIDPATROL_TRACK_SETTINGS` (JSON of `TrackSettings`, e.g.
//! `{"moving_interval_ms":250,"still_interval_ms":250,"max_speed_mps":100}`)
//! overrides the office's settings: end-to-end tests replay a walk fast.

use std::time::Duration;

use gridpatrol_core::geo::{FixOutcome, IDLE_WAIT, Recorder, TrackSettings};
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;

/// Starts the recorder on the app's async runtime.
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    let overrides = std::env::var("GRIDPATROL_TRACK_SETTINGS").ok();
    tauri::async_runtime::spawn(async move {
        let mut recorder: Option<(TrackSettings, Recorder)> = None;
        loop {
            let wait = match app.try_state::<AppState>() {
                Some(state) => tick(&state, &mut recorder, overrides.as_deref()),
                None => IDLE_WAIT,
            };
            tokio::time::sleep(wait).await;
        }
    });
}

/// One look: is a part running, what does the source say, what to keep.
fn tick(state: &AppState, recorder: &mut Option<(TrackSettings, Recorder)>, overrides: Option<&str>) -> Duration {
    let Ok(actor) = state.actor() else { return IDLE_WAIT };
    let mut store = state.store();
    let office = store.reference().map(|r| r.map.track).unwrap_or_default();
    let settings = match overrides {
        Some(json) => with_overrides(office, json),
        None => office,
    };
    if recorder.as_ref().is_none_or(|(s, _)| *s != settings) {
        *recorder = Some((settings, Recorder::new(settings)));
    }
    let Some((_, rec)) = recorder.as_mut() else { return IDLE_WAIT };
    match store.running_part(&actor.user_id) {
        Ok(part) => rec.follow(part),
        Err(e) => {
            tracing::warn!(error = %e, "the recorder cannot read the running patrol");
            return IDLE_WAIT;
        }
    }
    let Some(doc) = rec.part().map(str::to_owned) else { return IDLE_WAIT };
    let Some(fix) = state.location.next_fix(store.now()) else { return rec.wait() };
    match rec.on_fix(&fix) {
        FixOutcome::Keep(point) => {
            if let Err(e) = store.record_track(&doc, &[point]) {
                tracing::warn!(error = %e, patrol = doc, "a track point could not be stored");
            }
        }
        FixOutcome::Drop(reason) => tracing::debug!(%reason, "fix not recorded"),
        FixOutcome::Idle => {}
    }
    rec.wait()
}

/// The office's settings with the fields `json` names replaced.
fn with_overrides(office: TrackSettings, json: &str) -> TrackSettings {
    let mut value = serde_json::to_value(office).unwrap_or_default();
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(fields)) => {
            for (k, v) in fields {
                value[k] = v;
            }
        }
        _ => tracing::warn!(json, "GRIDPATROL_TRACK_SETTINGS is not a JSON object; ignored"),
    }
    serde_json::from_value(value).unwrap_or(office)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_the_named_fields() {
        let office = TrackSettings { max_accuracy_m: 30.0, ..Default::default() };
        let fast = with_overrides(office, r#"{"moving_interval_ms": 250, "max_speed_mps": 100}"#);
        assert_eq!((fast.moving_interval_ms, fast.max_speed_mps, fast.max_accuracy_m), (250, 100.0, 30.0));
        assert_eq!(with_overrides(office, "not json"), office);
        assert_eq!(with_overrides(office, r#"{"max_speed_mps": "fast"}"#), office);
    }
}
