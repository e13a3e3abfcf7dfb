//! Time as the documents store it: milliseconds since the Unix epoch, UTC.
//! China has one time zone without daylight saving, so local working time is
//! a fixed offset of +08:00 (see [`crate::workflow::calendar`]).

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// The current wall-clock time of this device.
pub fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

/// China Standard Time, UTC+08:00.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Converts milliseconds to a date-time in China Standard Time.
pub fn to_china(ms: Millis) -> DateTime<FixedOffset> {
    china().timestamp_millis_opt(ms).single().unwrap_or_else(|| {
        // Out-of-range values clamp to the epoch rather than panic.
        china().timestamp_millis_opt(0).unwrap()
    })
}

/// One minute, one hour and one day in milliseconds.
pub const MINUTE: Millis = 60_000;
/// One hour in milliseconds.
pub const HOUR: Millis = 60 * MINUTE;
/// One calendar day in milliseconds.
pub const DAY: Millis = 24 * HOUR;
