//! Reading a document's structs in one pass over each map.
//!
//! autosurgeon's derived `Hydrate` looks up every field with its own `get`,
//! and every element of a list or map with its own `get`; in Automerge
//! 0.12 each is a seek through the object's operations. Hydrating a case
//! that way was half of what applying a pulled case cost the device
//! (`cargo bench -p gridpatrol-core --bench pull`). [`hydrate_struct!`]
//! implements the same `Hydrate` by walking the map once (`map_range`);
//! `list` and `map` fields walk theirs once too. Each value read is handed
//! to the field's own `Hydrate::hydrate` through [`Entry`], a document
//! that answers the one `get` for it from the value in hand, so every type
//! keeps its own rules (an `Option` is `None` for null, a missing key is an
//! error unless the field names a default, unknown keys are ignored).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::RangeBounds;

use automerge::{AutomergeError, ChangeHash, ObjId, ObjType, Prop, Value, iter::ListRange, iter::MapRange};
use autosurgeon::{Hydrate, HydrateError, ReadDoc};

/// A document that answers `get(obj, prop)` for one entry from a value
/// already read, and everything else from the document.
pub(crate) struct Entry<'a, D> {
    doc: &'a D,
    obj: &'a ObjId,
    prop: Prop,
    read: Cell<Option<(Value<'static>, ObjId)>>,
}

impl<'a, D: ReadDoc> Entry<'a, D> {
    /// Hydrates `T` from the value `value` (with object id `id`) read at
    /// `prop` of `obj`.
    pub(crate) fn hydrate<T: Hydrate>(
        doc: &'a D,
        obj: &'a ObjId,
        prop: Prop,
        value: automerge::ValueRef<'_>,
        id: ObjId,
    ) -> Result<T, HydrateError> {
        let key: autosurgeon::Prop<'_> = match &prop {
            Prop::Map(k) => autosurgeon::Prop::Key(k.clone().into()),
            Prop::Seq(i) => autosurgeon::Prop::Index(*i as u32),
        };
        let entry = Entry { doc, obj, prop, read: Cell::new(Some((value.into_value(), id))) };
        T::hydrate(&entry, obj, key)
    }
}

/// Hydrates a map with string keys (`BTreeMap<String, V>`) in one pass.
pub(crate) fn map<D: ReadDoc, V: Hydrate>(doc: &D, obj: &ObjId) -> Result<BTreeMap<String, V>, HydrateError> {
    doc.map_range(obj, ..)
        .map(|item| {
            let key = item.key.clone().into_owned();
            let v = Entry::hydrate(doc, obj, Prop::Map(key.clone()), item.value.clone(), item.id())?;
            Ok((key, v))
        })
        .collect()
}

/// Hydrates a list (`Vec<T>`) in one pass.
pub(crate) fn list<D: ReadDoc, T: Hydrate>(doc: &D, obj: &ObjId) -> Result<Vec<T>, HydrateError> {
    doc.list_range(obj, ..)
        .map(|item| Entry::hydrate(doc, obj, Prop::Seq(item.index), item.value.clone(), item.id()))
        .collect()
}

/// A `map` or `list` field: one pass over the object if it is one, the
/// type's own rules otherwise (a scalar where an object belongs is refused
/// by them).
pub(crate) fn object<D: ReadDoc, T: Hydrate>(
    doc: &D,
    obj: &ObjId,
    prop: Prop,
    value: automerge::ValueRef<'_>,
    id: ObjId,
    want: ObjType,
    read: impl FnOnce(&D, &ObjId) -> Result<T, HydrateError>,
) -> Result<T, HydrateError> {
    match value {
        automerge::ValueRef::Object(t) if t == want => read(doc, &id),
        other => Entry::hydrate(doc, obj, prop, other, id),
    }
}

impl<D: ReadDoc> ReadDoc for Entry<'_, D> {
    type Parents<'b>
        = D::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    fn get<P: Into<Prop>>(&self, obj: &ObjId, prop: P) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        let prop = prop.into();
        if obj == self.obj
            && prop == self.prop
            && let Some(read) = self.read.take()
        {
            return Ok(Some(read));
        }
        self.doc.get(obj, prop)
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        self.doc.object_type(obj)
    }

    fn map_range<'b, O, R>(&'b self, obj: O, range: R) -> MapRange<'b>
    where
        R: RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
    {
        self.doc.map_range(obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(&self, obj: O, range: R) -> ListRange<'_> {
        self.doc.list_range(obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        self.doc.length(obj)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        self.doc.text(obj)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        self.doc.parents(obj)
    }

    fn is_empty(&self) -> bool {
        self.doc.is_empty()
    }
}

/// Implements `Hydrate` for a struct with named fields, reading its map in
/// one pass. `field = expr` gives the value of a missing key; `field: list`
/// and `field: map` read a `Vec` or a `BTreeMap<String, _>` in one pass
/// too.
macro_rules! hydrate_struct {
    ($ty:ident { $( $field:ident $(: $how:ident)? $(= $missing:expr)? ),* $(,)? }) => {
        impl autosurgeon::Hydrate for $ty {
            fn hydrate_map<D: autosurgeon::ReadDoc>(
                doc: &D,
                obj: &automerge::ObjId,
            ) -> Result<Self, autosurgeon::HydrateError> {
                $( let mut $field = None; )*
                for item in doc.map_range(obj, ..) {
                    match item.key.as_ref() {
                        $( stringify!($field) => {
                            let prop = automerge::Prop::Map(stringify!($field).into());
                            $field = Some($crate::model::hydrate::hydrate_struct!(
                                @read $($how)? doc, obj, prop, item.value.clone(), item.id()
                            )?);
                        } )*
                        _ => {}
                    }
                }
                Ok($ty { $( $field: match $field {
                    Some(v) => v,
                    None => $crate::model::hydrate::hydrate_struct!(@missing doc, obj, $field $($missing)?),
                }, )* })
            }
        }
    };
    (@read list $doc:ident, $obj:ident, $prop:expr, $value:expr, $id:expr) => {
        $crate::model::hydrate::object($doc, $obj, $prop, $value, $id, automerge::ObjType::List, $crate::model::hydrate::list)
    };
    (@read map $doc:ident, $obj:ident, $prop:expr, $value:expr, $id:expr) => {
        $crate::model::hydrate::object($doc, $obj, $prop, $value, $id, automerge::ObjType::Map, $crate::model::hydrate::map)
    };
    (@read $doc:ident, $obj:ident, $prop:expr, $value:expr, $id:expr) => {
        $crate::model::hydrate::Entry::hydrate($doc, $obj, $prop, $value, $id)
    };
    (@missing $doc:ident, $obj:ident, $field:ident $e:expr) => { $e };
    // Missing: whatever the type's own `hydrate` says of a missing key.
    (@missing $doc:ident, $obj:ident, $field:ident) => {
        autosurgeon::Hydrate::hydrate($doc, $obj, stringify!($field).into())?
    };
}
pub(crate) use hydrate_struct;

#[cfg(test)]
mod tests {
    use automerge::{AutoCommit, ROOT, transaction::Transactable};
    use autosurgeon::{hydrate, reconcile};
    use serde_json::json;

    use crate::model::{Case, Patrol};

    fn case() -> Case {
        let photo = |h: &str, lat: Option<f64>| {
            json!({"hash": h, "original_sha256": "o", "thumb": "t", "role": "after", "width": 2048, "height": 1536,
                   "bytes": 400000, "captured_at": lat.map(|_| 7), "gps_lat": lat, "gps_lon": lat, "added_by": "u",
                   "added_at": 9})
        };
        let event = |id: &str, kind: &str, dept: Option<&str>| {
            json!({"id": id, "kind": kind, "actor": "u", "role": "grid_worker", "at": 3, "after": ["e0", "e1"],
                   "note": "处理", "photos": ["p1"], "department": dept})
        };
        serde_json::from_value(json!({
            "schema": 1, "id": "c1", "grid": "QS01-G01", "category": "E0201", "title": "小广告", "description": "d",
            "location": {"lat": 30.27, "lon": null, "accuracy_m": 5.5, "source": "gps", "street": "柳荫路",
                         "address": "12 号"},
            "severity": "urgent", "reporter": "u", "created_at": -5,
            "photos": {"p1": photo("p1", Some(30.1)), "p2": photo("p2", None)},
            "links": {"patrol": null, "related": ["c0", "c9"]},
            "events": {"e1": event("e1", "reported", None), "e2": event("e2", "dispatched", Some("D-CG"))},
        }))
        .unwrap()
    }

    #[test]
    fn a_case_reads_back_as_written_and_after_a_reload() {
        let case = case();
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, &case).unwrap();
        assert_eq!(hydrate::<_, Case>(&doc).unwrap(), case);
        let reloaded = AutoCommit::load(&doc.save()).unwrap();
        assert_eq!(hydrate::<_, Case>(&reloaded).unwrap(), case);
    }

    #[test]
    fn missing_and_mistyped_keys_follow_each_types_rules() {
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, case()).unwrap();
        doc.put(ROOT, "unknown", "ignored").unwrap();
        assert_eq!(hydrate::<_, Case>(&doc).unwrap(), case());
        // A missing required field, a missing `Option` (null is required, as
        // autosurgeon's derive has it) and a wrong type are refused.
        for (key, path) in [("title", None), ("lat", Some("location")), ("created_at", None)] {
            let mut broken = doc.fork();
            let obj = match path {
                Some(p) => automerge::ReadDoc::get(&broken, ROOT, p).unwrap().unwrap().1,
                None => ROOT,
            };
            broken.delete(&obj, key).unwrap();
            assert!(hydrate::<_, Case>(&broken).is_err(), "{key} missing");
        }
        let mut wrong = doc.fork();
        wrong.put(ROOT, "created_at", "yesterday").unwrap();
        assert!(hydrate::<_, Case>(&wrong).is_err());
        let mut wrong = doc.fork();
        wrong.put(ROOT, "events", 5).unwrap();
        assert!(hydrate::<_, Case>(&wrong).is_err());
    }

    #[test]
    fn a_patrol_reads_its_track_and_defaults_what_older_documents_lack() {
        let patrol: Patrol = serde_json::from_value(json!({
            "schema": 1, "id": "p1", "kind": "night", "grid": "QS01-G01", "team": ["u1", "u2"], "team_code": "123456",
            "lead": "p0", "started_by": "u1", "started_at": 1, "ended_at": null, "closed_at": 8,
            "track": (0..300).map(|i| json!({"at": i, "lat": 30.0 + i as f64 * 1e-5, "lon": 120.0,
                                             "accuracy_m": if i % 2 == 0 { Some(4.0) } else { None }}))
                             .collect::<Vec<_>>(),
            "streets": {"柳荫路": {"checked_at": 5, "by": "u1", "note": ""}},
            "cases": {"c1": 6}, "note": "正常",
        }))
        .unwrap();
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, &patrol).unwrap();
        assert_eq!(hydrate::<_, Patrol>(&doc).unwrap(), patrol);
        for key in ["team_code", "lead", "closed_at"] {
            doc.delete(ROOT, key).unwrap();
        }
        let old = hydrate::<_, Patrol>(&doc).unwrap();
        assert_eq!((old.team_code.as_str(), old.lead, old.closed_at), ("", None, None));
        assert_eq!(old.track, patrol.track);
    }
}
