//! Unknown fields are refused, not silently carried to every phone: the
//! document as Automerge holds it must have no key the typed schema lacks.
//! (autosurgeon ignores unknown keys when reading, so without this check a
//! device could smuggle anything into a case.)

use automerge::{AutoCommit, AutoSerde};
use gridpatrol_core::codes::ErrorCode;
use serde_json::Value;

use crate::error::{ServerError, refuse};

/// Refuses `doc` if it holds a key that `typed` (the document read into its
/// Rust type) does not.
pub fn check(doc: &AutoCommit, typed: &impl serde::Serialize) -> Result<(), ServerError> {
    let raw =
        serde_json::to_value(AutoSerde::from(doc)).map_err(|e| refuse(ErrorCode::InvalidDocument, e.to_string()))?;
    let known = serde_json::to_value(typed).map_err(|e| refuse(ErrorCode::InvalidDocument, e.to_string()))?;
    match extra_key(&raw, &known, "", true) {
        Some(path) => Err(refuse(ErrorCode::UnknownField, format!("unknown field {path}"))),
        None => Ok(()),
    }
}

/// The path of the first key in `raw` that `known` lacks.
fn extra_key(raw: &Value, known: &Value, path: &str, root: bool) -> Option<String> {
    match (raw, known) {
        (Value::Object(r), Value::Object(k)) => r.iter().find_map(|(key, v)| {
            let here = format!("{path}/{key}");
            match k.get(key) {
                Some(kv) => extra_key(v, kv, &here, false),
                None if root && key == "type" => None,
                None => Some(here),
            }
        }),
        (Value::Array(r), Value::Array(k)) => {
            r.iter().zip(k).enumerate().find_map(|(i, (rv, kv))| extra_key(rv, kv, &format!("{path}/{i}"), false))
        }
        // An object where the schema has a scalar (or the reverse) does not
        // hydrate, so it never gets here; scalars have no keys.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use automerge::ROOT;
    use automerge::transaction::Transactable;
    use serde_json::json;

    use super::*;

    #[test]
    fn extra_keys_are_found_anywhere() {
        let known = json!({"a": 1, "m": {"x": {"y": 1}}, "l": [{"p": 1}]});
        assert_eq!(extra_key(&json!({"a": 2, "type": "case"}), &known, "", true), None);
        assert_eq!(extra_key(&json!({"a": 2, "evil": 1}), &known, "", true).as_deref(), Some("/evil"));
        assert_eq!(extra_key(&json!({"m": {"x": {"z": 1}}}), &known, "", true).as_deref(), Some("/m/x/z"));
        assert_eq!(extra_key(&json!({"l": [{"p": 1, "q": 2}]}), &known, "", true).as_deref(), Some("/l/0/q"));
        assert_eq!(extra_key(&json!({"m": {"type": 1}}), &json!({"m": {}}), "", true).as_deref(), Some("/m/type"));
    }

    #[test]
    fn a_document_with_a_smuggled_key_is_refused() {
        #[derive(serde::Serialize)]
        struct T {
            a: i64,
        }
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1).unwrap();
        assert!(check(&doc, &T { a: 1 }).is_ok());
        doc.put(ROOT, "payload", "x".repeat(100)).unwrap();
        assert_eq!(check(&doc, &T { a: 1 }).unwrap_err().code, ErrorCode::UnknownField);
    }
}
