//! Credentials, devices, tokens and the login throttle in PostgreSQL.

use gridpatrol_core::time::Millis;
use tokio_postgres::{Client, Row};

use crate::storage::{Credentials, Device, LoginFailures, StorageError, Token, TokenInfo};

pub(super) async fn credentials(c: &Client, username: &str) -> Result<Option<Credentials>, StorageError> {
    let row = c
        .query_opt(
            "SELECT user_id, username, password_hash, disabled, must_change FROM credentials WHERE username = $1",
            &[&username],
        )
        .await?;
    row.map(|r| {
        Ok(Credentials {
            user_id: r.try_get(0)?,
            username: r.try_get(1)?,
            password_hash: r.try_get(2)?,
            disabled: r.try_get(3)?,
            must_change: r.try_get(4)?,
        })
    })
    .transpose()
}

pub(super) async fn put_credentials(c: &Client, cr: &Credentials) -> Result<(), StorageError> {
    c.execute(
        "INSERT INTO credentials (user_id, username, password_hash, disabled, must_change) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET username = excluded.username, password_hash = excluded.password_hash,
            disabled = excluded.disabled, must_change = excluded.must_change",
        &[&cr.user_id, &cr.username, &cr.password_hash, &cr.disabled, &cr.must_change],
    )
    .await?;
    Ok(())
}

fn device_row(r: &Row) -> Result<Device, StorageError> {
    Ok(Device {
        id: r.try_get(0)?,
        first_user: r.try_get(1)?,
        name: r.try_get(2)?,
        created_at: r.try_get(3)?,
        revoked_at: r.try_get(4)?,
    })
}

const DEVICE_COLUMNS: &str = "id, first_user, name, created_at, revoked_at";

pub(super) async fn device(c: &Client, id: &str) -> Result<Option<Device>, StorageError> {
    let row = c.query_opt(&format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1"), &[&id]).await?;
    row.as_ref().map(device_row).transpose()
}

pub(super) async fn register_device(c: &Client, d: &Device) -> Result<(), StorageError> {
    c.execute(
        "INSERT INTO devices (id, first_user, name, created_at, revoked_at) VALUES ($1, $2, $3, $4, NULL)
         ON CONFLICT (id) DO NOTHING",
        &[&d.id, &d.first_user, &d.name, &d.created_at],
    )
    .await?;
    Ok(())
}

pub(super) async fn devices(c: &Client) -> Result<Vec<Device>, StorageError> {
    let rows = c.query(&format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY created_at"), &[]).await?;
    rows.iter().map(device_row).collect()
}

pub(super) async fn revoke_device(c: &mut Client, id: &str, at: Millis) -> Result<bool, StorageError> {
    let tx = c.transaction().await?;
    let n = tx.execute("UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1", &[&id, &at]).await?;
    tx.execute("UPDATE tokens SET revoked_at = $2 WHERE device_id = $1 AND revoked_at IS NULL", &[&id, &at]).await?;
    tx.commit().await?;
    Ok(n > 0)
}

fn token_row(r: &Row) -> Result<Token, StorageError> {
    Ok(Token {
        hash: r.try_get(0)?,
        device_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        created_at: r.try_get(3)?,
        last_used_at: r.try_get(4)?,
        expires_at: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
    })
}

const TOKEN_COLUMNS: &str = "t.hash, t.device_id, t.user_id, t.created_at, t.last_used_at, t.expires_at, t.revoked_at";

pub(super) async fn add_token(c: &Client, t: &Token) -> Result<(), StorageError> {
    c.execute(
        "INSERT INTO tokens (hash, device_id, user_id, created_at, last_used_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&t.hash, &t.device_id, &t.user_id, &t.created_at, &t.last_used_at, &t.expires_at, &t.revoked_at],
    )
    .await?;
    Ok(())
}

pub(super) async fn token(c: &Client, hash: &str) -> Result<Option<TokenInfo>, StorageError> {
    let row = c
        .query_opt(
            &format!(
                "SELECT {TOKEN_COLUMNS}, d.revoked_at IS NOT NULL, COALESCE(cr.disabled, TRUE)
                 FROM tokens t LEFT JOIN devices d ON d.id = t.device_id
                 LEFT JOIN credentials cr ON cr.user_id = t.user_id WHERE t.hash = $1"
            ),
            &[&hash],
        )
        .await?;
    row.map(|r| {
        Ok(TokenInfo {
            token: token_row(&r)?,
            device_revoked: r.try_get::<_, Option<bool>>(7)?.unwrap_or(false),
            user_disabled: r.try_get(8)?,
        })
    })
    .transpose()
}

pub(super) async fn touch_token(c: &Client, hash: &str, now: Millis, expires_at: Millis) -> Result<(), StorageError> {
    c.execute(
        "UPDATE tokens SET last_used_at = $2, expires_at = GREATEST(expires_at, $3) WHERE hash = $1",
        &[&hash, &now, &expires_at],
    )
    .await?;
    Ok(())
}

pub(super) async fn revoke_token(c: &Client, hash: &str, at: Millis) -> Result<bool, StorageError> {
    Ok(c.execute("UPDATE tokens SET revoked_at = $2 WHERE hash = $1 AND revoked_at IS NULL", &[&hash, &at]).await? > 0)
}

pub(super) async fn revoke_user_tokens(c: &Client, user_id: &str, at: Millis) -> Result<u64, StorageError> {
    Ok(c.execute("UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", &[&user_id, &at])
        .await?)
}

pub(super) async fn tokens_of_device(c: &Client, device_id: &str) -> Result<Vec<Token>, StorageError> {
    let rows = c
        .query(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.device_id = $1 ORDER BY t.created_at"),
            &[&device_id],
        )
        .await?;
    rows.iter().map(token_row).collect()
}

pub(super) async fn login_failures(
    c: &Client,
    username: &str,
    addr: &str,
) -> Result<Option<LoginFailures>, StorageError> {
    let row = c
        .query_opt(
            "SELECT failures, locked_until FROM login_failures WHERE username = $1 AND addr = $2",
            &[&username, &addr],
        )
        .await?;
    row.map(|r| Ok(LoginFailures { failures: r.try_get::<_, i32>(0)? as u32, locked_until: r.try_get(1)? })).transpose()
}

/// Counts one failure atomically across instances (row lock on the pair).
pub(super) async fn record_login_failure(
    c: &mut Client,
    username: &str,
    addr: &str,
    now: Millis,
    max: u32,
    lockout_ms: Millis,
) -> Result<LoginFailures, StorageError> {
    let tx = c.transaction().await?;
    tx.execute(
        "INSERT INTO login_failures (username, addr, failures, locked_until, updated_at) VALUES ($1, $2, 0, NULL, $3)
         ON CONFLICT (username, addr) DO NOTHING",
        &[&username, &addr, &now],
    )
    .await?;
    let row = tx
        .query_one(
            "SELECT failures, locked_until FROM login_failures WHERE username = $1 AND addr = $2 FOR UPDATE",
            &[&username, &addr],
        )
        .await?;
    let failures = row.try_get::<_, i32>(0)? as u32 + 1;
    let locked: Option<Millis> = row.try_get(1)?;
    let after = if failures >= max {
        LoginFailures { failures: 0, locked_until: Some(now + lockout_ms) }
    } else {
        LoginFailures { failures, locked_until: locked }
    };
    tx.execute(
        "UPDATE login_failures SET failures = $3, locked_until = $4, updated_at = $5 WHERE username = $1 AND addr = $2",
        &[&username, &addr, &(after.failures as i32), &after.locked_until, &now],
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub(super) async fn clear_login_failures(c: &Client, username: &str, addr: &str) -> Result<(), StorageError> {
    c.execute("DELETE FROM login_failures WHERE username = $1 AND addr = $2", &[&username, &addr]).await?;
    Ok(())
}

pub(super) async fn prune_login_failures(c: &Client, before: Millis) -> Result<u64, StorageError> {
    Ok(c.execute("DELETE FROM login_failures WHERE updated_at < $1 AND COALESCE(locked_until, 0) < $1", &[&before])
        .await?)
}
