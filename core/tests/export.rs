//! The exports read back: XLSX cell by cell with calamine (and the print
//! setup from the file's XML), CSV through the csv reader, GeoJSON through
//! serde_json. Set `GRIDPATROL_EXPORT_DIR` to also keep the files (to look
//! at them, e.g. rendered by LibreOffice).

mod common;
mod office;

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use gridpatrol_core::demo;
use gridpatrol_core::export::{
    BOM, CaseRecord, KpiReport, PatrolLog, PatrolLogCase, case_records, cases_csv, cases_geojson, display_width,
    kpi_report_xlsx, patrol_log_xlsx,
};
use gridpatrol_core::kpi::Period;
use gridpatrol_core::model::{Case, Scope};
use gridpatrol_core::photo::{IngestLimits, ingest};
use office::*;

fn keep(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("GRIDPATROL_EXPORT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}

fn thumb(fixture: &str) -> Vec<u8> {
    ingest(&common::photo(fixture), &IngestLimits::default()).unwrap().thumb
}

fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap()
}

/// The text of a cell (strings as they are, numbers as printed by Rust).
fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

fn number(range: &calamine::Range<Data>, row: u32, col: u32) -> f64 {
    match range.get_value((row, col)) {
        Some(Data::Float(f)) => *f,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

/// A file inside the XLSX zip.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// Column widths from a sheet's XML: 0-based column → width.
fn col_widths(sheet_xml: &str) -> HashMap<u32, f64> {
    let mut out = HashMap::new();
    for col in sheet_xml.split("<col ").skip(1) {
        let attr = |name: &str| {
            let start = col.find(&format!("{name}=\""))? + name.len() + 2;
            let end = col[start..].find('"')? + start;
            Some(col[start..end].to_owned())
        };
        let (Some(min), Some(max), Some(width)) = (attr("min"), attr("max"), attr("width")) else { continue };
        let width: f64 = width.parse().unwrap();
        for c in min.parse::<u32>().unwrap()..=max.parse::<u32>().unwrap() {
            out.insert(c - 1, width);
        }
    }
    out
}

fn friday() -> Period {
    Period::day(chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap())
}

fn daily_log() -> (PatrolLog, Vec<u8>, Vec<u8>) {
    let r = demo::reference();
    let (a_thumb, b_thumb) = (thumb("gps_DSCN0010.jpg"), thumb("orientation_landscape_6.jpg"));
    let thumbs: HashMap<&str, Vec<u8>> = HashMap::from([("A", a_thumb.clone()), ("B", b_thumb.clone())]);
    let lookup = |c: &Case| thumbs.get(c.id.as_str()).cloned();
    let log = PatrolLog::build(&r, G01, &friday(), &cases(), &patrols(), &lookup, t("2026-12-04 18:00"));
    (log, a_thumb, b_thumb)
}

#[test]
fn the_daily_patrol_log_reads_back_cell_by_cell() {
    let (log, a_thumb, b_thumb) = daily_log();
    assert_eq!(log.title(), "柳荫社区第一网格 巡查日志 2026-12-04");
    assert_eq!(log.cases.iter().map(|c| c.record.id.as_str()).collect::<Vec<_>>(), ["A", "B"]);
    let bytes = patrol_log_xlsx(&log).unwrap();
    keep("patrol-log.xlsx", &bytes);
    let mut wb = open(&bytes);
    assert_eq!(wb.sheet_names(), ["巡查记录", "发现问题"]);

    let p = wb.worksheet_range("巡查记录").unwrap();
    assert_eq!(cell(&p, 0, 0), "柳荫社区第一网格 巡查日志 2026-12-04");
    assert_eq!(
        cell(&p, 1, 0),
        "网格：柳荫社区第一网格    日期：2026-12-04    巡查 1 次    发现问题 2 件    制表时间：2026-12-04 18:00"
    );
    let headers: Vec<String> = (0..10).map(|c| cell(&p, 2, c)).collect();
    assert_eq!(
        headers,
        [
            "序号",
            "巡查类型",
            "巡查人员",
            "开始时间",
            "结束时间",
            "时长",
            "街巷覆盖",
            "覆盖率",
            "轨迹里程（公里）",
            "发现问题（件）"
        ]
    );
    let row: Vec<String> = (0..7).map(|c| cell(&p, 3, c)).collect();
    assert_eq!(row, ["1", "晨检", "王芳、李娜", "06:00", "08:00", "2小时00分", "5/6"]);
    assert!((number(&p, 3, 7) - 5.0 / 6.0).abs() < 1e-12);
    assert_eq!(number(&p, 3, 8), 2.3);
    assert_eq!(number(&p, 3, 9), 2.0);
    assert_eq!(cell(&p, 4, 0), "", "one patrol only");

    let c = wb.worksheet_range("发现问题").unwrap();
    let headers: Vec<String> = (0..9).map(|col| cell(&c, 2, col)).collect();
    assert_eq!(
        headers,
        ["序号", "发现时间", "问题类别", "问题描述", "地址", "坐标（WGS-84）", "状态", "上报人", "照片"]
    );
    let a: Vec<String> = (0..8).map(|col| cell(&c, 3, col)).collect();
    assert_eq!(
        a,
        [
            "1",
            "15:00",
            "机动车乱停放\n街面秩序",
            "机动车乱停放 A",
            "柳荫路 11 号门口",
            "30.274100, 120.155100",
            "已结案",
            "王芳"
        ]
    );
    assert_eq!((cell(&c, 4, 1), cell(&c, 4, 6), cell(&c, 4, 7)), ("16:00".into(), "已结案".into(), "李娜".into()));

    // Both thumbnails are embedded, byte for byte.
    let mut pictures: Vec<Vec<u8>> = wb
        .pictures()
        .unwrap()
        .into_iter()
        .map(|(ext, data)| {
            assert!(ext == "jpeg" || ext == "jpg", "{ext}");
            data
        })
        .collect();
    pictures.sort();
    let mut want = vec![a_thumb, b_thumb];
    want.sort();
    assert_eq!(pictures, want);
    // …anchored in the photo column (I = index 8) of rows 4 and 5.
    let drawing = part(&bytes, "xl/drawings/drawing1.xml");
    let anchors: Vec<(u32, u32)> = drawing
        .split("<xdr:from>")
        .skip(1)
        .map(|f| {
            let num = |tag: &str| {
                f.split(&format!("<xdr:{tag}>")).nth(1).unwrap().split('<').next().unwrap().parse().unwrap()
            };
            (num("row"), num("col"))
        })
        .collect();
    assert_eq!(anchors, [(3, 8), (4, 8)]);
}

#[test]
fn the_daily_log_prints_on_a4_landscape_with_repeated_headers_and_cjk_widths() {
    let (log, _, _) = daily_log();
    let bytes = patrol_log_xlsx(&log).unwrap();
    let workbook = part(&bytes, "xl/workbook.xml");
    for sheet in ["巡查记录", "发现问题"] {
        assert!(
            workbook.contains(&format!(
                "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{}\">{sheet}!$1:$3</definedName>",
                if sheet == "巡查记录" { 0 } else { 1 }
            )),
            "{workbook}"
        );
    }
    for n in [1, 2] {
        let xml = part(&bytes, &format!("xl/worksheets/sheet{n}.xml"));
        assert!(xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#), "sheet{n} not fitted to page");
        assert!(
            xml.contains(r#"paperSize="9""#) && xml.contains(r#"orientation="landscape""#),
            "sheet{n} not A4 landscape"
        );
        assert!(xml.contains(r#"fitToHeight="0""#), "sheet{n} must be one page wide, any pages tall");
    }
    // Widths count CJK as two: 王芳、李娜 is 10 wide, so at least 12 with padding.
    let widths = col_widths(&part(&bytes, "xl/worksheets/sheet1.xml"));
    assert_eq!(display_width("王芳、李娜"), 10);
    assert!(widths[&2] >= 12.0, "team column {:?}", widths.get(&2));
    let widths = col_widths(&part(&bytes, "xl/worksheets/sheet2.xml"));
    // 柳荫路 11 号门口 is 16 wide; the category line 机动车乱停放 is 12.
    assert!(widths[&4] >= 18.0, "address column {:?}", widths.get(&4));
    assert!(widths[&2] >= 14.0, "category column {:?}", widths.get(&2));
    assert!(widths[&8] >= 21.0, "photo column {:?}", widths.get(&8));
}

#[test]
fn a_log_without_photos_or_with_broken_ones_still_prints() {
    let (mut log, _, _) = daily_log();
    log.cases[0].thumbnail = Some(b"not a picture".to_vec());
    log.cases[1].thumbnail = None;
    let bytes = patrol_log_xlsx(&log).unwrap();
    let mut wb = open(&bytes);
    let c = wb.worksheet_range("发现问题").unwrap();
    assert_eq!(cell(&c, 3, 8), "（照片无法读取）");
    assert_eq!(cell(&c, 4, 8), "（无照片）");
    assert!(wb.pictures().is_none_or(|p| p.is_empty()));

    let empty = PatrolLog { patrols: vec![], cases: vec![], ..log };
    let mut wb = open(&patrol_log_xlsx(&empty).unwrap());
    assert_eq!(cell(&wb.worksheet_range("巡查记录").unwrap(), 3, 0), "当日无巡查记录");
    assert_eq!(cell(&wb.worksheet_range("发现问题").unwrap(), 3, 0), "当日未发现问题");
}

#[test]
fn the_monthly_report_reads_back() {
    let r = demo::reference();
    let month = Period::month(2026, 12).unwrap();
    let report = KpiReport::build(
        &cases(),
        &patrols(),
        &r,
        &Scope::All,
        &month,
        t("2026-12-10 12:00"),
        "青石街道 2026-12 绩效与网格评级",
        "服务器",
    );
    let bytes = kpi_report_xlsx(&report).unwrap();
    keep("kpi-report.xlsx", &bytes);
    let mut wb = open(&bytes);
    assert_eq!(wb.sheet_names(), ["网格评级", "部门", "人员"]);

    let g = wb.worksheet_range("网格评级").unwrap();
    assert_eq!(cell(&g, 0, 0), "青石街道 2026-12 绩效与网格评级");
    assert_eq!(cell(&g, 1, 0), "统计期：2026-12    数据截至：2026-12-10 12:00（服务器）");
    assert_eq!(
        (cell(&g, 2, 0), cell(&g, 2, 5), cell(&g, 3, 5), cell(&g, 3, 6)),
        ("网格".into(), "结案率".into(), "比率".into(), "分子/分母".into())
    );
    assert_eq!(cell(&g, 2, 7), "按期结案率");
    // Grids in id order: QS01-G01 is the first data row.
    assert_eq!((cell(&g, 4, 0), cell(&g, 4, 1)), ("柳荫社区第一网格".into(), "柳荫社区".into()));
    // Default rules: G01's rates have too few records (4 < 5) except 返工率
    // (1/5 = 20 %, not above 20) and coverage (5/6); one overdue case → 黄.
    assert_eq!(cell(&g, 4, 2), "黄");
    assert_eq!(cell(&g, 4, 3), "超期案件 1 件，多于 0 件");
    assert_eq!(number(&g, 4, 4), 1.0);
    assert_eq!((number(&g, 4, 5), cell(&g, 4, 6)), (0.75, "3/4".into()));
    assert_eq!((number(&g, 4, 7), cell(&g, 4, 8)), (0.75, "3/4".into()));
    assert_eq!((number(&g, 4, 9), cell(&g, 4, 10)), (0.2, "1/5".into()));
    assert_eq!(cell(&g, 4, 21), "1", "one patrol");
    // A grid without any case: blue, rates shown as a dash.
    let last = 4 + r.org.grids().count() as u32 - 1;
    assert_eq!(
        (cell(&g, last, 0), cell(&g, last, 2), cell(&g, last, 5), cell(&g, last, 6)),
        ("桃园村第二网格".into(), "蓝".into(), "—".into(), "0/0".into())
    );

    let d = wb.worksheet_range("部门").unwrap();
    assert_eq!(cell(&d, 4, 0), "青石街道综合行政执法队");
    let heads: Vec<String> = [1, 3, 5, 7, 9].iter().map(|&c| cell(&d, 2, c)).collect();
    assert_eq!(heads, ["结案率", "按期结案率", "按期处置率", "返工率", "回潮率"]);
    assert_eq!((number(&d, 4, 1), cell(&d, 4, 2)), (1.0, "2/2".into()));
    assert_eq!((number(&d, 4, 3), cell(&d, 4, 4)), (0.5, "1/2".into()));
    assert_eq!(cell(&d, 4, 6), "2/3");
    assert_eq!(cell(&d, 4, 8), "1/3");

    let w = wb.worksheet_range("人员").unwrap();
    let wang = (4..40).find(|&row| cell(&w, row, 0) == "王芳").expect("王芳 has a row");
    assert_eq!(cell(&w, wang, 2), "3/3", "有效上报率");
    assert_eq!(cell(&w, wang, 4), "1/3", "自处率");
    assert_eq!(cell(&w, wang, 6), "2/3", "结案率");
    assert_eq!(cell(&w, wang, 14), "5/6", "巡查覆盖率");
    assert_eq!((number(&w, wang, 15), number(&w, wang, 16)), (1.0, 2.3));
}

fn records() -> Vec<CaseRecord> {
    let mut cs = cases();
    cs[0].title = "违停,占道 \"严重\"\n第二行".into();
    cs[5].location.lat = None;
    case_records(&cs, &demo::reference())
}

#[test]
fn csv_has_a_bom_and_round_trips() {
    let recs = records();
    let bytes = cases_csv(&recs).unwrap();
    keep("cases.csv", &bytes);
    assert!(bytes.starts_with(BOM));
    let text = std::str::from_utf8(&bytes[BOM.len()..]).unwrap();
    assert!(text.starts_with("编号,标题,类别编码,大类,小类,状态,"), "{}", &text[..60]);
    let mut reader = csv::Reader::from_reader(&bytes[BOM.len()..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, ["C", "F", "E", "D", "A", "B"], "oldest first");
    let a = rows.iter().find(|r| &r[0] == "A").unwrap();
    assert_eq!(&a[1], "违停,占道 \"严重\"\n第二行", "quoting survives commas, quotes and newlines");
    assert_eq!((&a[4], &a[5], &a[8]), ("机动车乱停放", "已结案", "柳荫社区第一网格"));
    assert_eq!((&a[10], &a[11]), ("30.2741000", "120.1551000"));
    assert_eq!(
        (&a[13], &a[14], &a[15], &a[16]),
        ("2026-12-04 15:00", "青石街道综合行政执法队", "2026-12-07 14:10", "closed")
    );
    let f = rows.iter().find(|r| &r[0] == "F").unwrap();
    assert_eq!((&f[5], &f[10], &f[15]), ("已回潮", "", ""));
    let d = rows.iter().find(|r| &r[0] == "D").unwrap();
    assert_eq!(&d[5], "已作废");
}

#[test]
fn geojson_is_a_wgs84_feature_collection() {
    let bytes = cases_geojson(&records()).unwrap();
    keep("cases.geojson", &bytes);
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["type"], "FeatureCollection");
    let features = v["features"].as_array().unwrap();
    assert_eq!(features.len(), 6);
    let a = features.iter().find(|f| f["id"] == "A").unwrap();
    assert_eq!(a["type"], "Feature");
    assert_eq!(a["geometry"], serde_json::json!({ "type": "Point", "coordinates": [120.1551, 30.2741] }));
    let p = &a["properties"];
    assert_eq!(
        (p["id"].as_str(), p["category"].as_str(), p["status"].as_str(), p["grid"].as_str()),
        (Some("A"), Some("E0505"), Some("closed"), Some(G01))
    );
    assert_eq!(p["created_at"], "2026-12-04T15:00:00+08:00");
    assert_eq!(p["title"], "违停,占道 \"严重\"\n第二行");
    let f = features.iter().find(|f| f["id"] == "F").unwrap();
    assert!(f["geometry"].is_null(), "no latitude, no point");
    assert_eq!(f["properties"]["status"], "relapsed");
}

#[test]
fn exports_do_not_depend_on_input_order() {
    let r = demo::reference();
    let mut reversed = cases();
    reversed.reverse();
    assert_eq!(cases_csv(&case_records(&cases(), &r)).unwrap(), cases_csv(&case_records(&reversed, &r)).unwrap());
    let (log, _, _) = daily_log();
    let again = PatrolLog {
        cases: log
            .cases
            .iter()
            .map(|c| PatrolLogCase { record: c.record.clone(), thumbnail: c.thumbnail.clone() })
            .collect(),
        ..log.clone()
    };
    assert_eq!(patrol_log_xlsx(&log).unwrap(), patrol_log_xlsx(&again).unwrap(), "same input, same bytes");
}
