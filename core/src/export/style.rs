//! The look and print setup shared by the XLSX exports: 宋体 body text,
//! 黑体 titles, thin borders, A4 landscape fitted to the page width, the
//! title and header rows repeated on every printed page.

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet, XlsxError,
};

use crate::time::Millis;

const BODY_FONT: &str = "宋体";
const TITLE_FONT: &str = "黑体";
/// Excel's paper size code for A4.
const A4: u8 = 9;

/// The cell formats of an export.
#[derive(Debug, Clone)]
pub(crate) struct Styles {
    pub title: Format,
    pub subtitle: Format,
    pub header: Format,
    pub text: Format,
    pub wrap: Format,
    pub center: Format,
    pub integer: Format,
    pub decimal: Format,
    pub percent: Format,
}

impl Styles {
    pub(crate) fn new() -> Self {
        let body = Format::new().set_font_name(BODY_FONT).set_font_size(10.5);
        let cell = body.clone().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter);
        Styles {
            title: Format::new()
                .set_font_name(TITLE_FONT)
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            subtitle: body.clone().set_align(FormatAlign::Left).set_align(FormatAlign::VerticalCenter),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(0xD9E1F2)),
            text: cell.clone().set_indent(1),
            wrap: cell.clone().set_text_wrap().set_indent(1),
            center: cell.clone().set_align(FormatAlign::Center),
            integer: cell.clone().set_align(FormatAlign::Center).set_num_format("0"),
            decimal: cell.clone().set_align(FormatAlign::Center).set_num_format("0.00"),
            percent: cell.set_align(FormatAlign::Center).set_num_format("0.0%"),
        }
    }
}

/// A4 landscape, one page wide, rows `0..=repeat_to` on every page, page
/// numbers in the footer.
pub(crate) fn print_setup(sheet: &mut Worksheet, repeat_to: RowNum) -> Result<(), XlsxError> {
    sheet.set_paper_size(A4);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, repeat_to)?;
    sheet.set_margins(0.4, 0.4, 0.5, 0.6, 0.3, 0.3);
    sheet.set_print_center_horizontally(true);
    sheet.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

/// A workbook whose properties (and so its bytes) depend only on the input.
pub(crate) fn workbook(title: &str, created_at: Millis) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_timestamp(created_at.div_euclid(1000))?;
    wb.set_properties(&DocProperties::new().set_title(title).set_author("网格巡查").set_creation_datetime(&created));
    Ok(wb)
}
