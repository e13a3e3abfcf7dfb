//! Working time. Time limits count working hours and working days in China
//! Standard Time: two windows a day (08:30–12:00, 13:30–17:30, 7.5 hours),
//! Monday to Friday, minus public holidays, plus adjusted working weekends
//! (调休). Holidays are data: each street office loads its own.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Weekday};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{TimeLimit, WorkUnit};
use crate::time::{MINUTE, Millis, china, to_china};

/// A working-time calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WorkCalendar {
    /// Working windows of a day as minutes after midnight, `[start, end)`.
    pub windows: Vec<(u32, u32)>,
    /// Weekdays that are not working days.
    #[ts(type = "string[]")]
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are working days (调休).
    #[ts(type = "string[]")]
    pub extra_workdays: BTreeSet<NaiveDate>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar {
            windows: vec![(8 * 60 + 30, 12 * 60), (13 * 60 + 30, 17 * 60 + 30)],
            holidays: BTreeSet::new(),
            extra_workdays: BTreeSet::new(),
        }
    }
}

/// A bound on how far calendar arithmetic looks ahead (ten years).
const MAX_DAYS: i64 = 3660;

impl WorkCalendar {
    /// Working minutes in one working day.
    pub fn minutes_per_day(&self) -> i64 {
        self.windows.iter().map(|(a, b)| i64::from(b.saturating_sub(*a))).sum()
    }

    /// A time limit in working minutes.
    pub fn limit_minutes(&self, limit: TimeLimit) -> i64 {
        match limit.unit {
            WorkUnit::Hours => i64::from(limit.amount) * 60,
            WorkUnit::Days => i64::from(limit.amount) * self.minutes_per_day(),
        }
    }

    /// Whether `date` is a working day.
    pub fn is_workday(&self, date: NaiveDate) -> bool {
        if self.extra_workdays.contains(&date) {
            return true;
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        !weekend && !self.holidays.contains(&date)
    }

    /// The working windows of `date` as absolute times.
    fn windows_of(&self, date: NaiveDate) -> impl Iterator<Item = (Millis, Millis)> + '_ {
        let workday = self.is_workday(date);
        self.windows.iter().filter(move |_| workday).map(move |&(a, b)| (at_minute(date, a), at_minute(date, b)))
    }

    /// The instant `minutes` working minutes after `start`.
    pub fn add_working(&self, start: Millis, minutes: i64) -> Millis {
        let mut remaining = minutes.max(0) * MINUTE;
        let mut date = to_china(start).date_naive();
        for _ in 0..MAX_DAYS {
            for (a, b) in self.windows_of(date) {
                let from = a.max(start);
                if from >= b {
                    continue;
                }
                if remaining <= b - from {
                    return from + remaining;
                }
                remaining -= b - from;
            }
            date += Duration::days(1);
        }
        start + MAX_DAYS * crate::time::DAY
    }

    /// Working minutes between two instants (zero if `end <= start`).
    pub fn working_minutes_between(&self, start: Millis, end: Millis) -> i64 {
        if end <= start {
            return 0;
        }
        let mut total = 0;
        let mut date = to_china(start).date_naive();
        let last = to_china(end).date_naive();
        for _ in 0..MAX_DAYS {
            for (a, b) in self.windows_of(date) {
                let (from, to) = (a.max(start), b.min(end));
                if to > from {
                    total += to - from;
                }
            }
            if date >= last {
                break;
            }
            date += Duration::days(1);
        }
        total / MINUTE
    }
}

fn at_minute(date: NaiveDate, minute: u32) -> Millis {
    let t = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or(NaiveTime::MIN);
    china().from_local_datetime(&date.and_time(t)).single().map(|d| d.timestamp_millis()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Millis {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn hours_skip_lunch_nights_and_weekends() {
        let cal = WorkCalendar::default();
        // Friday 2026-11-20 11:00 + 2 working hours: 1 h before lunch, 1 h after.
        assert_eq!(cal.add_working(t("2026-11-20T11:00:00+08:00"), 120), t("2026-11-20T14:30:00+08:00"));
        // Friday 17:00 + 1 h: 30 min on Friday, 30 min on Monday.
        assert_eq!(cal.add_working(t("2026-11-20T17:00:00+08:00"), 60), t("2026-11-23T09:00:00+08:00"));
        // Saturday night counts from Monday morning.
        assert_eq!(cal.add_working(t("2026-11-21T22:00:00+08:00"), 30), t("2026-11-23T09:00:00+08:00"));
    }

    #[test]
    fn days_are_full_working_days() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.minutes_per_day(), 450);
        assert_eq!(cal.limit_minutes(TimeLimit::days(2)), 900);
        // Monday 08:30 + 1 working day = Monday 17:30.
        assert_eq!(cal.add_working(t("2026-11-23T08:30:00+08:00"), 450), t("2026-11-23T17:30:00+08:00"));
    }

    #[test]
    fn holidays_and_adjusted_weekends() {
        let mut cal = WorkCalendar::default();
        cal.holidays.insert(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        cal.extra_workdays.insert(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        // Sunday is a working day, Monday a holiday.
        assert_eq!(cal.add_working(t("2026-11-22T08:30:00+08:00"), 450 + 30), t("2026-11-24T09:00:00+08:00"));
    }

    #[test]
    fn between_is_the_inverse_of_add() {
        let cal = WorkCalendar::default();
        let start = t("2026-11-19T10:17:00+08:00");
        for m in [0, 1, 59, 200, 451, 2000] {
            let end = cal.add_working(start, m);
            assert_eq!(cal.working_minutes_between(start, end), m, "m = {m}");
        }
        assert_eq!(cal.working_minutes_between(start, start - 1), 0);
    }
}
