// DEV ONLY: ids shaped like Rust's (`uuid::Uuid::now_v7()`): the first 48
// bits are the Unix milliseconds of the moment the record is written, which
// is how the timeline tells an entry made afterwards (see lib/lateEntry.ts).

let counter = 0

function hex(n: number, digits: number): string {
  return Math.floor(n).toString(16).padStart(digits, '0').slice(-digits)
}

/**
 * A UUIDv7 for a record written at `ms`. A counter fills the 12 bits after
 * the version, so ids written in the same millisecond still sort in order
 * (RFC 9562, method 1), as the mock's fold breaks time ties by id.
 */
export function uuidV7(ms: number): string {
  counter = (counter + 1) % 0x1000
  const t = hex(ms, 12)
  const random = () => hex(Math.random() * 0x10000, 4)
  const variant = hex(0x8000 | (Math.random() * 0x4000), 4)
  return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(counter, 3)}-${variant}-${random()}${random()}${random()}`
}
