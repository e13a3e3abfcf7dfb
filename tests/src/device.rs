//! Real devices for tests: a device store in its own folder, logged in to a
//! test server through the real HTTP client.

use std::sync::{Arc, Mutex, MutexGuard};

use gridpatrol_core::model::{Location, LocationSource, Role, Severity};
use gridpatrol_core::store::{Actor, DeviceStore, NewCase, PhotoPick};
use gridpatrol_core::sync::SyncReport;
use gridpatrol_core::sync::client::{RetryPolicy, SharedStore, SyncClient, SyncOptions, Trust};
use gridpatrol_core::sync::session::Session;

use crate::server::TestServer;

/// A logged-in device.
#[derive(Debug)]
pub struct TestDevice {
    pub dir: tempfile::TempDir,
    pub store: SharedStore,
    pub client: SyncClient,
    pub session: Session,
}

/// The first demo user with this role.
pub fn demo_user(role: Role) -> gridpatrol_core::model::User {
    gridpatrol_core::demo::reference().users.into_iter().find(|u| u.role == role).expect("demo has every role")
}

impl TestDevice {
    /// A fresh device logged in as `username` (demo password).
    pub async fn login(server: &TestServer, username: &str) -> TestDevice {
        Self::login_at(&server.url, username).await
    }

    /// A fresh device logged in to the server at `url`.
    pub async fn login_at(url: &str, username: &str) -> TestDevice {
        Self::login_trusting(url, username, Trust::default()).await
    }

    /// A fresh device logged in to the server at `url`, trusting it as
    /// `trust` says (e.g. a pinned certificate fingerprint).
    pub async fn login_trusting(url: &str, username: &str, trust: Trust) -> TestDevice {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = DeviceStore::open(&dir.path().join("device.sqlite")).expect("device store opens");
        let store = Arc::new(Mutex::new(store));
        let client = SyncClient::with_trust(url, trust).expect("client");
        let session = client
            .login(&store, username, gridpatrol_core::demo::DEMO_PASSWORD, "test device")
            .await
            .unwrap_or_else(|e| panic!("login as {username}: {e}"));
        let client = SyncClient::for_session(&session).expect("client").with_retry(RetryPolicy {
            attempts: 8,
            first_delay: std::time::Duration::from_millis(50),
            max_delay: std::time::Duration::from_millis(500),
        });
        TestDevice { dir, store, client, session }
    }

    /// Locks the device store.
    pub fn store(&self) -> MutexGuard<'_, DeviceStore> {
        self.store.lock().unwrap()
    }

    /// The logged-in user as an actor.
    pub fn actor(&self) -> Actor {
        self.session.actor()
    }

    /// The first grid in this user's scope.
    pub fn grid(&self) -> String {
        match self.store().reference().unwrap().scope_of(&self.session.user.id) {
            gridpatrol_core::model::Scope::Grids { grids } => grids.into_iter().next().expect("a grid"),
            other => panic!("{other:?} has no grid"),
        }
    }

    /// Syncs with thumbnails only.
    pub async fn sync(&self) -> SyncReport {
        self.client.sync(&self.store, SyncOptions::default(), &|_| {}).await.expect("sync succeeds")
    }

    /// Syncs and downloads full-size photos too.
    pub async fn sync_full(&self) -> SyncReport {
        self.client.sync(&self.store, SyncOptions { full_photos: true }, &|_| {}).await.expect("sync succeeds")
    }

    /// Reports a case in this user's first grid with the given photos.
    pub fn report(&self, title: &str, photos: &[&[u8]]) -> String {
        let store = self.store();
        let picks: Vec<PhotoPick> = photos
            .iter()
            .map(|p| PhotoPick { hash: store.stage_photo(p).expect("photo ingests").hash, role: Default::default() })
            .collect();
        drop(store);
        let new = NewCase {
            grid: self.grid(),
            category: "E0201".into(),
            title: title.into(),
            description: format!("{title}：电线杆上的小广告"),
            location: Location {
                lat: Some(30.27),
                lon: Some(120.16),
                accuracy_m: Some(6.0),
                source: LocationSource::Gps,
                street: None,
                address: "柳荫路".into(),
            },
            severity: Severity::Normal,
            photos: picks,
            patrol: None,
            handled_on_spot: false,
            history: vec![],
            at: None,
            related: vec![],
            linked_photos: vec![],
        };
        let actor = self.actor();
        self.store().create_case(&actor, new).expect("case saved").case.id
    }
}

/// A plausible new case in `grid`, without photos.
pub fn sample_case(grid: &str) -> NewCase {
    NewCase {
        grid: grid.into(),
        category: "E0505".into(),
        title: String::new(),
        description: "绿化带上停了一辆车".into(),
        location: Location {
            lat: Some(30.271),
            lon: Some(120.161),
            accuracy_m: Some(10.0),
            source: LocationSource::Gps,
            street: None,
            address: "柳荫路口".into(),
        },
        severity: Severity::Normal,
        photos: vec![],
        patrol: None,
        handled_on_spot: false,
        history: vec![],
        at: None,
        related: vec![],
        linked_photos: vec![],
    }
}

impl TestDevice {
    /// Gives up after `attempts` tries per request (1: no retries).
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.client = self.client.clone().with_retry(RetryPolicy {
            attempts,
            first_delay: std::time::Duration::from_millis(20),
            max_delay: std::time::Duration::from_millis(200),
        });
        self
    }

    /// Uploads photos in chunks of `n` bytes.
    pub fn with_chunk_bytes(mut self, n: usize) -> Self {
        self.client = self.client.clone().with_chunk_bytes(n);
        self
    }

    /// Syncs and returns the error instead of panicking.
    pub async fn try_sync(&self) -> Result<SyncReport, gridpatrol_core::sync::client::ClientError> {
        self.client.sync(&self.store, SyncOptions::default(), &|_| {}).await
    }
}
