//! Unknown fields are refused, not silently carried to every phone: the
//! document as Automerge holds it must have no key the typed schema lacks.
//! (autosurgeon ignores unknown keys when reading, so without this check a
//! device could smuggle anything into a case.)

use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ValueRef};
use gridpatrol_core::codes::ErrorCode;
use serde_json::Value;

use crate::error::{ServerError, refuse};

/// Refuses `doc` if it holds a key that `typed` (the document read into its
/// Rust type) does not. Walks the document in place (no copy of it as JSON).
pub fn check(doc: &AutoCommit, typed: &impl serde::Serialize) -> Result<(), ServerError> {
    let known = serde_json::to_value(typed).map_err(|e| refuse(ErrorCode::InvalidDocument, e.to_string()))?;
    match extra_key(doc, &ROOT, &known, true) {
        Some(path) => Err(refuse(ErrorCode::UnknownField, format!("unknown field {path}"))),
        None => Ok(()),
    }
}

/// The path of the first key under `obj` that `known` lacks. One pass
/// over each map or list (a `get` per key would seek every time).
fn extra_key(doc: &AutoCommit, obj: &ObjId, known: &Value, root: bool) -> Option<String> {
    let nested = |v: &ValueRef<'_>| matches!(v, ValueRef::Object(ObjType::Map | ObjType::Table | ObjType::List));
    match known {
        Value::Object(k) => doc.map_range(obj, ..).find_map(|item| match k.get(item.key.as_ref()) {
            Some(kv) if nested(&item.value) => {
                extra_key(doc, &item.id(), kv, false).map(|rest| format!("/{}{rest}", item.key))
            }
            Some(_) => None,
            None if root && item.key == "type" => None,
            None => Some(format!("/{}", item.key)),
        }),
        Value::Array(k) => doc.list_range(obj, ..).zip(k).find_map(|(item, kv)| {
            if !nested(&item.value) {
                return None;
            }
            extra_key(doc, &item.id(), kv, false).map(|rest| format!("/{}{rest}", item.index))
        }),
        // A scalar where the document has an object does not hydrate, so it
        // never gets here; scalars have no keys.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use serde_json::json;

    use super::*;

    /// A document holding `v` (an object) at its root.
    fn doc_of(v: &Value) -> AutoCommit {
        fn fill(doc: &mut AutoCommit, obj: &ObjId, v: &Value) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        match v {
                            Value::Object(_) => {
                                let id = doc.put_object(obj, k.as_str(), ObjType::Map).unwrap();
                                fill(doc, &id, v);
                            }
                            Value::Array(_) => {
                                let id = doc.put_object(obj, k.as_str(), ObjType::List).unwrap();
                                fill(doc, &id, v);
                            }
                            other => doc.put(obj, k.as_str(), other.to_string()).unwrap(),
                        }
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        let id = doc.insert_object(obj, i, ObjType::Map).unwrap();
                        fill(doc, &id, v);
                    }
                }
                _ => unreachable!("scalars are put by their parent"),
            }
        }
        let mut doc = AutoCommit::new();
        fill(&mut doc, &ROOT, v);
        doc
    }

    fn extra(raw: Value, known: &Value) -> Option<String> {
        extra_key(&doc_of(&raw), &ROOT, known, true)
    }

    #[test]
    fn extra_keys_are_found_anywhere() {
        let known = json!({"a": 1, "m": {"x": {"y": 1}}, "l": [{"p": 1}]});
        assert_eq!(extra(json!({"a": 2, "type": "case"}), &known), None);
        assert_eq!(extra(json!({"a": 2, "evil": 1}), &known).as_deref(), Some("/evil"));
        assert_eq!(extra(json!({"m": {"x": {"z": 1}}}), &known).as_deref(), Some("/m/x/z"));
        assert_eq!(extra(json!({"l": [{"p": 1, "q": 2}]}), &known).as_deref(), Some("/l/0/q"));
        assert_eq!(extra(json!({"m": {"type": 1}}), &json!({"m": {}})).as_deref(), Some("/m/type"));
        assert_eq!(extra(json!({"m": {"x": {"y": 2}}, "l": [{"p": 3}]}), &known), None);
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
