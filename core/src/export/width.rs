//! Column widths for sheets with Chinese text. A column's width is counted
//! in widths of the digit `0`; a CJK character is about two of them, which
//! `rust_xlsxwriter`'s autofit does not know, so we count ourselves.

use rust_xlsxwriter::{ColNum, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

/// The display width of `s` in columns: CJK and full-width characters count
/// as 2, others as 1. Multi-line text counts its longest line.
pub fn display_width(s: &str) -> usize {
    s.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}

/// The widest text seen per column, with a lower and upper bound each.
#[derive(Debug, Clone)]
pub(crate) struct ColumnWidths {
    widths: Vec<usize>,
    bounds: Vec<(usize, usize)>,
}

impl ColumnWidths {
    /// Columns with `(min, max)` widths.
    pub(crate) fn new(bounds: &[(usize, usize)]) -> Self {
        ColumnWidths { widths: bounds.iter().map(|b| b.0).collect(), bounds: bounds.to_vec() }
    }

    /// Notes that `text` is written in column `col`.
    pub(crate) fn fit(&mut self, col: ColNum, text: &str) {
        if let Some(w) = self.widths.get_mut(usize::from(col)) {
            *w = (*w).max(display_width(text));
        }
    }

    /// Sets the widths on the sheet: the widest text plus a little padding,
    /// within the column's bounds (text beyond `max` wraps).
    pub(crate) fn apply(&self, sheet: &mut Worksheet) -> Result<(), XlsxError> {
        for (i, (w, (min, max))) in self.widths.iter().zip(&self.bounds).enumerate() {
            let width = (*w + 2).clamp(*min, *max);
            sheet.set_column_width(i as ColNum, width as f64)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_double() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("巡查日志"), 8);
        assert_eq!(display_width("柳荫路 12 号"), 12);
        assert_eq!(display_width("（全角）"), 8);
        assert_eq!(display_width("短\n很长的一行"), 10);
        let mut w = ColumnWidths::new(&[(4, 10), (4, 30)]);
        w.fit(0, "柳荫社区第一网格");
        w.fit(1, "x");
        w.fit(9, "ignored");
        assert_eq!(w.widths, [16, 4]);
    }
}
