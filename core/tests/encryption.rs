//! Encrypted at rest: with the key in a vault outside the data folder, a
//! case's title and a photo's bytes appear in no file of the folder (the
//! same data in a plain store does — the check can fail). A wrong key opens
//! nothing; a plain database from an older app is encrypted in place.

mod common;

use gridpatrol_core::clock::Clock;
use gridpatrol_core::demo;
use gridpatrol_core::model::{Location, PhotoRole, Role, Severity};
use gridpatrol_core::store::vault::{FileVault, KeyVault};
use gridpatrol_core::store::{Actor, DeviceStore, NewCase, PhotoPick};

const TITLE: &str = "机密标题：柳荫路12号后院违建";

fn worker() -> Actor {
    let u = demo::reference().users.into_iter().find(|u| u.role == Role::GridWorker).unwrap();
    Actor { user_id: u.id, role: Role::GridWorker }
}

/// Records a case with a real photo; returns the stored photo's bytes.
fn record(store: &mut DeviceStore) -> Vec<u8> {
    store.set_reference(demo::reference()).unwrap();
    let staged = store.stage_photo(&common::photo("gps_DSCN0010.jpg")).unwrap();
    let new = NewCase {
        grid: "QS01-G01".into(),
        category: "E0101".into(),
        title: TITLE.into(),
        description: "只有加密后才能放心带走的描述".into(),
        location: Location::default(),
        severity: Severity::High,
        photos: vec![PhotoPick { hash: staged.hash.clone(), role: PhotoRole::Before }],
        patrol: None,
        handled_on_spot: false,
        history: vec![],
        at: None,
        related: vec![],
        linked_photos: vec![],
    };
    store.create_case(&worker(), new).unwrap();
    store.blob(&staged.hash).unwrap().unwrap()
}

/// Whether any file under `dir` contains `needle`.
fn found_in(dir: &std::path::Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            return found_in(&p, needle);
        }
        let bytes = std::fs::read(&p).unwrap();
        bytes.windows(needle.len()).any(|w| w == needle)
    })
}

#[test]
fn nothing_readable_in_the_data_folder() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let vault = FileVault(keys.path().join("device.key"));
    let key = vault.key().unwrap();
    let path = data.path().join("device.sqlite");
    let photo = {
        let mut store = DeviceStore::open_encrypted(&path, &key, Clock::system()).unwrap();
        record(&mut store)
    };
    // A distinctive window of the stored JPEG (past its generic header).
    let sample = &photo[photo.len() / 2..photo.len() / 2 + 64];
    assert!(!found_in(data.path(), TITLE.as_bytes()), "the title is readable in the data folder");
    assert!(!found_in(data.path(), sample), "the photo's bytes are readable in the data folder");
    assert!(
        !found_in(data.path(), hex::encode(key).as_bytes()) && !found_in(data.path(), &key),
        "the key is in the data folder"
    );
    // The same key opens it again; another key opens nothing.
    let store = DeviceStore::open_encrypted(&path, &key, Clock::system()).unwrap();
    assert_eq!(store.list_cases(&Default::default(), 0).unwrap().items[0].title, TITLE);
    drop(store);
    assert_eq!(vault.key().unwrap(), key, "the vault gives the same key");
    let wrong = [7u8; 32];
    assert!(DeviceStore::open_encrypted(&path, &wrong, Clock::system()).is_err());

    // The control: a plain store holds both in the clear.
    let plain = tempfile::tempdir().unwrap();
    let photo = record(&mut DeviceStore::open(&plain.path().join("device.sqlite")).unwrap());
    assert!(found_in(plain.path(), TITLE.as_bytes()));
    assert!(found_in(plain.path(), &photo[photo.len() / 2..photo.len() / 2 + 64]));
}

#[test]
fn a_plain_database_is_encrypted_in_place() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("device.sqlite");
    record(&mut DeviceStore::open(&path).unwrap());
    let key = gridpatrol_core::store::vault::new_key();
    let store = DeviceStore::open_encrypted(&path, &key, Clock::system()).unwrap();
    assert_eq!(store.list_cases(&Default::default(), 0).unwrap().total, 1, "nothing was lost");
    drop(store);
    assert!(!found_in(data.path(), TITLE.as_bytes()));
    assert!(DeviceStore::open(&path).and_then(|s| s.list_cases(&Default::default(), 0)).is_err(), "no longer plain");
}
