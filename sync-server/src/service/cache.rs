//! Hot documents kept loaded, bounded by bytes (not by how many documents
//! or devices there are), so that a case pushed twice in a row, or by two
//! devices of a night team, is parsed once. An entry is used only while its
//! `seq` is the document's current one in storage, so a commit by another
//! server instance (or one this cache did not see) makes it miss.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use automerge::AutoCommit;
use lru::LruCache;

/// Loaded documents, at most `budget` estimated bytes in all.
#[derive(Debug)]
pub struct DocCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    lru: LruCache<String, Entry>,
    used: usize,
}

#[derive(Debug)]
struct Entry {
    seq: u64,
    cost: usize,
    doc: AutoCommit,
}

/// What a loaded document costs in memory, estimated from its stored size
/// (columnar bytes expand when loaded): measured, a case of 635 stored
/// bytes takes about 21 KiB loaded; this errs on the high side.
fn cost(stored_bytes: usize) -> usize {
    stored_bytes.saturating_mul(24).saturating_add(16 << 10)
}

impl DocCache {
    /// A cache of at most `budget` estimated bytes (0 turns it off).
    pub fn new(budget: usize) -> Self {
        DocCache {
            budget,
            inner: Mutex::new(Inner { lru: LruCache::new(NonZeroUsize::new(1 << 20).expect("non-zero")), used: 0 }),
        }
    }

    /// The document, if cached at exactly `seq`.
    pub fn get(&self, id: &str, seq: u64) -> Option<AutoCommit> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match inner.lru.get(id) {
            Some(e) if e.seq == seq => Some(e.doc.clone()),
            _ => None,
        }
    }

    /// Remembers a document at `seq`, evicting the least recently used
    /// until the budget holds.
    pub fn put(&self, id: &str, seq: u64, stored_bytes: usize, doc: &AutoCommit) {
        let cost = cost(stored_bytes);
        if cost > self.budget / 4 {
            return; // one document never takes more than a quarter
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = inner.lru.pop(id) {
            inner.used -= old.cost;
        }
        while inner.used + cost > self.budget {
            match inner.lru.pop_lru() {
                Some((_, e)) => inner.used -= e.cost,
                None => break,
            }
        }
        inner.used += cost;
        inner.lru.put(id.to_owned(), Entry { seq, cost, doc: doc.clone() });
    }

    /// Estimated bytes held now.
    pub fn used(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).used
    }
}

#[cfg(test)]
mod tests {
    use automerge::ROOT;
    use automerge::transaction::Transactable;

    use super::*;

    #[test]
    fn entries_follow_the_seq_and_the_budget_holds() {
        let cache = DocCache::new(1 << 20);
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "k", "v").unwrap();
        cache.put("a", 3, 1000, &doc);
        assert!(cache.get("a", 3).is_some());
        assert!(cache.get("a", 4).is_none(), "a newer commit elsewhere makes it miss");
        for i in 0..100 {
            cache.put(&format!("d{i}"), 1, 1000, &doc);
            assert!(cache.used() <= 1 << 20);
        }
        assert!(cache.get("a", 3).is_none(), "the oldest went first");
        assert!(cache.get("d99", 1).is_some());
        cache.put("huge", 1, 10 << 20, &doc);
        assert!(cache.get("huge", 1).is_none(), "too big to cache");
    }
}
