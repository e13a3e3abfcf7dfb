//! Team patrols (a night duty team, a special campaign): several people on
//! one patrol, each writing only their own document.
//!
//! Members join from the synced list of the day's patrols, or offline with
//! a short join code read off the starter's phone, on a device that may
//! never have seen the starter's document; so the code alone must let both
//! devices name the same team:
//!
//! - the code is six digits `GG K NNN`: the grid (its index among the
//!   office's grids sorted by id; three digits in an office of more than
//!   100 grids), the kind, and a random part;
//! - the team's *derived id* comes from the duty day and the code
//!   ([`team_id`]); a member's document names it in `lead`, and its own id
//!   is derived from it and the member ([`member_doc_id`]), so joining
//!   twice is the same document.
//!
//! The starter's document keeps a random id (no two documents ever share
//! an id); devices group it with the members' documents naming its derived
//! id. The duty day starts at 05:00 China time, so a night patrol that runs
//! past midnight keeps its day. Should two patrols of one grid and kind get
//! the same code on one day, members join the earlier one.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::{OrgUnit, PatrolKind, Reference};
use crate::time::{HOUR, Millis, to_china};

/// The hour (China time) at which one duty day ends and the next begins.
pub const DUTY_DAY_STARTS_HOUR: i64 = 5;

/// How many random values a code's last part has.
pub const NONCES: u16 = 1000;

/// The duty day an instant belongs to: the China date, the small hours
/// counted with the evening before.
pub fn duty_day(at: Millis) -> NaiveDate {
    to_china(at - DUTY_DAY_STARTS_HOUR * HOUR).date_naive()
}

/// What a join code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinCode {
    /// The grid's index among the office's grids, sorted by id.
    pub grid_index: usize,
    pub kind: PatrolKind,
    /// The random part, below [`NONCES`].
    pub nonce: u16,
}

impl JoinCode {
    /// The code of a patrol of `grid`, if the grid is one of the office's.
    pub fn new(reference: &Reference, grid: &str, kind: PatrolKind, nonce: u16) -> Option<JoinCode> {
        let grid_index = sorted_grids(reference).iter().position(|g| g.id == grid)?;
        Some(JoinCode { grid_index, kind, nonce: nonce % NONCES })
    }

    /// Reads a code as typed (digits only; six, or seven in a large office).
    pub fn parse(code: &str) -> Option<JoinCode> {
        if !(6..=7).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (grid, rest) = code.split_at(code.len() - 4);
        let kind = PatrolKind::ALL.get(usize::from(rest.as_bytes()[0] - b'0')).copied()?;
        Some(JoinCode { grid_index: grid.parse().ok()?, kind, nonce: rest[1..].parse().ok()? })
    }

    /// The code as shown and typed.
    pub fn format(&self) -> String {
        let kind = PatrolKind::ALL.iter().position(|k| *k == self.kind).unwrap_or(0);
        if self.grid_index < 100 {
            format!("{:02}{kind}{:03}", self.grid_index, self.nonce)
        } else {
            format!("{:03}{kind}{:03}", self.grid_index, self.nonce)
        }
    }

    /// The grid the code names, in this reference data.
    pub fn grid<'a>(&self, reference: &'a Reference) -> Option<&'a OrgUnit> {
        sorted_grids(reference).get(self.grid_index).copied()
    }
}

/// The office's grids sorted by id: the order join codes index.
fn sorted_grids(reference: &Reference) -> Vec<&OrgUnit> {
    let mut grids: Vec<&OrgUnit> = reference.org.grids().collect();
    grids.sort_by(|a, b| a.id.cmp(&b.id));
    grids
}

/// The derived id of the team patrol with `code` started on duty day `day`.
pub fn team_id(day: NaiveDate, code: &str) -> String {
    derived_id(&format!("gridpatrol/team/{day}/{code}"))
}

/// The id of `user_id`'s own document in the team with derived id `team`.
pub fn member_doc_id(team: &str, user_id: &str) -> String {
    derived_id(&format!("gridpatrol/member/{team}/{user_id}"))
}

/// The derived ids a member who joined at `at` with `code` may name: the
/// team of this duty day, or of the day before (a patrol started before
/// 05:00 and joined after).
pub fn candidate_team_ids(at: Millis, code: &str) -> [String; 2] {
    let day = duty_day(at);
    [team_id(day, code), team_id(day.pred_opt().unwrap_or(day), code)]
}

/// A UUID (version 8) from the SHA-256 of `name`.
fn derived_id(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::is_valid_id;
    use crate::time::china;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Millis {
        china().with_ymd_and_hms(y, m, d, h, min, 0).unwrap().timestamp_millis()
    }

    #[test]
    fn a_code_round_trips_and_names_its_grid() {
        let r = crate::demo::reference();
        for (i, grid) in sorted_grids(&r).iter().enumerate() {
            for kind in PatrolKind::ALL {
                let code = JoinCode::new(&r, &grid.id, kind, 482).unwrap();
                assert_eq!(code.grid_index, i);
                let text = code.format();
                assert_eq!(text.len(), 6);
                assert_eq!(JoinCode::parse(&text), Some(code));
                assert_eq!(code.grid(&r).unwrap().id, grid.id);
            }
        }
        assert!(JoinCode::new(&r, "QS01", PatrolKind::Night, 1).is_none(), "a community is not a grid");
        let big = JoinCode { grid_index: 123, kind: PatrolKind::Special, nonce: 7 };
        assert_eq!(big.format(), "1233007");
        assert_eq!(JoinCode::parse("1233007"), Some(big));
    }

    #[test]
    fn anything_else_is_not_a_code() {
        for bad in ["", "12345", "12345678", "12a456", "129456", "ABCDEF", "12 456", "１２３４５６"] {
            assert_eq!(JoinCode::parse(bad), None, "{bad}");
        }
        let r = crate::demo::reference();
        let beyond = JoinCode::parse("991001").unwrap();
        assert!(beyond.grid(&r).is_none(), "no 100th grid in the demo office");
    }

    #[test]
    fn the_duty_day_keeps_the_night_together() {
        let evening = at(2026, 3, 2, 21, 0);
        let small_hours = at(2026, 3, 3, 2, 30);
        let morning = at(2026, 3, 3, 6, 0);
        assert_eq!(duty_day(evening), duty_day(small_hours));
        assert_ne!(duty_day(small_hours), duty_day(morning));
        assert_eq!(duty_day(morning).to_string(), "2026-03-03");
    }

    #[test]
    fn both_devices_derive_the_same_ids_from_the_code_alone() {
        let start = at(2026, 3, 2, 21, 0);
        let team = team_id(duty_day(start), "012482");
        assert!(is_valid_id(&team));
        // The member joins after midnight, offline.
        let joined = at(2026, 3, 3, 0, 40);
        assert_eq!(candidate_team_ids(joined, "012482")[0], team);
        // …or just after the duty day turned.
        let late = at(2026, 3, 3, 5, 10);
        assert_eq!(candidate_team_ids(late, "012482")[1], team);
        assert_ne!(team, team_id(duty_day(start), "012483"));
        assert_ne!(team, team_id(duty_day(morning_after()), "012482"));
        let a = member_doc_id(&team, "u-worker2");
        assert!(is_valid_id(&a));
        assert_eq!(a, member_doc_id(&team, "u-worker2"));
        assert_ne!(a, member_doc_id(&team, "u-worker1"));
    }

    fn morning_after() -> Millis {
        at(2026, 3, 4, 8, 0)
    }
}
