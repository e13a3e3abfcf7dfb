//! Reporting periods: a half-open span `[from, to)` of time with a label.
//! Days, weeks (Monday to Sunday, ISO numbering) and months are calendar
//! spans in China Standard Time.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::time::{Millis, china, to_china};

/// A span of time `[from, to)` in milliseconds, with a label for display.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub struct Period {
    /// `2026-12-01`, `2026-W49` or `2026-12`.
    pub label: String,
    pub from: Millis,
    pub to: Millis,
}

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    Week,
    Month,
}

impl Period {
    /// A period with an explicit span and label.
    pub fn new(label: impl Into<String>, from: Millis, to: Millis) -> Self {
        Period { label: label.into(), from, to }
    }

    /// Whether `t` falls in `[from, to)`.
    pub fn contains(&self, t: Millis) -> bool {
        self.from <= t && t < self.to
    }

    /// The calendar day `date` in China Standard Time.
    pub fn day(date: NaiveDate) -> Self {
        Period {
            label: date.format("%Y-%m-%d").to_string(),
            from: midnight(date),
            to: midnight(date + Duration::days(1)),
        }
    }

    /// The week (Monday to Sunday) containing `date`, labelled by ISO week.
    pub fn week(date: NaiveDate) -> Self {
        let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
        let iso = monday.iso_week();
        Period {
            label: format!("{}-W{:02}", iso.year(), iso.week()),
            from: midnight(monday),
            to: midnight(monday + Duration::days(7)),
        }
    }

    /// The calendar month `year-month`, or `None` for an invalid month.
    pub fn month(year: i32, month: u32) -> Option<Self> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)?;
        let next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1)? } else { first.with_month(month + 1)? };
        Some(Period { label: format!("{year}-{month:02}"), from: midnight(first), to: midnight(next) })
    }

    /// The period of `granularity` that contains the instant `t`.
    pub fn containing(granularity: Granularity, t: Millis) -> Self {
        let date = to_china(t).date_naive();
        match granularity {
            Granularity::Day => Period::day(date),
            Granularity::Week => Period::week(date),
            Granularity::Month => Period::month(date.year(), date.month()).expect("a real date has a real month"),
        }
    }

    /// Every period of `granularity` that overlaps `[from, to)`, in order.
    /// Bounded to 1,000 periods.
    pub fn covering(granularity: Granularity, from: Millis, to: Millis) -> Vec<Period> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to && out.len() < 1000 {
            let p = Period::containing(granularity, t);
            t = p.to;
            out.push(p);
        }
        out
    }
}

/// Midnight at the start of `date` in China Standard Time.
fn midnight(date: NaiveDate) -> Millis {
    china().from_local_datetime(&date.and_time(NaiveTime::MIN)).single().map(|d| d.timestamp_millis()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Millis {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn days_weeks_and_months_are_china_time_spans() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let day = Period::day(d);
        assert_eq!(
            (day.label.as_str(), day.from, day.to),
            ("2026-12-02", t("2026-12-02T00:00:00+08:00"), t("2026-12-03T00:00:00+08:00"))
        );
        let week = Period::week(d);
        assert_eq!(week.label, "2026-W49");
        assert_eq!((week.from, week.to), (t("2026-11-30T00:00:00+08:00"), t("2026-12-07T00:00:00+08:00")));
        let dec = Period::month(2026, 12).unwrap();
        assert_eq!((dec.from, dec.to), (t("2026-12-01T00:00:00+08:00"), t("2027-01-01T00:00:00+08:00")));
        assert!(Period::month(2026, 13).is_none());
        // 23:30 UTC on Nov 30 is already December 1st in China.
        assert_eq!(Period::containing(Granularity::Month, t("2026-11-30T23:30:00Z")).label, "2026-12");
        assert!(dec.contains(dec.from) && !dec.contains(dec.to));
    }

    #[test]
    fn covering_lists_every_overlapping_period() {
        let weeks = Period::covering(Granularity::Week, t("2026-11-25T12:00:00+08:00"), t("2026-12-08T00:00:00+08:00"));
        let labels: Vec<_> = weeks.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2026-W48", "2026-W49", "2026-W50"]);
        assert!(Period::covering(Granularity::Day, 10, 10).is_empty());
    }
}
