//! The error workbook: the rejected rows as they were read, with an 错误说明 column and the bad cells
//! filled red, so a clerk can correct them and import the sheet again.

use std::collections::HashMap;
use std::path::Path;

use rust_xlsxwriter::{Color, Format, Workbook};

use crate::export::{col_index, row_index, streaming_sheet};
use crate::{ExchangeError, Finding, Roster, Severity};

const SHEET: &str = "错误行";
const EXPLANATION: &str = "错误说明";
const SEPARATOR: &str = "；";
/// For a row that is fine itself but belongs to a rejected household.
const SIBLING_ONLY: &str = "本户其他行有错误，整户未导入";
const LIGHT_RED: u32 = 0xFFC7CE;

fn build(roster: &Roster) -> Result<Workbook, ExchangeError> {
    let rows = roster
        .rejected
        .iter()
        .flat_map(|h| &h.rows)
        .map(|(n, cells)| (*n, cells.as_slice()))
        .collect();
    build_rows(&roster.headers, rows, &roster.findings)
}

/// The error workbook of any file read row by row: `rows` are (sheet row, cell texts aligned with
/// `headers`); each gets the error findings of its row as 错误说明, its bad cells filled red.
pub(crate) fn build_rows(
    headers: &[String],
    mut rows: Vec<(usize, &[String])>,
    findings: &[Finding],
) -> Result<Workbook, ExchangeError> {
    // Row → (messages, bad columns).
    let mut by_row: HashMap<usize, (Vec<&str>, Vec<usize>)> = HashMap::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        let entry = by_row.entry(f.row).or_default();
        entry.0.push(&f.message);
        if let Some(col) = f
            .column
            .as_ref()
            .and_then(|c| headers.iter().position(|h| h == c))
        {
            entry.1.push(col);
        }
    }
    rows.sort_by_key(|(n, _)| *n);

    let mut book = Workbook::new();
    let mut sheet = streaming_sheet(&mut book, SHEET)?;
    let bold = Format::new().set_bold();
    let bad = Format::new().set_background_color(Color::RGB(LIGHT_RED));
    let width = headers.len();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col_index(c)?, h, &bold)?;
    }
    let explain_col = col_index(width)?;
    sheet.write_string_with_format(0, explain_col, EXPLANATION, &bold)?;
    sheet.set_column_width(explain_col, 60)?;
    sheet.set_freeze_panes(1, 0)?;

    for (i, (n, cells)) in rows.into_iter().enumerate() {
        let r = row_index(i + 1)?;
        let (messages, bad_cols) = by_row
            .get(&n)
            .map_or((&[][..], &[][..]), |(m, b)| (&m[..], &b[..]));
        for c in 0..width {
            let text = cells.get(c).map_or("", String::as_str);
            let col = col_index(c)?;
            if bad_cols.contains(&c) {
                sheet.write_string_with_format(r, col, text, &bad)?;
            } else if !text.is_empty() {
                sheet.write_string(r, col, text)?;
            }
        }
        let explanation = if messages.is_empty() {
            SIBLING_ONLY.to_string()
        } else {
            messages.join(SEPARATOR)
        };
        sheet.write_string(r, explain_col, explanation)?;
    }
    book.push_worksheet(sheet);
    Ok(book)
}

/// Writes the rejected rows of `roster` with their 错误说明 to `path`.
pub fn write_error_workbook(path: &Path, roster: &Roster) -> Result<(), ExchangeError> {
    build(roster)?.save(path)?;
    Ok(())
}

/// [`write_error_workbook`] into memory, for a download.
pub fn write_error_workbook_bytes(roster: &Roster) -> Result<Vec<u8>, ExchangeError> {
    Ok(build(roster)?.save_to_buffer()?)
}
