// Whether a case entry was recorded later than it happened (补录).
//
// A CaseEvent carries only `at`, the device time the worker gave for when it
// happened, and no server receipt time. But Rust draws every id with
// `uuid::Uuid::now_v7()` (core/src/ids.rs) at the moment it writes the
// record, and a UUIDv7 begins with that moment in Unix milliseconds. So an
// entry whose id is well after its `at` was entered afterwards. Ids that are
// not version 7 (simulations use random ones) tell nothing.

/** Entries recorded more than this after their time count as 补录. */
export const LATE_ENTRY_MS = 10 * 60_000

const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

/** When the record with this id was written (Unix ms), if the id is a UUIDv7. */
export function recordedAt(id: string): number | null {
  const m = UUID_V7.exec(id)
  return m ? parseInt(m[1] + m[2], 16) : null
}

/** Whether the entry `id`, dated `at`, was recorded well after `at`. */
export function enteredLate(id: string, at: number): boolean {
  const written = recordedAt(id)
  return written !== null && written - at > LATE_ENTRY_MS
}
