//! The category dictionary: components (部件) and events (事件) in the
//! GB/T 30428.2 lineage, as versioned data with local extensions, and the
//! time limit of each workflow step.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Components are fixed things that break (a manhole cover); events are
/// things that happen (street vending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CategoryKind {
    /// 部件.
    Component,
    /// 事件.
    Event,
}

/// The unit a time limit is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WorkUnit {
    /// Working hours (工作时).
    Hours,
    /// Working days (工作日).
    Days,
}

/// A time limit in working time, written `"4h"` or `"2d"` in data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct TimeLimit {
    pub amount: u32,
    pub unit: WorkUnit,
}

impl TimeLimit {
    /// `n` working hours.
    pub const fn hours(n: u32) -> Self {
        TimeLimit { amount: n, unit: WorkUnit::Hours }
    }
    /// `n` working days.
    pub const fn days(n: u32) -> Self {
        TimeLimit { amount: n, unit: WorkUnit::Days }
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = match self.unit {
            WorkUnit::Hours => 'h',
            WorkUnit::Days => 'd',
        };
        write!(f, "{}{u}", self.amount)
    }
}

impl FromStr for TimeLimit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (num, unit) = s.split_at(s.len().saturating_sub(1));
        let amount: u32 = num.parse().map_err(|_| format!("bad time limit {s:?}"))?;
        let unit = match unit {
            "h" => WorkUnit::Hours,
            "d" => WorkUnit::Days,
            _ => return Err(format!("bad time limit unit in {s:?} (use h or d)")),
        };
        if amount == 0 {
            return Err(format!("time limit {s:?} must be positive"));
        }
        Ok(TimeLimit { amount, unit })
    }
}

impl TryFrom<String> for TimeLimit {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<TimeLimit> for String {
    fn from(t: TimeLimit) -> String {
        t.to_string()
    }
}

/// Time limits per workflow step (see [`crate::workflow::Step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StepLimits {
    /// From report (or relapse) to handled on the spot or escalated.
    pub respond: TimeLimit,
    /// From escalation to acceptance (立案).
    pub accept: TimeLimit,
    /// From acceptance to dispatch (派遣).
    pub dispatch: TimeLimit,
    /// From dispatch (or rework) to the department's feedback (处置).
    pub handle: TimeLimit,
    /// From feedback to verification and close (核查结案).
    pub verify: TimeLimit,
}

/// One entry of the dictionary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Category {
    /// Unique key: `E` or `C` followed by the four-digit code, e.g. `E0201`.
    pub id: String,
    pub kind: CategoryKind,
    /// Four digits: two-digit major class + two-digit subclass.
    pub code: String,
    /// The major class name, e.g. 宣传广告.
    pub major_name: String,
    /// The subclass name, e.g. 非法小广告.
    pub name: String,
    pub limits: StepLimits,
    /// Calendar days after closing when the look-back (回头看) is due.
    pub lookback_days: u32,
    /// A local extension, not in the national standard.
    #[serde(default)]
    pub local: bool,
}

impl Category {
    /// The two-digit major class code.
    pub fn major(&self) -> &str {
        &self.code[..2]
    }
}

/// A versioned set of categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(try_from = "RawDictionary")]
pub struct CategoryDictionary {
    /// Bumped whenever an admin edits the dictionary.
    pub version: u32,
    pub categories: Vec<Category>,
    #[serde(skip)]
    #[ts(skip)]
    by_id: HashMap<String, usize>,
}

/// The serialised form; validated into a [`CategoryDictionary`].
#[derive(Deserialize)]
struct RawDictionary {
    version: u32,
    categories: Vec<Category>,
}

impl TryFrom<RawDictionary> for CategoryDictionary {
    type Error = CategoryError;
    fn try_from(raw: RawDictionary) -> Result<Self, CategoryError> {
        Self::new(raw.version, raw.categories)
    }
}

/// A dictionary that fails its checks.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CategoryError {
    #[error("category {0}: code must be four digits")]
    BadCode(String),
    #[error("category {0}: id must be C or E followed by its code")]
    BadId(String),
    #[error("duplicate category id {0}")]
    Duplicate(String),
    #[error("malformed dictionary: {0}")]
    Malformed(String),
}

impl CategoryDictionary {
    /// Builds and validates a dictionary.
    pub fn new(version: u32, categories: Vec<Category>) -> Result<Self, CategoryError> {
        let mut by_id = HashMap::with_capacity(categories.len());
        for (i, c) in categories.iter().enumerate() {
            if c.code.len() != 4 || !c.code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CategoryError::BadCode(c.id.clone()));
            }
            let prefix = match c.kind {
                CategoryKind::Component => "C",
                CategoryKind::Event => "E",
            };
            if c.id != format!("{prefix}{}", c.code) {
                return Err(CategoryError::BadId(c.id.clone()));
            }
            if by_id.insert(c.id.clone(), i).is_some() {
                return Err(CategoryError::Duplicate(c.id.clone()));
            }
        }
        Ok(CategoryDictionary { version, categories, by_id })
    }

    /// Parses and validates a dictionary from JSON.
    pub fn from_json(json: &str) -> Result<Self, CategoryError> {
        #[derive(Deserialize)]
        struct Raw {
            version: u32,
            categories: Vec<Category>,
        }
        let raw: Raw = serde_json::from_str(json).map_err(|e| CategoryError::Malformed(e.to_string()))?;
        Self::new(raw.version, raw.categories)
    }

    /// Looks a category up by id (`E0201`).
    pub fn get(&self, id: &str) -> Option<&Category> {
        self.by_id.get(id).map(|&i| &self.categories[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limits_parse_and_print() {
        assert_eq!("4h".parse::<TimeLimit>().unwrap(), TimeLimit::hours(4));
        assert_eq!("2d".parse::<TimeLimit>().unwrap(), TimeLimit::days(2));
        assert_eq!(TimeLimit::days(3).to_string(), "3d");
        assert!("0h".parse::<TimeLimit>().is_err());
        assert!("4w".parse::<TimeLimit>().is_err());
        assert!("".parse::<TimeLimit>().is_err());
        assert!("h".parse::<TimeLimit>().is_err());
    }

    #[test]
    fn dictionary_rejects_bad_entries() {
        let limits = StepLimits {
            respond: TimeLimit::hours(2),
            accept: TimeLimit::hours(2),
            dispatch: TimeLimit::hours(2),
            handle: TimeLimit::days(1),
            verify: TimeLimit::hours(4),
        };
        let cat = |id: &str, code: &str| Category {
            id: id.into(),
            kind: CategoryKind::Event,
            code: code.into(),
            major_name: "x".into(),
            name: "y".into(),
            limits,
            lookback_days: 7,
            local: false,
        };
        assert!(CategoryDictionary::new(1, vec![cat("E0201", "0201")]).is_ok());
        assert_eq!(
            CategoryDictionary::new(1, vec![cat("E0201", "0201"), cat("E0201", "0201")]).unwrap_err(),
            CategoryError::Duplicate("E0201".into())
        );
        assert_eq!(
            CategoryDictionary::new(1, vec![cat("C0201", "0201")]).unwrap_err(),
            CategoryError::BadId("C0201".into())
        );
        assert_eq!(
            CategoryDictionary::new(1, vec![cat("E02x1", "02x1")]).unwrap_err(),
            CategoryError::BadCode("E02x1".into())
        );
    }
}
