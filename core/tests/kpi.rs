//! KPIs, overdue counts and ratings against the hand-computed month in
//! `office/mod.rs` (read its docs first: every number below follows from
//! the stories there).

mod office;

use gridpatrol_core::demo;
use gridpatrol_core::kpi::{
    CheckOutcome, Comparison, Dimension, Figure, KpiQuery, KpiTable, Measure, Metric, Period, RatingLevel, RatingRule,
    RatingRules, compute_kpis, is_overdue, overdue_by_grid, rate_grids,
};
use gridpatrol_core::model::{Reference, Scope};
use office::*;

fn december() -> Period {
    Period::month(2026, 12).unwrap()
}

fn week(day: u32) -> Period {
    Period::week(chrono::NaiveDate::from_ymd_opt(2026, 12, day).unwrap())
}

fn table(reference: &Reference, periods: Vec<Period>) -> KpiTable {
    compute_kpis(&cases(), &patrols(), reference, &KpiQuery::new(periods, Scope::All))
}

/// (numerator, denominator, ids, hit ids) of a figure.
fn nd(f: &Figure) -> (u64, u64, Vec<&str>, Vec<&str>) {
    (
        f.numerator,
        f.denominator,
        f.ids.iter().map(String::as_str).collect(),
        f.hit_ids.iter().map(String::as_str).collect(),
    )
}

#[test]
fn the_month_in_total() {
    let r = demo::reference();
    let t = table(&r, vec![december()]);
    let all = t.row("2026-12", Dimension::All, "").unwrap();
    let f = &all.figures;
    assert_eq!(nd(&f.valid_report_rate), (5, 6, vec!["A", "B", "C", "D", "E", "F"], vec!["A", "B", "C", "E", "F"]));
    assert_eq!(nd(&f.self_handled_rate), (2, 6, vec!["A", "B", "C", "D", "E", "F"], vec!["C", "F"]));
    // Accepted: A, B, E (立案), C and F (on the spot); closed now: A, B, C.
    assert_eq!(nd(&f.closure_rate), (3, 5, vec!["A", "B", "C", "E", "F"], vec!["A", "B", "C"]));
    assert_eq!(f.closure_rate.rate, Some(0.6));
    // Closes: A, B, C twice, F; B's first handling was late.
    assert_eq!(nd(&f.on_time_closure_rate), (4, 5, vec!["A", "B", "C", "F"], vec!["A", "C", "F"]));
    // Only C's first close relapsed within 3 days; F relapsed after 7.
    assert_eq!(nd(&f.relapse_rate), (1, 5, vec!["A", "B", "C", "F"], vec!["C"]));
    // Handlings: A, B twice (department), C twice and F (on the spot).
    assert_eq!(nd(&f.rework_rate), (1, 6, vec!["A", "B", "C", "F"], vec!["B"]));
    assert_eq!(nd(&f.on_time_handle_rate), (2, 3, vec!["A", "B"], vec!["A", "B"]));
    // Verifications after department feedback: A verified, B sent back, B closed.
    assert_eq!(nd(&f.on_time_verify_rate), (3, 3, vec!["A", "B"], vec!["A", "B"]));
    assert_eq!(nd(&f.patrol_coverage), (9, 10, vec!["P1", "P2"], vec!["P2"]));
    assert_eq!(all.patrols.patrols, 2);
    assert_eq!(all.patrols.minutes, 120 + 90);
    assert_eq!(all.patrols.track_length_m, 4100.5);
    assert_eq!(all.patrols.cases_found, 2);
    assert_eq!(all.name, "合计");
}

#[test]
fn working_time_limits_run_across_the_weekend() {
    let r = demo::reference();
    // A: dispatched Fri 16:30, handled Mon 11:20 — 3 h 50 working minutes,
    // within 4 h. B: dispatched Fri 16:40, handled Mon 13:40 — 4 h 20, late.
    // In wall-clock hours both took ~67 h; only working time makes A on time.
    let t = table(&r, vec![week(4), week(7)]);
    let w49 = t.row("2026-W49", Dimension::All, "").unwrap();
    let w50 = t.row("2026-W50", Dimension::All, "").unwrap();
    assert_eq!(nd(&w49.figures.on_time_handle_rate).1, 0, "nothing handled by a department in W49");
    assert_eq!(nd(&w50.figures.on_time_handle_rate), (2, 3, vec!["A", "B"], vec!["A", "B"]));
    let dept = t.row("2026-W50", Dimension::Department, DEPT).unwrap();
    assert_eq!((dept.figures.on_time_handle_rate.numerator, dept.figures.on_time_handle_rate.denominator), (2, 3));
    // A closes on time, B does not: its late first handling stays on record.
    assert_eq!(nd(&w50.figures.on_time_closure_rate), (1, 2, vec!["A", "B"], vec!["A"]));
    // The same limit, one minute later for A, would be late: Mon 11:31.
    let mut late = cases();
    let a = late.iter_mut().find(|c| c.id == "A").unwrap();
    a.events.get_mut("A-e04").unwrap().at = t_at("2026-12-07 11:31");
    let t2 = compute_kpis(&late, &[], &r, &KpiQuery::new(vec![week(7)], Scope::All));
    let w50 = t2.row("2026-W50", Dimension::All, "").unwrap();
    assert_eq!(nd(&w50.figures.on_time_handle_rate).0, 1);
    assert_eq!(nd(&w50.figures.on_time_closure_rate).3, Vec::<&str>::new());
}

fn t_at(s: &str) -> i64 {
    office::t(s)
}

#[test]
fn per_worker_department_grid_and_community() {
    let r = demo::reference();
    let t = table(&r, vec![december()]);
    let wang = t.row("2026-12", Dimension::Worker, WANG).unwrap();
    assert_eq!(wang.name, "王芳");
    let f = &wang.figures;
    assert_eq!((f.valid_report_rate.numerator, f.valid_report_rate.denominator), (3, 3));
    assert_eq!(nd(&f.self_handled_rate), (1, 3, vec!["A", "C", "E"], vec!["C"]));
    assert_eq!(nd(&f.closure_rate), (2, 3, vec!["A", "C", "E"], vec!["A", "C"]));
    assert_eq!((f.on_time_closure_rate.numerator, f.on_time_closure_rate.denominator), (3, 3));
    assert_eq!((f.relapse_rate.numerator, f.relapse_rate.denominator), (1, 3));
    assert_eq!((f.rework_rate.numerator, f.rework_rate.denominator), (0, 2), "her two on-the-spot handlings");
    assert_eq!((f.on_time_verify_rate.numerator, f.on_time_verify_rate.denominator), (1, 1));
    assert_eq!((f.patrol_coverage.numerator, f.patrol_coverage.denominator), (5, 6));

    let li = t.row("2026-12", Dimension::Worker, LI).unwrap();
    assert_eq!((li.figures.valid_report_rate.numerator, li.figures.valid_report_rate.denominator), (1, 2));
    assert_eq!((li.figures.on_time_verify_rate.numerator, li.figures.on_time_verify_rate.denominator), (2, 2));

    let handler = t.row("2026-12", Dimension::Worker, DEPT_USER).unwrap();
    assert_eq!((handler.figures.rework_rate.numerator, handler.figures.rework_rate.denominator), (1, 3));

    let dept = t.row("2026-12", Dimension::Department, DEPT).unwrap();
    assert_eq!(dept.name, "青石街道综合行政执法队");
    assert_eq!(nd(&dept.figures.closure_rate), (2, 2, vec!["A", "B"], vec!["A", "B"]));
    assert_eq!((dept.figures.on_time_closure_rate.numerator, dept.figures.on_time_closure_rate.denominator), (1, 2));
    assert_eq!((dept.figures.rework_rate.numerator, dept.figures.rework_rate.denominator), (1, 3));
    assert_eq!(dept.figures.valid_report_rate.denominator, 0, "reports are not a department's");
    // Every department appears, with or without cases.
    assert_eq!(t.rows_of(Dimension::Department).count(), r.org.departments.len());

    let g01 = t.row("2026-12", Dimension::Grid, G01).unwrap();
    assert_eq!(g01.name, "柳荫社区第一网格");
    assert_eq!((g01.figures.valid_report_rate.numerator, g01.figures.valid_report_rate.denominator), (4, 5));
    assert_eq!((g01.figures.closure_rate.numerator, g01.figures.closure_rate.denominator), (3, 4));
    assert_eq!((g01.figures.on_time_closure_rate.numerator, g01.figures.on_time_closure_rate.denominator), (3, 4));
    let g02 = t.row("2026-12", Dimension::Grid, G02).unwrap();
    assert_eq!(nd(&g02.figures.closure_rate), (0, 1, vec!["F"], vec![]));
    assert_eq!((g02.figures.relapse_rate.numerator, g02.figures.relapse_rate.denominator), (0, 1));
    // Grids with no records still get a row.
    assert_eq!(t.rows_of(Dimension::Grid).count(), r.org.grids().count());
    let empty = t.row("2026-12", Dimension::Grid, "QS04-G02").unwrap();
    assert_eq!((empty.figures.closure_rate.denominator, empty.figures.closure_rate.rate), (0, None));

    let liuyin = t.row("2026-12", Dimension::Community, "QS01").unwrap();
    assert_eq!(liuyin.name, "柳荫社区");
    assert_eq!(
        liuyin.figures.valid_report_rate,
        t.row("2026-12", Dimension::All, "").unwrap().figures.valid_report_rate
    );
    assert!(t.row("2026-12", Dimension::Community, "QS04").is_some(), "villages count as communities");
}

#[test]
fn scope_limits_records_and_rows() {
    let r = demo::reference();
    let g02_only = Scope::Grids { grids: [G02.to_string()].into() };
    let t = compute_kpis(&cases(), &patrols(), &r, &KpiQuery::new(vec![december()], g02_only));
    assert_eq!(t.rows_of(Dimension::Grid).map(|r| r.key.as_str()).collect::<Vec<_>>(), [G02]);
    let all = t.row("2026-12", Dimension::All, "").unwrap();
    assert_eq!(nd(&all.figures.valid_report_rate), (1, 1, vec!["F"], vec!["F"]));
    assert_eq!(all.figures.patrol_coverage.ids, ["P2"]);
    let workers: Vec<_> = t.rows_of(Dimension::Worker).map(|r| r.key.as_str()).collect();
    assert!(workers.contains(&ZHANG) && !workers.contains(&WANG), "{workers:?}");

    let dept = Scope::Department { department: DEPT.into() };
    let t = compute_kpis(&cases(), &patrols(), &r, &KpiQuery::new(vec![december()], dept));
    assert_eq!(t.rows_of(Dimension::Department).count(), 1);
    assert_eq!(t.row("2026-12", Dimension::All, "").unwrap().figures.closure_rate.ids, ["A", "B"]);
}

#[test]
fn input_order_and_duplicates_do_not_change_the_result() {
    let r = demo::reference();
    let query = KpiQuery::new(vec![december(), week(4), week(7)], Scope::All);
    let forward = compute_kpis(&cases(), &patrols(), &r, &query);
    let mut shuffled = cases();
    shuffled.reverse();
    shuffled.swap(1, 4);
    // A device that synced twice may hold a stale copy next to the full one.
    let mut stale = shuffled[2].clone();
    let last = stale.events.keys().last().cloned().unwrap();
    stale.events.remove(&last);
    shuffled.insert(0, stale);
    let mut ps = patrols();
    ps.reverse();
    ps.push(ps[0].clone());
    let backward = compute_kpis(&shuffled, &ps, &r, &query);
    assert_eq!(forward, backward);
    // Same bytes too, as the server's API and the device command would send.
    assert_eq!(serde_json::to_string(&forward).unwrap(), serde_json::to_string(&backward).unwrap());
}

#[test]
fn ids_can_be_left_out() {
    let r = demo::reference();
    let mut q = KpiQuery::new(vec![december()], Scope::All);
    q.include_ids = false;
    q.dimensions = vec![Dimension::All];
    let t = compute_kpis(&cases(), &patrols(), &r, &q);
    assert_eq!(t.rows.len(), 1);
    let f = &t.rows[0].figures.closure_rate;
    assert_eq!((f.numerator, f.denominator, f.ids.len()), (3, 5, 0));
}

#[test]
fn overdue_counts_as_of_an_instant() {
    let r = demo::reference();
    let cs = cases();
    let by_id = |id: &str| cs.iter().find(|c| c.id == id).unwrap();
    // E: accepted Wed 10:00, dispatch limit 1 h.
    assert!(!is_overdue(by_id("E"), &r, t_at("2026-12-02 10:59")));
    assert!(is_overdue(by_id("E"), &r, t_at("2026-12-02 11:01")));
    // B, as it stood at Mon 12:00 (handled only at 13:40): past Mon 11:40.
    assert!(is_overdue(by_id("B"), &r, t_at("2026-12-07 12:00")));
    assert!(!is_overdue(by_id("B"), &r, t_at("2026-12-07 11:39")));
    assert!(!is_overdue(by_id("B"), &r, t_at("2026-12-10 12:00")), "closed by then");
    // Over the weekend nothing runs: A waits for its department unharmed.
    assert!(!is_overdue(by_id("A"), &r, t_at("2026-12-06 23:00")));
    assert!(!is_overdue(by_id("A"), &r, t_at("2026-12-04 14:00")), "not yet reported");

    let od = overdue_by_grid(&cs, &r, &Scope::All, t_at("2026-12-10 12:00"));
    assert_eq!(od.len(), r.org.grids().count(), "every grid appears");
    let g01 = od.iter().find(|o| o.grid == G01).unwrap();
    assert_eq!((g01.overdue, g01.cases.as_slice(), g01.name.as_str()), (1, &["E".to_string()][..], "柳荫社区第一网格"));
    let g02 = od.iter().find(|o| o.grid == G02).unwrap();
    assert_eq!(g02.cases, ["F"]);
    assert_eq!(od.iter().map(|o| o.overdue).sum::<u32>(), 2);
}

fn rules(min_sample: u32) -> RatingRules {
    RatingRules {
        red: vec![
            RatingRule { measure: Measure::OnTimeClosureRate, comparison: Comparison::Below, threshold: 60.0 },
            RatingRule { measure: Measure::OverdueCases, comparison: Comparison::Above, threshold: 3.0 },
        ],
        yellow: vec![
            RatingRule { measure: Measure::OnTimeClosureRate, comparison: Comparison::Below, threshold: 85.0 },
            RatingRule { measure: Measure::OverdueCases, comparison: Comparison::Above, threshold: 0.0 },
        ],
        min_sample,
    }
}

#[test]
fn ratings_explain_themselves() {
    let mut r = demo::reference();
    r.rating_rules = rules(1);
    let now = t_at("2026-12-10 12:00");
    let ratings = rate_grids(&cases(), &patrols(), &r, &Scope::All, &december(), now);
    assert_eq!(ratings.len(), r.org.grids().count());

    let g01 = ratings.iter().find(|g| g.grid == G01).unwrap();
    assert_eq!(g01.level, RatingLevel::Yellow);
    let reasons: Vec<_> = g01.reasons.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(reasons, ["按期结案率 75.0%（3/4），低于 85%", "超期案件 1 件，多于 0 件"]);
    assert_eq!(g01.summary, "黄：按期结案率 75.0%（3/4），低于 85%；超期案件 1 件，多于 0 件");
    let red_check = &g01.checks[0];
    assert_eq!(
        (red_check.level, red_check.outcome, red_check.value),
        (RatingLevel::Red, CheckOutcome::Passed, Some(75.0))
    );
    assert_eq!(g01.overdue.cases, ["E"]);
    assert_eq!(g01.figures.on_time_closure_rate.hit_ids, ["A", "C"]);

    let g02 = ratings.iter().find(|g| g.grid == G02).unwrap();
    assert_eq!(g02.level, RatingLevel::Yellow);
    assert_eq!(g02.reasons.len(), 1);
    assert_eq!(g02.reasons[0].rule.measure, Measure::OverdueCases);

    let quiet = ratings.iter().find(|g| g.grid == "QS04-G01").unwrap();
    assert_eq!(quiet.level, RatingLevel::Blue);
    assert!(quiet.reasons.is_empty());
    assert_eq!(quiet.summary, "蓝：未触发任何红黄规则");
    assert_eq!(quiet.checks[0].outcome, CheckOutcome::NoData);

    // Tighter red rule: 75 % is below 80 → red, and only the red rule is the reason.
    r.rating_rules.red[0].threshold = 80.0;
    let ratings = rate_grids(&cases(), &patrols(), &r, &Scope::All, &december(), now);
    let g01 = ratings.iter().find(|g| g.grid == G01).unwrap();
    assert_eq!(g01.level, RatingLevel::Red);
    assert_eq!(g01.reasons.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), ["按期结案率 75.0%（3/4），低于 80%"]);

    // With 5 records required, G01's 4 closes do not rate; the overdue case still does.
    r.rating_rules = rules(5);
    let ratings = rate_grids(&cases(), &patrols(), &r, &Scope::All, &december(), now);
    let g01 = ratings.iter().find(|g| g.grid == G01).unwrap();
    assert_eq!(g01.level, RatingLevel::Yellow);
    assert_eq!(g01.reasons.len(), 1);
    assert_eq!(g01.checks[0].outcome, CheckOutcome::TooFewSamples);
}

#[test]
fn a_past_month_counts_overdue_at_its_end() {
    let mut r = demo::reference();
    r.rating_rules = rules(1);
    // November: nothing existed yet, so nothing is overdue and all is blue.
    let nov = Period::month(2026, 11).unwrap();
    let ratings = rate_grids(&cases(), &patrols(), &r, &Scope::All, &nov, t_at("2026-12-10 12:00"));
    assert!(ratings.iter().all(|g| g.level == RatingLevel::Blue && g.overdue.overdue == 0));
    // December rated on Dec 2 at 12:00: E is overdue, F is still closed.
    let early = rate_grids(&cases(), &patrols(), &r, &Scope::All, &december(), t_at("2026-12-02 12:00"));
    assert_eq!(early.iter().find(|g| g.grid == G01).unwrap().overdue.cases, ["E"]);
    assert_eq!(early.iter().find(|g| g.grid == G02).unwrap().overdue.overdue, 0);
}

#[test]
fn the_default_rules_are_reference_data() {
    let r = demo::reference();
    assert_eq!(r.rating_rules, RatingRules::default());
    // An old reference without rules still loads, with the defaults.
    let mut json = serde_json::to_value(&r).unwrap();
    json.as_object_mut().unwrap().remove("rating_rules");
    let back: Reference = serde_json::from_value(json).unwrap();
    assert_eq!(back.rating_rules, RatingRules::default());
    assert!(Metric::ALL.iter().all(|m| !m.label().is_empty()));
}
