//! Device store.
