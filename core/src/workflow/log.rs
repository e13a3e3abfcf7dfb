//! The shape of a case's event log, checked before anything folds it: every
//! event is filed under its own id, every `after` link names an event in the
//! log, and the links never loop. A log from elsewhere that breaks one of
//! these is refused; the fold itself copes with all three anyway.

use std::collections::{BTreeMap, HashMap};

use crate::model::CaseEvent;

/// What is wrong with an event log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    #[error("event {id} is filed under the key {key}")]
    KeyMismatch { key: String, id: String },
    #[error("event {id} follows {missing}, which is not in the log")]
    MissingLink { id: String, missing: String },
    #[error("event {id} follows itself, directly or through others")]
    Cycle { id: String },
}

/// Checks keys, links and acyclicity of `events`.
pub fn validate_log(events: &BTreeMap<String, CaseEvent>) -> Result<(), LogError> {
    for (key, ev) in events {
        if *key != ev.id {
            return Err(LogError::KeyMismatch { key: key.clone(), id: ev.id.clone() });
        }
        if let Some(missing) = ev.after.iter().find(|a| !events.contains_key(*a)) {
            return Err(LogError::MissingLink { id: ev.id.clone(), missing: missing.clone() });
        }
    }
    // Kahn's algorithm: whatever is never released lies on a cycle.
    let mut waiting: HashMap<&str, usize> = events.iter().map(|(k, e)| (k.as_str(), e.after.len())).collect();
    let mut followers: HashMap<&str, Vec<&str>> = HashMap::new();
    for (k, e) in events {
        for a in &e.after {
            followers.entry(a.as_str()).or_default().push(k.as_str());
        }
    }
    let mut ready: Vec<&str> = waiting.iter().filter(|(_, n)| **n == 0).map(|(k, _)| *k).collect();
    let mut released = 0;
    while let Some(k) = ready.pop() {
        released += 1;
        for f in followers.get(k).into_iter().flatten() {
            let n = waiting.get_mut(f).expect("every follower is in the log");
            *n -= 1;
            if *n == 0 {
                ready.push(f);
            }
        }
    }
    if released < events.len() {
        let id = waiting.iter().filter(|(_, n)| **n > 0).map(|(k, _)| *k).min().unwrap_or_default();
        return Err(LogError::Cycle { id: id.to_owned() });
    }
    Ok(())
}

/// The ids of every event `id` follows, directly or not (its author's view
/// of the log when they wrote it).
pub fn ancestors<'a>(events: &'a BTreeMap<String, CaseEvent>, id: &str) -> std::collections::BTreeSet<&'a str> {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack: Vec<&'a str> =
        events.get(id).map(|e| e.after.iter().map(String::as_str).collect()).unwrap_or_default();
    while let Some(x) = stack.pop() {
        if let Some((k, e)) = events.get_key_value(x)
            && seen.insert(k.as_str())
        {
            stack.extend(e.after.iter().map(String::as_str));
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventKind, Role};

    fn ev(id: &str, after: &[&str]) -> (String, CaseEvent) {
        let e = CaseEvent {
            id: id.into(),
            kind: EventKind::Escalated,
            actor: "u".into(),
            role: Role::GridWorker,
            at: 1,
            after: after.iter().map(|s| s.to_string()).collect(),
            note: String::new(),
            photos: vec![],
            department: None,
        };
        (id.into(), e)
    }

    #[test]
    fn good_logs_pass_and_each_defect_is_named() {
        let good: BTreeMap<_, _> = [ev("a", &[]), ev("b", &["a"]), ev("c", &["a"]), ev("d", &["b", "c"])].into();
        validate_log(&good).unwrap();
        assert_eq!(ancestors(&good, "d").into_iter().collect::<Vec<_>>(), vec!["a", "b", "c"]);

        let mut wrong_key = good.clone();
        let e = wrong_key.remove("d").unwrap();
        wrong_key.insert("zz".into(), e);
        assert!(matches!(validate_log(&wrong_key), Err(LogError::KeyMismatch { .. })));

        let dangling: BTreeMap<_, _> = [ev("a", &["ghost"])].into();
        assert!(matches!(validate_log(&dangling), Err(LogError::MissingLink { .. })));

        let cycle: BTreeMap<_, _> = [ev("a", &[]), ev("b", &["a", "c"]), ev("c", &["b"])].into();
        assert_eq!(validate_log(&cycle), Err(LogError::Cycle { id: "b".into() }));
        let selfish: BTreeMap<_, _> = [ev("a", &["a"])].into();
        assert!(matches!(validate_log(&selfish), Err(LogError::Cycle { .. })));
    }
}
