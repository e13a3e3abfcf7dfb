//! Credentials on a real server, both backends: tokens expire and renew,
//! logout and password changes revoke, an admin's revocation survives a new
//! login, a login never takes over another user's device, and a one-time
//! password must be replaced at first login.

use gridpatrol_core::sync::wire::{PasswordChange, TokenResponse};
use gridpatrol_server::service::admin::InitialPasswords;
use gridpatrol_server::service::audit::Actor;
use gridpatrol_tests::api::Api;
use gridpatrol_tests::{Backend, TestDevice, TestServer};

async fn sync_code(api: &Api, token: &str) -> (u16, String) {
    let req = gridpatrol_core::sync::wire::SyncRequest {
        version: gridpatrol_core::sync::wire::PROTOCOL_VERSION,
        ..Default::default()
    };
    let a = api.post_cbor("/sync", Some(token), gridpatrol_core::sync::wire::encode(&req)).await;
    (a.status, a.code)
}

async fn post(api: &Api, path: &str, token: &str, body: Option<serde_json::Value>) -> gridpatrol_tests::api::Answer {
    let mut rb = api.http.post(format!("{}{path}", api.url)).bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    api.send(rb).await
}

async fn tokens(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = Api::new(&server.url);
    let a = TestDevice::login(&server, "worker1").await;
    assert_eq!(sync_code(&api, &a.session.token).await.0, 200);

    // Renewal: a new token works, the old one is dead.
    let r = post(&api, "/token", &a.session.token, None).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let renewed: TokenResponse = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(sync_code(&api, &a.session.token).await, (401, "invalid_token".into()));
    assert_eq!(sync_code(&api, &renewed.token).await.0, 200);

    // Logout revokes on the server.
    assert_eq!(post(&api, "/logout", &renewed.token, None).await.status, 204);
    assert_eq!(sync_code(&api, &renewed.token).await, (401, "invalid_token".into()));

    // A token unused past its life is dead (the clock moved on).
    let b = TestDevice::login(&server, "worker2").await;
    server.age_tokens(40 * 86_400_000).await;
    assert_eq!(sync_code(&api, &b.session.token).await, (401, "token_expired".into()));

    // A password change ends every login of the user and gives this device a new one.
    let c1 = TestDevice::login(&server, "worker3").await;
    let c2 = TestDevice::login(&server, "worker3").await;
    let body = serde_json::to_value(PasswordChange {
        old_password: "gridpatrol".into(),
        new_password: "新的密码2026".into(),
    })
    .unwrap();
    let r = post(&api, "/password", &c1.session.token, Some(body)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let fresh: TokenResponse = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(sync_code(&api, &c1.session.token).await.1, "invalid_token");
    assert_eq!(sync_code(&api, &c2.session.token).await.1, "invalid_token", "the other phone's login ended too");
    assert_eq!(sync_code(&api, &fresh.token).await.0, 200);
    let weak =
        serde_json::to_value(PasswordChange { old_password: "新的密码2026".into(), new_password: "short".into() })
            .unwrap();
    assert_eq!(post(&api, "/password", &fresh.token, Some(weak)).await.code, "weak_password");
    let wrong =
        serde_json::to_value(PasswordChange { old_password: "guess".into(), new_password: "another-pass".into() })
            .unwrap();
    assert_eq!(post(&api, "/password", &fresh.token, Some(wrong)).await.code, "wrong_credentials");

    // An admin's revocation survives logging in again on that device.
    let victim = TestDevice::login(&server, "worker4").await;
    let device = victim.store().device_id().to_owned();
    server.service().revoke_device(&Actor::cli(), &device).await.unwrap();
    let again = api.login(&Api::login_body("worker4", "gridpatrol", &device)).await;
    assert_eq!((again.status, again.code.as_str()), (401, "device_revoked"));
    assert_eq!(sync_code(&api, &victim.session.token).await.1, "device_revoked");

    // Another user logging in with someone's device id takes nothing over:
    // both logins work, each in its own name.
    let owner = TestDevice::login(&server, "worker5").await;
    let owners_device = owner.store().device_id().to_owned();
    let intruder = api.login(&Api::login_body("worker6", "gridpatrol", &owners_device)).await;
    assert_eq!(intruder.status, 200);
    assert_eq!(sync_code(&api, &owner.session.token).await.0, 200, "the owner's login still works");
    let d = server.service().storage().device(&owners_device).await.unwrap().unwrap();
    assert_eq!(d.first_user, "u-worker5", "the device is still recorded as the owner's");

    // Disabling a user ends their logins; enabling does not revive them.
    let cli = Actor::cli();
    server.service().set_disabled(&cli, "worker5", true).await.unwrap();
    assert_eq!(sync_code(&api, &owner.session.token).await.1, "user_disabled");
    server.service().set_disabled(&cli, "worker5", false).await.unwrap();
    assert_eq!(sync_code(&api, &owner.session.token).await.1, "invalid_token");

    // Every one of these is in the audit, with the server's time.
    let audit = server.audit().await;
    for action in [
        "login",
        "token_renewed",
        "logout",
        "password_changed",
        "admin:revoke_device",
        "admin:disable",
        "refused:wrong_credentials",
    ] {
        assert!(audit.iter().any(|a| a.action == action), "no {action} in the audit");
    }
    assert!(audit.iter().all(|a| a.at > 1_700_000_000_000));
}

async fn one_time_passwords(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = Api::new(&server.url);
    let mut reference = gridpatrol_core::demo::reference();
    let mut new_user = reference.users[0].clone();
    new_user.id = "u-newcomer".into();
    new_user.username = "newcomer".into();
    reference.users.push(new_user);
    let (_, created) = server.service().import(&Actor::cli(), &reference, &InitialPasswords::OneTime).await.unwrap();
    assert_eq!(created.len(), 1, "only the new user gets a password: {created:?}");
    let (name, password) = &created[0];
    assert_eq!(name, "newcomer");
    assert_ne!(password, gridpatrol_core::demo::DEMO_PASSWORD);
    let device = uuid::Uuid::new_v4().to_string();
    let first = api.login(&Api::login_body("newcomer", password, &device)).await;
    assert_eq!((first.status, first.code.as_str()), (403, "password_change_required"));
    assert!(server.service().storage().tokens_of_device(&device).await.unwrap().is_empty(), "no token yet");
    let mut body = Api::login_body("newcomer", password, &device);
    body["new_password"] = "我自己的新密码88".into();
    let changed = api.login(&body).await;
    assert_eq!(changed.status, 200, "{}", String::from_utf8_lossy(&changed.body));
    let old = api.login(&Api::login_body("newcomer", password, &device)).await;
    assert_eq!(old.code, "wrong_credentials", "the one-time password is spent");
    let own = api.login(&Api::login_body("newcomer", "我自己的新密码88", &device)).await;
    assert_eq!(own.status, 200);
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tokens() {
        super::tokens(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_time_passwords() {
        super::one_time_passwords(Backend::Sqlite).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tokens() {
        super::tokens(Backend::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_time_passwords() {
        super::one_time_passwords(Backend::Postgres).await;
    }
}

/// Two server instances over one PostgreSQL share the login throttle: the
/// guesses counted by one lock the pair out on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_throttle_is_shared_across_instances() {
    let server = TestServer::start_with(Backend::Postgres, |s| s.login_max_failures = 3).await;
    let settings = server.settings.clone();
    let twin = gridpatrol_server::build(&settings).await.unwrap();
    let dev = uuid::Uuid::new_v4().to_string();
    let attempt = |password: &str| gridpatrol_core::sync::wire::LoginRequest {
        username: "worker1".into(),
        password: password.into(),
        device_id: dev.clone(),
        device_name: "x".into(),
        new_password: None,
    };
    for _ in 0..3 {
        assert!(server.service().login(attempt("guess"), "10.1.1.1").await.is_err());
    }
    let err = twin.login(attempt("gridpatrol"), "10.1.1.1").await.unwrap_err();
    assert_eq!(err.code.as_str(), "too_many_attempts", "the other instance knows");
    assert!(twin.login(attempt("gridpatrol"), "10.1.1.2").await.is_ok(), "another address is not locked");
}
