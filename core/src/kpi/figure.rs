//! A figure: a numerator over a denominator, with the ids behind both, and
//! the named set of figures every KPI row carries.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The rates the KPI module computes (see the module docs for formulas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// 结案率.
    ClosureRate,
    /// 按期结案率.
    OnTimeClosureRate,
    /// 返工率.
    ReworkRate,
    /// 回潮率.
    RelapseRate,
    /// 自处率.
    SelfHandledRate,
    /// 有效上报率.
    ValidReportRate,
    /// 按时核查率.
    OnTimeVerifyRate,
    /// 按期处置率.
    OnTimeHandleRate,
    /// 巡查覆盖率.
    PatrolCoverage,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 9] = [
        Metric::ClosureRate,
        Metric::OnTimeClosureRate,
        Metric::ReworkRate,
        Metric::RelapseRate,
        Metric::SelfHandledRate,
        Metric::ValidReportRate,
        Metric::OnTimeVerifyRate,
        Metric::OnTimeHandleRate,
        Metric::PatrolCoverage,
    ];

    /// The Chinese name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Metric::ClosureRate => "结案率",
            Metric::OnTimeClosureRate => "按期结案率",
            Metric::ReworkRate => "返工率",
            Metric::RelapseRate => "回潮率",
            Metric::SelfHandledRate => "自处率",
            Metric::ValidReportRate => "有效上报率",
            Metric::OnTimeVerifyRate => "按时核查率",
            Metric::OnTimeHandleRate => "按期处置率",
            Metric::PatrolCoverage => "巡查覆盖率",
        }
    }
}

/// One figure: `numerator / denominator`, with the records behind it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct Figure {
    pub numerator: u64,
    pub denominator: u64,
    /// `numerator / denominator` in `[0, 1]`; `None` when nothing was counted.
    pub rate: Option<f64>,
    /// The distinct records behind the denominator (case ids; patrol ids
    /// for coverage), sorted. Empty when the query left ids out.
    pub ids: Vec<String>,
    /// The distinct records behind the numerator, sorted.
    pub hit_ids: Vec<String>,
}

/// All figures of one KPI row, one per [`Metric`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct KpiFigures {
    pub closure_rate: Figure,
    pub on_time_closure_rate: Figure,
    pub rework_rate: Figure,
    pub relapse_rate: Figure,
    pub self_handled_rate: Figure,
    pub valid_report_rate: Figure,
    pub on_time_verify_rate: Figure,
    pub on_time_handle_rate: Figure,
    pub patrol_coverage: Figure,
}

impl KpiFigures {
    /// The figure of `metric`.
    pub fn get(&self, metric: Metric) -> &Figure {
        match metric {
            Metric::ClosureRate => &self.closure_rate,
            Metric::OnTimeClosureRate => &self.on_time_closure_rate,
            Metric::ReworkRate => &self.rework_rate,
            Metric::RelapseRate => &self.relapse_rate,
            Metric::SelfHandledRate => &self.self_handled_rate,
            Metric::ValidReportRate => &self.valid_report_rate,
            Metric::OnTimeVerifyRate => &self.on_time_verify_rate,
            Metric::OnTimeHandleRate => &self.on_time_handle_rate,
            Metric::PatrolCoverage => &self.patrol_coverage,
        }
    }

    fn get_mut(&mut self, metric: Metric) -> &mut Figure {
        match metric {
            Metric::ClosureRate => &mut self.closure_rate,
            Metric::OnTimeClosureRate => &mut self.on_time_closure_rate,
            Metric::ReworkRate => &mut self.rework_rate,
            Metric::RelapseRate => &mut self.relapse_rate,
            Metric::SelfHandledRate => &mut self.self_handled_rate,
            Metric::ValidReportRate => &mut self.valid_report_rate,
            Metric::OnTimeVerifyRate => &mut self.on_time_verify_rate,
            Metric::OnTimeHandleRate => &mut self.on_time_handle_rate,
            Metric::PatrolCoverage => &mut self.patrol_coverage,
        }
    }
}

/// Sums one figure: counts plus the id sets, turned into a [`Figure`] at
/// the end. Sets keep the result independent of input order.
#[derive(Debug, Clone, Default)]
pub(crate) struct FigureAcc {
    numerator: u64,
    denominator: u64,
    ids: BTreeSet<String>,
    hit_ids: BTreeSet<String>,
}

impl FigureAcc {
    /// Adds `numerator / denominator` for the record `id`; `hit` puts the
    /// record behind the numerator too.
    pub(crate) fn add(&mut self, id: &str, numerator: u64, denominator: u64, hit: bool) {
        self.numerator += numerator;
        self.denominator += denominator;
        self.ids.insert(id.to_owned());
        if hit {
            self.hit_ids.insert(id.to_owned());
        }
    }

    pub(crate) fn finish(self, with_ids: bool) -> Figure {
        let rate = (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64);
        let (ids, hit_ids) = if with_ids {
            (self.ids.into_iter().collect(), self.hit_ids.into_iter().collect())
        } else {
            (vec![], vec![])
        };
        Figure { numerator: self.numerator, denominator: self.denominator, rate, ids, hit_ids }
    }
}

/// The accumulators of one row, one per metric.
#[derive(Debug, Clone, Default)]
pub(crate) struct FiguresAcc {
    figures: [FigureAcc; Metric::ALL.len()],
}

impl FiguresAcc {
    pub(crate) fn metric(&mut self, metric: Metric) -> &mut FigureAcc {
        let i = Metric::ALL.iter().position(|m| *m == metric).expect("every metric is in ALL");
        &mut self.figures[i]
    }

    pub(crate) fn finish(self, with_ids: bool) -> KpiFigures {
        let mut out = KpiFigures::default();
        for (metric, acc) in Metric::ALL.into_iter().zip(self.figures) {
            *out.get_mut(metric) = acc.finish(with_ids);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_counts_and_keeps_distinct_sorted_ids() {
        let mut acc = FigureAcc::default();
        acc.add("c2", 1, 1, true);
        acc.add("c1", 0, 1, false);
        acc.add("c2", 0, 1, false);
        let f = acc.clone().finish(true);
        assert_eq!((f.numerator, f.denominator), (1, 3));
        assert_eq!(f.rate, Some(1.0 / 3.0));
        assert_eq!(f.ids, ["c1", "c2"]);
        assert_eq!(f.hit_ids, ["c2"]);
        assert!(acc.finish(false).ids.is_empty());
        assert_eq!(FigureAcc::default().finish(true).rate, None);
    }
}
