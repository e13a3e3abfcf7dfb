//! The rating rules (红黄蓝 评级规则): reference data an administrator edits
//! ([`crate::model::Reference::rating_rules`]). A rule compares one figure
//! (a KPI rate in percent, or the overdue count) with a threshold.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::figure::Metric;

/// A grid's colour for a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    /// 红: needs attention.
    Red,
    /// 黄: watch.
    Yellow,
    /// 蓝: in order.
    Blue,
}

impl RatingLevel {
    /// 红 / 黄 / 蓝.
    pub fn label(self) -> &'static str {
        match self {
            RatingLevel::Red => "红",
            RatingLevel::Yellow => "黄",
            RatingLevel::Blue => "蓝",
        }
    }
}

/// What a rule looks at: a KPI rate (in percent) or the overdue count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    ClosureRate,
    OnTimeClosureRate,
    ReworkRate,
    RelapseRate,
    SelfHandledRate,
    ValidReportRate,
    OnTimeVerifyRate,
    OnTimeHandleRate,
    PatrolCoverage,
    /// Open cases past their deadline at the end of the month (or now).
    OverdueCases,
}

impl Measure {
    /// The KPI behind a rate measure; `None` for the overdue count.
    pub fn metric(self) -> Option<Metric> {
        Some(match self {
            Measure::ClosureRate => Metric::ClosureRate,
            Measure::OnTimeClosureRate => Metric::OnTimeClosureRate,
            Measure::ReworkRate => Metric::ReworkRate,
            Measure::RelapseRate => Metric::RelapseRate,
            Measure::SelfHandledRate => Metric::SelfHandledRate,
            Measure::ValidReportRate => Metric::ValidReportRate,
            Measure::OnTimeVerifyRate => Metric::OnTimeVerifyRate,
            Measure::OnTimeHandleRate => Metric::OnTimeHandleRate,
            Measure::PatrolCoverage => Metric::PatrolCoverage,
            Measure::OverdueCases => return None,
        })
    }

    /// The Chinese name used in explanations.
    pub fn label(self) -> &'static str {
        self.metric().map_or("超期案件", Metric::label)
    }
}

/// Which side of the threshold fires the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// Fires when the value is below the threshold.
    Below,
    /// Fires when the value is above the threshold.
    Above,
}

/// One rule: `measure` `comparison` `threshold` (a percentage for rates,
/// a count for overdue cases).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct RatingRule {
    pub measure: Measure,
    pub comparison: Comparison,
    pub threshold: f64,
}

impl RatingRule {
    const fn new(measure: Measure, comparison: Comparison, threshold: f64) -> Self {
        RatingRule { measure, comparison, threshold }
    }
}

/// The rules of the monthly rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RatingRules {
    /// Any of these fires: red.
    pub red: Vec<RatingRule>,
    /// Otherwise, any of these fires: yellow.
    pub yellow: Vec<RatingRule>,
    /// A rate rule applies only to a figure with at least this many records
    /// in its denominator.
    pub min_sample: u32,
}

impl Default for RatingRules {
    /// Red: 按期结案率 < 60 %, 结案率 < 60 % or more than 3 overdue cases.
    /// Yellow: 按期结案率 < 85 %, 结案率 < 85 %, 回潮率 > 10 %, 返工率 > 20 %,
    /// 巡查覆盖率 < 80 % or any overdue case. Rates need 5 records.
    fn default() -> Self {
        use Comparison::{Above, Below};
        use Measure::*;
        RatingRules {
            red: vec![
                RatingRule::new(OnTimeClosureRate, Below, 60.0),
                RatingRule::new(ClosureRate, Below, 60.0),
                RatingRule::new(OverdueCases, Above, 3.0),
            ],
            yellow: vec![
                RatingRule::new(OnTimeClosureRate, Below, 85.0),
                RatingRule::new(ClosureRate, Below, 85.0),
                RatingRule::new(RelapseRate, Above, 10.0),
                RatingRule::new(ReworkRate, Above, 20.0),
                RatingRule::new(PatrolCoverage, Below, 80.0),
                RatingRule::new(OverdueCases, Above, 0.0),
            ],
            min_sample: 5,
        }
    }
}

impl RatingRules {
    /// Checks an administrator's edit: finite thresholds, rates in 0–100,
    /// counts not negative.
    pub fn validate(&self) -> Result<(), String> {
        for rule in self.red.iter().chain(&self.yellow) {
            let ok = rule.threshold.is_finite()
                && rule.threshold >= 0.0
                && (rule.measure == Measure::OverdueCases || rule.threshold <= 100.0);
            if !ok {
                return Err(format!("{}: threshold {} is out of range", rule.measure.label(), rule.threshold));
            }
        }
        Ok(())
    }
}
