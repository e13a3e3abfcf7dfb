// Payload types of the device commands of ui/CONTRACT-device.md (issue 12:
// automatic sync, logins on a shared phone, trust on first use, revocation),
// written by hand until Rust generates them. The lead replaces this file with
// the ts-rs types under the SAME names and shapes, then changes
// `from '../lib/pendingDeviceTypes'` to `from '../generated'`.
//
// Plain JSON shapes only: snake_case fields, Unix milliseconds, `null` for absent.

/** What `server_probe` learnt about a server before logging in to it. */
export type ServerProbe = {
  /** Normalised (no trailing slash). */
  server: string
  https: boolean
  /** This machine (127.0.0.1 / localhost): plain http is fine. */
  loopback: boolean
  /** SHA-256 of the server's certificate, `AB:CD:…` (https only). */
  fingerprint: string | null
  /** The fingerprint this device pinned for this server before, if any. */
  pinned: string | null
}

/** `revoked: false`: offline; the token is revoked at the next contact. */
export type LogoutResult = { revoked: boolean }

/** Someone else's unsynced work on this device. */
export type WaitingWork = { user_id: string; name: string; cases: number; patrols: number; photos: number }

/** What revoking this device removed: confirmed records go, unconfirmed ones stay (encrypted). */
export type WipeReport = { removed_docs: number; removed_photos: number; kept_docs: number }

/** Why the last automatic run failed (a code from the shared list). */
export type SyncTrouble = { code: string; message: string; at: number }

/** The automatic sync's state, as the `sync-status` event and `sync_status` give it. */
export type AutoSyncStatus = {
  running: boolean
  /** The last run that finished without error. */
  last_ok_at: number | null
  /** Kept until a run succeeds. */
  last_error: SyncTrouble | null
  /** When the next automatic run is due. */
  next_at: number | null
  failures_in_a_row: number
}
