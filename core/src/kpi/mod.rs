//! KPIs of the office (绩效评价): rates over cases and patrols, grouped by
//! grid, community, worker, department and period, the overdue count, and
//! the monthly red / yellow / blue grid rating. `docs/KPI.md` has the same
//! definitions with worked examples.
//!
//! The indicators follow the naming and formulas of the national digital
//! urban management performance evaluation lineage (CJ/T 292 → GB/T
//! 30428.4 数字化城市管理信息系统 绩效评价): area indicators (结案率,
//! 按期结案率), department indicators (按期处置率, 返工率) and reporter
//! indicators (有效上报率, 按时核查率). 回潮率, 自处率 and patrol coverage
//! are not defined there; our definitions are stated below.
//!
//! Every figure is `numerator / denominator` over samples; a sample belongs
//! to a period by the time of its own event, and figures see every event
//! the caller holds (a case accepted in November and closed in December
//! counts as closed in November's 结案率 once December's close is known).
//! Time limits are the category's step limits in working time
//! ([`crate::workflow::WorkCalendar`]), with a deadline exactly as the SLA
//! colour computes it ([`crate::workflow::step_sla`]).
//!
//! | figure | numerator ÷ denominator | period by | worker | department |
//! |---|---|---|---|---|
//! | 结案率 | accepted cases now closed ÷ cases accepted (立案, dispatched or handled on the spot, whichever first) | acceptance | reporter | every department dispatched to |
//! | 按期结案率 | closes reached with no step past its limit since report or last relapse ÷ closes | close | reporter | every department dispatched to |
//! | 返工率 | handlings sent back for rework before the next close ÷ handlings (department feedback or on the spot) | handling | handler | handling department |
//! | 回潮率 | closes followed by a relapse within the category's look-back days (calendar days) ÷ closes | close | reporter | every department dispatched to |
//! | 自处率 | reports handled on the spot (at any time) ÷ reports | report | reporter | — |
//! | 有效上报率 | reports not voided ÷ reports | report | reporter | — |
//! | 按时核查率 | verifications (verified, closed or sent back after a department's feedback) within the verify limit ÷ verifications | verification | verifier | — |
//! | 按期处置率 | department feedback within the handle limit ÷ department feedback | feedback | handler | handling department |
//! | 巡查覆盖率 | streets covered ÷ streets of the grid, summed over patrols | patrol start | team members | — |
//!
//! Further rules: a voided case counts only in the two report figures; a
//! close superseded by a racing rework order is no close; a deferred case's
//! clock is paused (no step runs while 挂账); cases whose category is not
//! in the dictionary are left out of the time-limited figures and 回潮率.

mod compute;
mod figure;
mod overdue;
mod patrol;
mod period;
mod rating;
mod rules;
mod samples;

pub use compute::{Dimension, KpiQuery, KpiRow, KpiTable, PatrolTotals, community_of, compute_kpis};
pub(crate) use compute::{distinct_cases, distinct_patrols};
pub use figure::{Figure, KpiFigures, Metric};
pub use overdue::{GridOverdue, is_overdue, overdue_by_grid};
pub use patrol::{PatrolFacts, track_length_m};
pub use period::{Granularity, Period};
pub use rating::{CheckOutcome, GridRating, RuleCheck, rate, rate_grids};
pub use rules::{Comparison, Measure, RatingLevel, RatingRule, RatingRules};
