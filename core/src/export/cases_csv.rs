//! Cases as CSV for Excel: UTF-8 with a byte-order mark (without it Excel
//! reads Chinese as mojibake), CRLF line ends, RFC 4180 quoting.

use super::ExportError;
use super::records::{CaseRecord, format_datetime, severity_label, status_label};

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

const HEADERS: [&str; 17] = [
    "编号",
    "标题",
    "类别编码",
    "大类",
    "小类",
    "状态",
    "严重程度",
    "网格编码",
    "网格",
    "地址",
    "纬度",
    "经度",
    "上报人",
    "上报时间",
    "处置部门",
    "结案时间",
    "状态代码",
];

/// The records as CSV bytes.
pub fn cases_csv(records: &[CaseRecord]) -> Result<Vec<u8>, ExportError> {
    let mut out = BOM.to_vec();
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        w.write_record(HEADERS)?;
        for r in records {
            let coord = |v: Option<f64>| v.map(|x| format!("{x:.7}")).unwrap_or_default();
            w.write_record([
                r.id.as_str(),
                &r.title,
                &r.category,
                &r.category_major,
                &r.category_name,
                status_label(r.status),
                severity_label(r.severity),
                &r.grid,
                &r.grid_name,
                &r.address,
                &coord(r.lat),
                &coord(r.lon),
                &r.reporter_name,
                &format_datetime(r.created_at),
                r.department.as_deref().unwrap_or(""),
                &r.closed_at.map(format_datetime).unwrap_or_default(),
                r.status.as_str(),
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}
