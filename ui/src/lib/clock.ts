import { backend } from '../backend'

/**
 * The UI's "now": the system clock plus the difference to Rust's clock,
 * which differs only under a test clock (GRIDPATROL_TEST_CLOCK_OFFSET), so
 * that countdowns and "due" agree with what Rust decides.
 */
let offset = 0

export function appNow(): number {
  return Date.now() + offset
}

/** Reads Rust's clock once at start; without a backend the offset stays 0. */
export async function syncClock(): Promise<void> {
  try {
    const rust = await backend.clockNow()
    if (typeof rust === 'number' && Number.isFinite(rust)) offset = rust - Date.now()
  } catch {
    offset = 0
  }
}
