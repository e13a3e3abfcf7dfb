//! Credentials, devices, tokens and the login throttle in SQLite.

use gridpatrol_core::time::Millis;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::storage::{Credentials, Device, LoginFailures, StorageError, Token, TokenInfo};

pub(super) fn credentials(c: &Connection, username: &str) -> Result<Option<Credentials>, StorageError> {
    Ok(c.prepare_cached(
        "SELECT user_id, username, password_hash, disabled, must_change FROM credentials WHERE username = ?1",
    )?
    .query_row([username], |r| {
        Ok(Credentials {
            user_id: r.get(0)?,
            username: r.get(1)?,
            password_hash: r.get(2)?,
            disabled: r.get(3)?,
            must_change: r.get(4)?,
        })
    })
    .optional()?)
}

pub(super) fn put_credentials(c: &Connection, cr: &Credentials) -> Result<(), StorageError> {
    c.prepare_cached(
        "INSERT INTO credentials (user_id, username, password_hash, disabled, must_change) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (user_id) DO UPDATE SET username = excluded.username, password_hash = excluded.password_hash,
            disabled = excluded.disabled, must_change = excluded.must_change",
    )?
    .execute(params![cr.user_id, cr.username, cr.password_hash, cr.disabled, cr.must_change])?;
    Ok(())
}

fn device_row(r: &Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device { id: r.get(0)?, first_user: r.get(1)?, name: r.get(2)?, created_at: r.get(3)?, revoked_at: r.get(4)? })
}

const DEVICE_COLUMNS: &str = "id, first_user, name, created_at, revoked_at";

pub(super) fn device(c: &Connection, id: &str) -> Result<Option<Device>, StorageError> {
    Ok(c.query_row(&format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1"), [id], device_row).optional()?)
}

pub(super) fn register_device(c: &Connection, d: &Device) -> Result<(), StorageError> {
    c.prepare_cached(
        "INSERT INTO devices (id, first_user, name, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, NULL)
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![d.id, d.first_user, d.name, d.created_at])?;
    Ok(())
}

pub(super) fn devices(c: &Connection) -> Result<Vec<Device>, StorageError> {
    let mut stmt = c.prepare(&format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY created_at"))?;
    Ok(stmt.query_map([], device_row)?.collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn revoke_device(c: &mut Connection, id: &str, at: Millis) -> Result<bool, StorageError> {
    let tx = c.transaction()?;
    let n = tx
        .prepare_cached("UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1")?
        .execute(params![id, at])?;
    tx.prepare_cached("UPDATE tokens SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL")?
        .execute(params![id, at])?;
    tx.commit()?;
    Ok(n > 0)
}

fn token_row(r: &Row<'_>) -> rusqlite::Result<Token> {
    Ok(Token {
        hash: r.get(0)?,
        device_id: r.get(1)?,
        user_id: r.get(2)?,
        created_at: r.get(3)?,
        last_used_at: r.get(4)?,
        expires_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

const TOKEN_COLUMNS: &str = "t.hash, t.device_id, t.user_id, t.created_at, t.last_used_at, t.expires_at, t.revoked_at";

pub(super) fn add_token(c: &Connection, t: &Token) -> Result<(), StorageError> {
    c.prepare_cached(
        "INSERT INTO tokens (hash, device_id, user_id, created_at, last_used_at, expires_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![t.hash, t.device_id, t.user_id, t.created_at, t.last_used_at, t.expires_at, t.revoked_at])?;
    Ok(())
}

pub(super) fn token(c: &Connection, hash: &str) -> Result<Option<TokenInfo>, StorageError> {
    Ok(c.query_row(
        &format!(
            "SELECT {TOKEN_COLUMNS}, d.revoked_at IS NOT NULL, COALESCE(cr.disabled, 1)
             FROM tokens t LEFT JOIN devices d ON d.id = t.device_id
             LEFT JOIN credentials cr ON cr.user_id = t.user_id WHERE t.hash = ?1"
        ),
        [hash],
        |r| Ok(TokenInfo { token: token_row(r)?, device_revoked: r.get(7)?, user_disabled: r.get(8)? }),
    )
    .optional()?)
}

pub(super) fn touch_token(c: &Connection, hash: &str, now: Millis, expires_at: Millis) -> Result<(), StorageError> {
    c.prepare_cached("UPDATE tokens SET last_used_at = ?2, expires_at = MAX(expires_at, ?3) WHERE hash = ?1")?
        .execute(params![hash, now, expires_at])?;
    Ok(())
}

pub(super) fn revoke_token(c: &Connection, hash: &str, at: Millis) -> Result<bool, StorageError> {
    Ok(c.prepare_cached("UPDATE tokens SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL")?
        .execute(params![hash, at])?
        > 0)
}

pub(super) fn revoke_user_tokens(c: &Connection, user_id: &str, at: Millis) -> Result<u64, StorageError> {
    Ok(c.prepare_cached("UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL")?
        .execute(params![user_id, at])? as u64)
}

pub(super) fn tokens_of_device(c: &Connection, device_id: &str) -> Result<Vec<Token>, StorageError> {
    let mut stmt =
        c.prepare(&format!("SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.device_id = ?1 ORDER BY t.created_at"))?;
    Ok(stmt.query_map([device_id], token_row)?.collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn login_failures(
    c: &Connection,
    username: &str,
    addr: &str,
) -> Result<Option<LoginFailures>, StorageError> {
    Ok(c.prepare_cached("SELECT failures, locked_until FROM login_failures WHERE username = ?1 AND addr = ?2")?
        .query_row(params![username, addr], |r| Ok(LoginFailures { failures: r.get(0)?, locked_until: r.get(1)? }))
        .optional()?)
}

pub(super) fn record_login_failure(
    c: &mut Connection,
    username: &str,
    addr: &str,
    now: Millis,
    max: u32,
    lockout_ms: Millis,
) -> Result<LoginFailures, StorageError> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let before = login_failures(&tx, username, addr)?.unwrap_or(LoginFailures { failures: 0, locked_until: None });
    let failures = before.failures + 1;
    let after = if failures >= max {
        LoginFailures { failures: 0, locked_until: Some(now + lockout_ms) }
    } else {
        LoginFailures { failures, locked_until: before.locked_until }
    };
    tx.prepare_cached(
        "INSERT INTO login_failures (username, addr, failures, locked_until, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (username, addr) DO UPDATE SET failures = excluded.failures,
            locked_until = excluded.locked_until, updated_at = excluded.updated_at",
    )?
    .execute(params![username, addr, after.failures, after.locked_until, now])?;
    tx.commit()?;
    Ok(after)
}

pub(super) fn clear_login_failures(c: &Connection, username: &str, addr: &str) -> Result<(), StorageError> {
    c.prepare_cached("DELETE FROM login_failures WHERE username = ?1 AND addr = ?2")?
        .execute(params![username, addr])?;
    Ok(())
}

pub(super) fn prune_login_failures(c: &Connection, before: Millis) -> Result<u64, StorageError> {
    Ok(c.prepare_cached("DELETE FROM login_failures WHERE updated_at < ?1 AND COALESCE(locked_until, 0) < ?1")?
        .execute([before])? as u64)
}
