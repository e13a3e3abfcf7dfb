//! Every document of a kind, hydrated: the device's copy as input for the
//! KPIs and exports ([`crate::kpi`], [`crate::export`]), which need whole
//! documents rather than index rows.

use super::cases::reindex_case;
use super::patrols::reindex_patrol;
use super::{DeviceStore, StoreError, docs};
use crate::model::{Case, DocKind, Patrol};

impl DeviceStore {
    /// Every case the device holds, by id. A document that cannot be read
    /// is skipped with a warning, so one bad record does not hide the rest.
    pub fn all_cases(&self) -> Result<Vec<Case>, StoreError> {
        self.all_of(DocKind::Case, |doc| Case::from_doc(doc).map_err(Into::into))
    }

    /// Every patrol the device holds, by id (unreadable ones skipped).
    pub fn all_patrols(&self) -> Result<Vec<Patrol>, StoreError> {
        self.all_of(DocKind::Patrol, |doc| Patrol::from_doc(doc).map_err(Into::into))
    }

    /// Rewrites every index row from the documents (after a migration
    /// added columns), in one transaction.
    pub(crate) fn reindex_all(&mut self) -> Result<(), StoreError> {
        let Ok(reference) = self.reference().cloned() else { return Ok(()) };
        let cases = self.all_cases()?;
        let patrols = self.all_patrols()?;
        let now = self.now();
        self.in_transaction(|s| {
            for c in &cases {
                reindex_case(&s.conn, &reference, c)?;
            }
            // Starters before members, so members find their team at once.
            for p in patrols.iter().filter(|p| p.lead.is_none()).chain(patrols.iter().filter(|p| p.lead.is_some())) {
                reindex_patrol(&s.conn, &reference, p, now)?;
            }
            Ok(())
        })?;
        tracing::info!(cases = cases.len(), patrols = patrols.len(), "reindexed the device's documents");
        Ok(())
    }

    fn all_of<T>(
        &self,
        kind: DocKind,
        read: impl Fn(&automerge::AutoCommit) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM docs WHERE kind = ?1 ORDER BY id")?;
        let ids: Vec<String> = stmt.query_map([kind.as_str()], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let loaded = docs::load(&self.conn, &self.cache, &id, &self.actor).and_then(|d| match d {
                Some(doc) => read(&doc).map(Some),
                None => Ok(None),
            });
            match loaded {
                Ok(Some(v)) => out.push(v),
                Ok(None) => {}
                Err(e) => tracing::warn!(id, kind = kind.as_str(), error = %e, "document skipped: cannot be read"),
            }
        }
        Ok(out)
    }
}
