//! Loaded documents kept in memory, so that opening a case twice, or
//! writing to it right after reading it, does not parse and inflate it from
//! SQLite again. An entry is used only while its heads are the heads the
//! database holds, so a write that rolled back (or any write this cache did
//! not see) simply makes it miss.

use std::cell::RefCell;
use std::num::NonZeroUsize;

use automerge::{ActorId, AutoCommit};
use lru::LruCache;

use super::docs::encode_heads;

/// Documents the cache holds at most.
const CAPACITY: usize = 128;

/// A small LRU of loaded documents with the heads they were loaded at.
#[derive(Debug)]
pub struct DocCache(RefCell<LruCache<String, (Vec<u8>, AutoCommit)>>);

impl Default for DocCache {
    fn default() -> Self {
        DocCache(RefCell::new(LruCache::new(NonZeroUsize::new(CAPACITY).expect("non-zero"))))
    }
}

impl DocCache {
    /// The document, if cached at exactly `heads` (as stored).
    pub fn get(&self, id: &str, heads: &[u8], actor: &ActorId) -> Option<AutoCommit> {
        let mut lru = self.0.borrow_mut();
        match lru.get(id) {
            Some((h, doc)) if h == heads => Some(doc.clone().with_actor(actor.clone())),
            _ => None,
        }
    }

    /// Remembers a document as just written or loaded.
    pub fn put(&self, id: &str, doc: &mut AutoCommit) {
        let heads = encode_heads(&doc.get_heads());
        self.0.borrow_mut().put(id.to_owned(), (heads, doc.clone()));
    }
}
