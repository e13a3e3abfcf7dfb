//! Monthly grid ratings, red / yellow / blue (红黄蓝), from rules over the
//! KPIs and the overdue count. The rules are reference data an
//! administrator edits ([`crate::model::Reference::rating_rules`]).
//!
//! A grid is red when any red rule fires, else yellow when any yellow rule
//! fires, else blue. A rate rule fires only when its figure has at least
//! `min_sample` records in its denominator (a grid with two cases is not
//! rated on a percentage). Every rating lists each rule it checked, with
//! the figure, its value and the threshold.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::compute::{Dimension, KpiQuery, compute_kpis};
use super::figure::KpiFigures;
use super::overdue::{GridOverdue, overdue_by_grid};
use super::patrol::PatrolFacts;
use super::period::Period;
use super::rules::{Comparison, RatingLevel, RatingRule, RatingRules};
use crate::model::{Case, Reference, Scope};
use crate::time::Millis;

/// What a rule found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// The rule fired.
    Fired,
    /// The figure is on the good side of the threshold.
    Passed,
    /// Nothing was counted.
    NoData,
    /// Fewer records than `min_sample`.
    TooFewSamples,
}

/// One rule checked against one grid's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RuleCheck {
    /// The level the rule belongs to.
    pub level: RatingLevel,
    pub rule: RatingRule,
    pub outcome: CheckOutcome,
    /// The value compared: a percentage for rates, a count for overdue.
    pub value: Option<f64>,
    pub numerator: u64,
    pub denominator: u64,
    /// The explanation, e.g. 按期结案率 55.0%（11/20）低于 60%.
    pub text: String,
}

/// The rating of one grid for one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GridRating {
    pub grid: String,
    pub name: String,
    /// The month's label.
    pub period: String,
    pub level: RatingLevel,
    /// The rules that decided the level (fired rules of that level).
    pub reasons: Vec<RuleCheck>,
    /// Every rule checked, red rules first.
    pub checks: Vec<RuleCheck>,
    /// One line, e.g. 红：超期案件 5 件，多于 3 件.
    pub summary: String,
    pub figures: KpiFigures,
    pub overdue: GridOverdue,
}

/// Rates one set of figures with an overdue count.
pub fn rate(figures: &KpiFigures, overdue: u32, rules: &RatingRules) -> (RatingLevel, Vec<RuleCheck>) {
    let mut checks = Vec::with_capacity(rules.red.len() + rules.yellow.len());
    for (level, list) in [(RatingLevel::Red, &rules.red), (RatingLevel::Yellow, &rules.yellow)] {
        checks.extend(list.iter().map(|r| check(level, r, figures, overdue, rules.min_sample)));
    }
    let fired = |level| checks.iter().any(|c| c.level == level && c.outcome == CheckOutcome::Fired);
    let level = if fired(RatingLevel::Red) {
        RatingLevel::Red
    } else if fired(RatingLevel::Yellow) {
        RatingLevel::Yellow
    } else {
        RatingLevel::Blue
    };
    (level, checks)
}

fn check(level: RatingLevel, rule: &RatingRule, figures: &KpiFigures, overdue: u32, min_sample: u32) -> RuleCheck {
    let (numerator, denominator) = match rule.measure.metric() {
        Some(m) => (figures.get(m).numerator, figures.get(m).denominator),
        None => (u64::from(overdue), 1),
    };
    let is_rate = rule.measure.metric().is_some();
    // Compare num/den against threshold without rounding: num·100 vs t·den.
    let scaled = if is_rate { numerator as f64 * 100.0 } else { numerator as f64 };
    let bound = rule.threshold * denominator as f64;
    let fires = match rule.comparison {
        Comparison::Below => scaled < bound,
        Comparison::Above => scaled > bound,
    };
    let value = (denominator > 0).then(|| scaled / denominator as f64);
    let outcome = if denominator == 0 {
        CheckOutcome::NoData
    } else if is_rate && denominator < u64::from(min_sample) {
        CheckOutcome::TooFewSamples
    } else if fires {
        CheckOutcome::Fired
    } else {
        CheckOutcome::Passed
    };
    let text = explain(rule, outcome, value, numerator, denominator, min_sample);
    RuleCheck { level, rule: *rule, outcome, value, numerator, denominator, text }
}

fn explain(rule: &RatingRule, outcome: CheckOutcome, value: Option<f64>, num: u64, den: u64, min: u32) -> String {
    let name = rule.measure.label();
    let t = trim_number(rule.threshold);
    let is_rate = rule.measure.metric().is_some();
    let (cmp_fired, cmp_passed) = match (rule.comparison, is_rate) {
        (Comparison::Below, true) => ("低于", "不低于"),
        (Comparison::Above, true) => ("高于", "不高于"),
        (Comparison::Below, false) => ("少于", "不少于"),
        (Comparison::Above, false) => ("多于", "不多于"),
    };
    let unit = if is_rate { "%" } else { " 件" };
    let shown = match (value, is_rate) {
        (Some(v), true) => format!("{v:.1}%（{num}/{den}）"),
        (_, false) => format!("{num} 件"),
        (None, true) => "无数据".to_owned(),
    };
    match outcome {
        CheckOutcome::Fired => format!("{name} {shown}，{cmp_fired} {t}{unit}"),
        CheckOutcome::Passed => format!("{name} {shown}，{cmp_passed} {t}{unit}"),
        CheckOutcome::NoData => format!("{name}：无数据，不参与评级"),
        CheckOutcome::TooFewSamples => format!("{name} {shown}：样本不足 {min} 件，不参与评级"),
    }
}

/// `60` for 60.0, `85.5` for 85.5.
fn trim_number(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Rates every grid in `scope` for `month` with the reference's rules. The
/// overdue count is taken at the month's end, or at `now` while the month
/// is still running.
pub fn rate_grids(
    cases: &[Case],
    patrols: &[PatrolFacts],
    reference: &Reference,
    scope: &Scope,
    month: &Period,
    now: Millis,
) -> Vec<GridRating> {
    let query = KpiQuery {
        periods: vec![month.clone()],
        dimensions: vec![Dimension::Grid],
        scope: scope.clone(),
        include_ids: true,
    };
    let table = compute_kpis(cases, patrols, reference, &query);
    let as_of = if now < month.to { now } else { month.to - 1 };
    let overdue = overdue_by_grid(cases, reference, scope, as_of);
    let rules = &reference.rating_rules;
    table
        .rows
        .into_iter()
        .map(|row| {
            let od = overdue.iter().find(|o| o.grid == row.key).cloned().unwrap_or_else(|| GridOverdue {
                grid: row.key.clone(),
                name: row.name.clone(),
                overdue: 0,
                cases: vec![],
            });
            let (level, checks) = rate(&row.figures, od.overdue, rules);
            let reasons: Vec<RuleCheck> =
                checks.iter().filter(|c| c.level == level && c.outcome == CheckOutcome::Fired).cloned().collect();
            let summary = if reasons.is_empty() {
                format!("{}：未触发任何红黄规则", level.label())
            } else {
                format!("{}：{}", level.label(), reasons.iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join("；"))
            };
            GridRating {
                grid: row.key,
                name: row.name,
                period: row.period,
                level,
                reasons,
                checks,
                summary,
                figures: row.figures,
                overdue: od,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::{Figure, Measure};

    fn fig(n: u64, d: u64) -> Figure {
        Figure { numerator: n, denominator: d, rate: (d > 0).then(|| n as f64 / d as f64), ..Figure::default() }
    }

    #[test]
    fn thresholds_compare_exactly_and_explain_themselves() {
        let rules = RatingRules::default();
        let mut f = KpiFigures { on_time_closure_rate: fig(3, 5), closure_rate: fig(10, 10), ..KpiFigures::default() };
        // 3/5 is exactly 60 %: not below 60 (red), but below 85 (yellow).
        let (level, checks) = rate(&f, 0, &rules);
        assert_eq!(level, RatingLevel::Yellow);
        let yellow: Vec<_> = checks.iter().filter(|c| c.outcome == CheckOutcome::Fired).collect();
        assert_eq!(yellow.len(), 1);
        assert_eq!(yellow[0].text, "按期结案率 60.0%（3/5），低于 85%");
        f.on_time_closure_rate = fig(2, 5);
        let (level, checks) = rate(&f, 4, &rules);
        assert_eq!(level, RatingLevel::Red);
        let red: Vec<_> =
            checks.iter().filter(|c| c.level == RatingLevel::Red && c.outcome == CheckOutcome::Fired).collect();
        assert_eq!(
            red.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
            ["按期结案率 40.0%（2/5），低于 60%", "超期案件 4 件，多于 3 件"]
        );
    }

    #[test]
    fn small_samples_and_missing_data_do_not_rate() {
        let rules = RatingRules::default();
        let f = KpiFigures { on_time_closure_rate: fig(0, 2), ..KpiFigures::default() };
        let (level, checks) = rate(&f, 0, &rules);
        assert_eq!(level, RatingLevel::Blue);
        let c = checks.iter().find(|c| c.rule.measure == Measure::OnTimeClosureRate).unwrap();
        assert_eq!(c.outcome, CheckOutcome::TooFewSamples);
        assert_eq!(c.text, "按期结案率 0.0%（0/2）：样本不足 5 件，不参与评级");
        let c = checks.iter().find(|c| c.rule.measure == Measure::ClosureRate).unwrap();
        assert_eq!(c.outcome, CheckOutcome::NoData);
    }

    #[test]
    fn rules_round_trip_and_validate() {
        let rules = RatingRules::default();
        let json = serde_json::to_string(&rules).unwrap();
        assert!(json.contains(r#""measure":"on_time_closure_rate","comparison":"below","threshold":60.0"#), "{json}");
        assert_eq!(serde_json::from_str::<RatingRules>(&json).unwrap(), rules);
        assert_eq!(serde_json::from_str::<RatingRules>("{}").unwrap(), rules);
        let mut bad = rules.clone();
        bad.red[0].threshold = 160.0;
        assert!(bad.validate().is_err());
        assert!(rules.validate().is_ok());
    }
}
