//! Administration from the app against a real server, both backends: every
//! admin operation through the client, each refused to a non-admin with
//! `admin_only` and nothing changed but the audit line; changes audited as
//! `admin:<action>`; reference changes (a user, a local category, GIS
//! layers, rating rules) reach a worker's device at its next sync — the new
//! category is offered there and a case of it is accepted by the server.

use std::sync::{Arc, Mutex};

use gridpatrol_core::kpi::{Comparison, Measure, RatingRule, RatingRules};
use gridpatrol_core::model::{Category, Role};
use gridpatrol_core::store::DeviceStore;
use gridpatrol_core::sync::client::{ClientError, SyncClient};
use gridpatrol_core::sync::office_wire::{AuditQuery, NewUser};
use gridpatrol_server::storage::StateDigest;
use gridpatrol_tests::device::sample_case;
use gridpatrol_tests::{Backend, TestDevice, TestServer};
use serde_json::json;

async fn digest(server: &TestServer) -> StateDigest {
    StateDigest { audit: 0, ..server.service().storage().digest().await.unwrap() }
}

async fn version(server: &TestServer) -> u64 {
    server.service().storage().reference().await.unwrap().unwrap().0
}

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> String {
    r.expect_err("refused").code().to_owned()
}

/// A free local code in the major class of `E0505` (街面秩序).
fn local_category(server_categories: &gridpatrol_core::model::CategoryDictionary) -> Category {
    let code =
        (1..100).map(|n| format!("05{n:02}")).find(|c| server_categories.get(&format!("E{c}")).is_none()).unwrap();
    let mut c = server_categories.get("E0505").unwrap().clone();
    c.id = format!("E{code}");
    c.code = code;
    c.name = "共享单车乱停放".into();
    c.lookback_days = 2;
    c.local = true;
    c
}

fn collection(features: serde_json::Value) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// A new grid under 柳荫社区 with one street.
fn layers() -> (String, String) {
    let (lon, lat, d) = (120.1700, 30.2700, 0.003);
    let grids = collection(json!([{"type": "Feature",
        "properties": {"id": "QS01-G09", "name": "柳荫社区第九网格", "parent": "QS01", "kind": "urban"},
        "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]}}]));
    let streets = collection(json!([{"type": "Feature", "properties": {"name": "新柳路", "grid": "QS01-G09"},
        "geometry": {"type": "LineString", "coordinates": [[lon + 0.0005, lat + 0.001], [lon + 0.0025, lat + 0.001]]}}]));
    (grids, streets)
}

async fn refusals_to_a_non_admin(server: &TestServer, worker: &SyncClient, own_device: &str) {
    let before = digest(server).await;
    let audit_before = server.audit().await.len();
    let new = NewUser { username: "sneaky".into(), name: "某人".into(), role: Role::Admin, units: vec!["QS".into()] };
    let category = local_category(&server.service().reference().await.unwrap().1.categories);
    let (grids, streets) = layers();
    let codes = vec![
        code(worker.admin_users().await),
        code(worker.admin_user_add(&new).await),
        code(worker.admin_user_set_disabled("worker2", true).await),
        code(worker.admin_user_reset_password("worker2").await),
        code(worker.admin_devices().await),
        code(worker.admin_device_revoke(own_device).await),
        code(worker.admin_categories().await),
        code(worker.admin_category_add(&category).await),
        code(worker.admin_org_import(Some(grids), Some(streets), false).await),
        code(worker.admin_rating_rules().await),
        code(worker.admin_rating_rules_set(&RatingRules { min_sample: 1, ..Default::default() }).await),
        code(worker.admin_audit(&AuditQuery { limit: 50, ..Default::default() }).await),
    ];
    assert!(codes.iter().all(|c| c == "admin_only"), "{codes:?}");
    assert_eq!(digest(server).await, before, "a refused admin request changed something");
    let audit = server.audit().await;
    let added: Vec<&str> = audit[..audit.len() - audit_before].iter().map(|a| a.action.as_str()).collect();
    assert_eq!(added, vec!["refused:admin_only"; codes.len()], "each refusal audited once, nothing else");
}

async fn administration(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = TestDevice::login(&server, "admin").await;
    let worker = TestDevice::login(&server, "worker1").await;
    let worker4 = TestDevice::login(&server, "worker4").await;
    let worker_device = worker.store().device_id().to_owned();
    refusals_to_a_non_admin(&server, &worker.client, &worker_device).await;
    let a = &admin.client;

    // Users: the list, a new user with a one-time password, refusals.
    let users = a.admin_users().await.unwrap();
    let w1 = users.iter().find(|u| u.username == "worker1").unwrap();
    assert_eq!((w1.role, w1.devices, w1.disabled, w1.must_change), (Role::GridWorker, 1, false, false));
    assert!(w1.last_seen_at.is_some());
    assert_eq!(users.iter().find(|u| u.username == "worker9").unwrap().last_seen_at, None);
    let v0 = version(&server).await;
    let new = NewUser {
        username: "newbie".into(),
        name: "新同事".into(),
        role: Role::GridWorker,
        units: vec!["QS01-G01".into()],
    };
    let otp = a.admin_user_add(&new).await.unwrap();
    assert_eq!((otp.user.id.as_str(), otp.user.must_change, otp.user.devices), ("u-newbie", true, 0));
    assert!(otp.password.len() >= 12);
    assert_eq!(version(&server).await, v0 + 1, "the reference version bumps");
    assert_eq!(code(a.admin_user_add(&new).await), "already_exists");
    let wrong = NewUser { username: "other".into(), units: vec!["QS01".into()], ..new.clone() };
    let e = a.admin_user_add(&wrong).await.unwrap_err();
    assert_eq!(e.code(), "invalid");
    assert!(e.to_string().contains("QS01"), "the message says what was wrong: {e}");
    let store = Arc::new(Mutex::new(DeviceStore::open(&admin.dir.path().join("newbie.sqlite")).unwrap()));
    let fresh = SyncClient::new(&server.url).unwrap();
    assert_eq!(code(fresh.login(&store, "newbie", &otp.password, "phone").await), "password_change_required");
    fresh.login_with(&store, "newbie", &otp.password, Some("我的新密码2026"), "phone").await.unwrap();

    // Disable and enable, a one-time password reset; never oneself.
    let w2 = TestDevice::login(&server, "worker2").await;
    assert!(a.admin_user_set_disabled("worker2", true).await.unwrap().disabled);
    assert_eq!(w2.try_sync().await.unwrap_err().code(), "user_disabled");
    assert!(!a.admin_user_set_disabled("worker2", false).await.unwrap().disabled);
    assert_eq!(code(a.admin_user_set_disabled("admin", true).await), "invalid");
    assert_eq!(code(a.admin_user_set_disabled("nobody", true).await), "not_found");
    let w3 = TestDevice::login(&server, "worker3").await;
    let reset = a.admin_user_reset_password("worker3").await.unwrap();
    assert!(reset.user.must_change && reset.password.len() >= 12);
    assert_eq!(w3.try_sync().await.unwrap_err().code(), "invalid_token", "a reset ends the user's logins");
    assert_eq!(code(a.admin_user_reset_password("nobody").await), "not_found");

    // A local category: the dictionary's version bumps and a worker's
    // device offers it after its next sync; the server accepts a case of it.
    let dict = a.admin_categories().await.unwrap();
    let category = local_category(&dict);
    let after = a.admin_category_add(&Category { local: false, ..category.clone() }).await.unwrap();
    assert_eq!(after.version, dict.version + 1);
    assert!(after.get(&category.id).is_some_and(|c| c.local), "stored as a local extension");
    assert_eq!(code(a.admin_category_add(&category).await), "already_exists");
    let bad = Category { lookback_days: 0, ..local_category(&after) };
    assert_eq!(code(a.admin_category_add(&bad).await), "invalid");
    assert!(worker4.store().reference().unwrap().category(&category.id).is_none());
    worker4.sync().await;
    let offered = worker4.store().reference().unwrap().category(&category.id).cloned();
    assert_eq!(offered.map(|c| c.name), Some("共享单车乱停放".to_string()));
    let mut case = sample_case(&worker4.grid());
    case.category = category.id.clone();
    let id = worker4.store().create_case(&worker4.actor(), case).unwrap().case.id;
    let report = worker4.sync().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(server.service().storage().doc_metas(&[id]).await.unwrap().len() == 1, "the case reached the server");

    // GIS layers: a dry run stores nothing; the import adds the grid.
    let (grids, streets) = layers();
    let v1 = version(&server).await;
    let preview = a.admin_org_import(Some(grids.clone()), Some(streets.clone()), true).await.unwrap();
    assert_eq!((preview.grids_added.clone(), preview.street_lines), (vec!["QS01-G09".to_string()], 1));
    assert_eq!(version(&server).await, v1, "a dry run stores nothing");
    assert_eq!(a.admin_org_import(Some(grids), Some(streets), false).await.unwrap(), preview);
    assert_eq!(version(&server).await, v1 + 1);
    let broken =
        collection(json!([{"type": "Feature", "properties": {"id": "QS01-G10", "name": "x", "parent": "QS09"},
        "geometry": {"type": "Point", "coordinates": [120.0, 30.0]}}]));
    let e = a.admin_org_import(Some(broken), None, false).await.unwrap_err();
    assert_eq!(e.code(), "invalid");
    assert!(e.to_string().contains("grids feature"), "{e}");
    assert_eq!(code(a.admin_org_import(None, None, false).await), "invalid");

    // Rating rules: checked, stored, on the leader's device after a sync.
    assert_eq!(a.admin_rating_rules().await.unwrap(), RatingRules::default());
    let mut rules = RatingRules::default();
    rules.yellow.push(RatingRule { measure: Measure::SelfHandledRate, comparison: Comparison::Below, threshold: 30.0 });
    rules.min_sample = 3;
    assert_eq!(a.admin_rating_rules_set(&rules).await.unwrap(), rules);
    let mut wrong_rules = rules.clone();
    wrong_rules.red[0].threshold = 160.0;
    assert_eq!(code(a.admin_rating_rules_set(&wrong_rules).await), "invalid");
    assert_eq!(a.admin_rating_rules().await.unwrap(), rules);
    let leader = TestDevice::login(&server, "leader1").await;
    assert_eq!(leader.store().reference().unwrap().rating_rules, rules);
    worker.sync().await;
    let g09 = worker.store().reference().unwrap().grid("QS01-G09").map(|g| g.streets.clone());
    assert_eq!(g09, Some(vec!["新柳路".to_string()]), "the imported grid reached the worker's device");

    // Devices: the list, revoking one (never one's own).
    let devices = a.admin_devices().await.unwrap();
    let d = devices.iter().find(|d| d.id == worker_device).unwrap();
    assert_eq!((d.last_user.as_deref(), d.revoked_at), (Some("u-worker1"), None));
    assert!(d.last_used_at.is_some());
    let revoked = a.admin_device_revoke(&worker_device).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(worker.try_sync().await.unwrap_err().code(), "device_revoked");
    let own_device = admin.store().device_id().to_owned();
    assert_eq!(code(a.admin_device_revoke(&own_device).await), "invalid");
    assert_eq!(code(a.admin_device_revoke("no-such-device").await), "not_found");

    // The audit log, newest first, in pages.
    let mut actions = Vec::new();
    let mut offset = 0;
    loop {
        let q = AuditQuery { action_prefix: Some("admin:".into()), limit: 3, offset, ..Default::default() };
        let page = a.admin_audit(&q).await.unwrap();
        assert!(page.items.len() <= 3);
        assert!(page.items.iter().all(|e| e.user_id == "u-admin" || e.user_id == "cli"));
        actions.extend(page.items.into_iter().map(|e| e.action));
        offset += 3;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(actions.first().map(String::as_str), Some("admin:revoke_device"), "newest first");
    for action in ["user_add", "disable", "enable", "password", "category_add", "org_import", "rating_rules", "import"]
    {
        assert!(actions.contains(&format!("admin:{action}")), "no admin:{action} in {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| *a == "admin:org_import").count(), 1, "the dry run is not an import");
    for limit in [0, 501] {
        assert_eq!(code(a.admin_audit(&AuditQuery { limit, ..Default::default() }).await), "invalid");
    }
    let mine = AuditQuery {
        user_id: Some("u-worker1".into()),
        action_prefix: Some("refused:".into()),
        limit: 50,
        ..Default::default()
    };
    let page = a.admin_audit(&mine).await.unwrap();
    assert_eq!(page.items.len(), 12, "the twelve refusals of worker1's admin requests");
    assert!(!page.has_more);
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn administration() {
        super::administration(super::Backend::Sqlite).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn administration() {
        super::administration(super::Backend::Postgres).await;
    }
}
