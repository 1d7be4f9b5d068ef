//! Where rows come from: xlsx streamed cell by cell through calamine's cell reader, xls through
//! calamine's range, csv in UTF-8 or GBK.
//! Each source hands out one row at a time in a reused buffer, so a million-row file never sits in
//! memory as cells.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

use calamine::{Reader, SheetType, Xls, Xlsx};

use crate::ExchangeError;
use crate::cells::{CellKind, data_ref_text, data_text};

/// Columns beyond this are ignored: a stray cell at column XFD must not allocate 16,384 strings per row.
pub(crate) const MAX_COLUMNS: usize = 512;
/// The sheet a roster lives in when a workbook has several.
pub(crate) const ROSTER_SHEET: &str = "花名册";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Xlsx,
    Xls,
    Csv,
}

/// A file on disk or an uploaded body.
#[derive(Clone, Copy)]
pub(crate) enum Input<'a> {
    Path(&'a Path),
    Bytes(&'a [u8]),
}

/// One sheet row: 1-based row number as Excel shows it, trimmed cell texts, and their kinds.
pub(crate) struct RowRef<'r> {
    pub number: usize,
    pub cells: &'r [String],
    pub kinds: &'r [CellKind],
}

impl RowRef<'_> {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(String::is_empty)
    }
}

pub(crate) type OnRow<'f> = dyn FnMut(RowRef<'_>) -> Result<(), ExchangeError> + 'f;

/// Picks the format: the file's magic bytes when they are a zip (xlsx) or an OLE container (xls), else
/// the extension.
pub(crate) fn detect(head: &[u8], file_name: &str) -> Result<Format, ExchangeError> {
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Format::Xlsx);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(Format::Xls);
    }
    let ext = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => Ok(Format::Csv),
        "xlsx" | "xlsm" => Ok(Format::Xlsx),
        "xls" => Ok(Format::Xls),
        _ => Err(ExchangeError::UnknownFormat(file_name.to_string())),
    }
}

pub(crate) fn detect_path(path: &Path) -> Result<Format, ExchangeError> {
    let mut head = [0u8; 8];
    let mut file = File::open(path)?;
    let n = read_up_to(&mut file, &mut head)?;
    detect(&head[..n], &path.to_string_lossy())
}

/// Streams every row of the roster sheet to `on_row`, in sheet order.
pub(crate) fn stream(
    input: Input<'_>,
    format: Format,
    on_row: &mut OnRow<'_>,
) -> Result<(), ExchangeError> {
    match (input, format) {
        (Input::Path(p), Format::Xlsx) => {
            stream_xlsx(BufReader::with_capacity(1 << 16, File::open(p)?), on_row)
        }
        (Input::Bytes(b), Format::Xlsx) => stream_xlsx(Cursor::new(b), on_row),
        (Input::Path(p), Format::Xls) => stream_xls(BufReader::new(File::open(p)?), on_row),
        (Input::Bytes(b), Format::Xls) => stream_xls(Cursor::new(b), on_row),
        (Input::Path(p), Format::Csv) => {
            stream_csv(BufReader::with_capacity(1 << 16, File::open(p)?), on_row)
        }
        (Input::Bytes(b), Format::Csv) => stream_csv(b, on_row),
    }
}

pub(crate) fn unreadable(e: impl std::fmt::Display) -> ExchangeError {
    ExchangeError::Unreadable(e.to_string())
}

/// The sheet named 花名册 if there is one, else the first worksheet.
fn pick_sheet(sheets: &[calamine::Sheet]) -> Result<String, ExchangeError> {
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    worksheets()
        .find(|s| s.name.trim() == ROSTER_SHEET)
        .or_else(|| worksheets().next())
        .map(|s| s.name.clone())
        .ok_or(ExchangeError::EmptySheet)
}

/// A row under construction; its strings are reused from row to row.
#[derive(Default)]
pub(crate) struct RowBuf {
    cells: Vec<String>,
    kinds: Vec<CellKind>,
    len: usize,
}

impl RowBuf {
    pub(crate) fn set(&mut self, col: usize, fill: impl FnOnce(&mut String) -> CellKind) {
        if col >= MAX_COLUMNS {
            return;
        }
        if self.cells.len() <= col {
            self.cells.resize_with(col + 1, String::new);
            self.kinds.resize(col + 1, CellKind::Text);
        }
        let slot = &mut self.cells[col];
        slot.clear();
        self.kinds[col] = fill(slot);
        self.len = self.len.max(col + 1);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn emit(
        &mut self,
        number: usize,
        on_row: &mut OnRow<'_>,
    ) -> Result<(), ExchangeError> {
        let row = RowRef {
            number,
            cells: &self.cells[..self.len],
            kinds: &self.kinds[..self.len],
        };
        let result = if row.is_blank() { Ok(()) } else { on_row(row) };
        for c in &mut self.cells[..self.len] {
            c.clear();
        }
        self.kinds[..self.len].fill(CellKind::Text);
        self.len = 0;
        result
    }
}

/// Streams the roster sheet of an xlsx workbook: only the current row (and calamine's shared-string
/// table) is held in memory, so a million-row roster never sits in memory as cells.
fn stream_xlsx<RS: Read + Seek>(rs: RS, on_row: &mut OnRow<'_>) -> Result<(), ExchangeError> {
    let mut book: Xlsx<RS> = Xlsx::new(rs).map_err(unreadable)?;
    let name = pick_sheet(book.sheets_metadata())?;
    let mut cells = book.worksheet_cells_reader(&name).map_err(unreadable)?;
    let mut buf = RowBuf::default();
    let mut current: Option<u32> = None;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        if current != Some(row) {
            if let Some(r) = current {
                buf.emit(r as usize + 1, on_row)?;
            }
            current = Some(row);
        }
        let value = cell.get_value();
        if !matches!(value, calamine::DataRef::Empty) {
            buf.set(col as usize, |s| data_ref_text(value, s));
        }
    }
    if let Some(r) = current {
        buf.emit(r as usize + 1, on_row)?;
    }
    Ok(())
}

fn stream_xls<RS: Read + Seek>(rs: RS, on_row: &mut OnRow<'_>) -> Result<(), ExchangeError> {
    let mut book = Xls::new(rs).map_err(unreadable)?;
    let name = pick_sheet(book.sheets_metadata())?;
    let range = book.worksheet_range(&name).map_err(unreadable)?;
    let Some((r0, c0)) = range.start() else {
        return Ok(());
    };
    let mut buf = RowBuf::default();
    for (i, row) in range.rows().enumerate() {
        for (j, value) in row.iter().enumerate() {
            if !matches!(value, calamine::Data::Empty) {
                buf.set(c0 as usize + j, |s| data_text(value, s));
            }
        }
        buf.emit(r0 as usize + i + 1, on_row)?;
    }
    Ok(())
}

/// How many bytes of a CSV are inspected to tell UTF-8 from GBK.
const SNIFF: usize = 64 * 1024;

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Gbk,
}

/// UTF-8 unless the sample holds a byte sequence UTF-8 cannot contain (a sequence cut at the end of
/// the sample does not count).
fn sniff_encoding(sample: &[u8]) -> Encoding {
    match std::str::from_utf8(sample) {
        Ok(_) => Encoding::Utf8,
        Err(e) if e.error_len().is_none() => Encoding::Utf8,
        Err(_) => Encoding::Gbk,
    }
}

fn decode_into(field: &[u8], encoding: Encoding, out: &mut String) {
    let text = match (encoding, std::str::from_utf8(field)) {
        (Encoding::Utf8, Ok(s)) => std::borrow::Cow::Borrowed(s),
        (Encoding::Gbk, Ok(s)) if s.is_ascii() => std::borrow::Cow::Borrowed(s),
        _ => encoding_rs::GB18030.decode_without_bom_handling(field).0,
    };
    out.push_str(text.trim());
}

/// The CSV reader of [`open_csv`]: the sniffed sample, then the rest of the input.
pub(crate) type CsvReader<R> = csv::Reader<std::io::Chain<Cursor<Vec<u8>>, R>>;

/// A CSV reader over `r` as every roster and feed file is read: the BOM skipped, UTF-8 or GB18030
/// told from the first 64 KiB, comma or (when the first line has no comma) tab as delimiter.
pub(crate) fn open_csv<R: Read>(
    mut r: R,
    buffer: usize,
) -> Result<(CsvReader<R>, Encoding), ExchangeError> {
    let mut sample = vec![0u8; SNIFF];
    let n = read_up_to(&mut r, &mut sample)?;
    sample.truncate(n);
    let (start, encoding) = if sample.starts_with(b"\xEF\xBB\xBF") {
        (3, Encoding::Utf8)
    } else {
        (0, sniff_encoding(&sample))
    };
    let first_line = sample[start..]
        .split(|b| *b == b'\n')
        .next()
        .unwrap_or_default();
    let delimiter = if !first_line.contains(&b',') && first_line.contains(&b'\t') {
        b'\t'
    } else {
        b','
    };
    let mut body = Cursor::new(sample);
    body.set_position(start as u64);
    let csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(buffer)
        .from_reader(body.chain(r));
    Ok((csv, encoding))
}

/// The sheet row number of a CSV record (its first line).
pub(crate) fn csv_line(record: &csv::ByteRecord) -> usize {
    usize::try_from(record.position().map_or(0, |p| p.line())).unwrap_or(usize::MAX)
}

/// Puts the trimmed, decoded cells of a CSV record in `buf`. A UTF-8 record is validated once as a
/// whole; GBK (or a stray bad field) is decoded field by field. `record` is handed back unchanged.
pub(crate) fn fill_csv_row(record: &mut csv::ByteRecord, encoding: Encoding, buf: &mut RowBuf) {
    let taken = std::mem::take(record);
    match csv::StringRecord::from_byte_record(taken).map_err(csv::FromUtf8Error::into_byte_record) {
        Ok(text) if encoding == Encoding::Utf8 => {
            for (i, field) in text.iter().enumerate() {
                if !field.is_empty() {
                    buf.set(i, |s| {
                        s.push_str(field.trim());
                        CellKind::Text
                    });
                }
            }
            *record = text.into_byte_record();
        }
        Ok(text) => *record = text.into_byte_record(),
        Err(bytes) => *record = bytes,
    }
    if buf.is_empty() {
        for (i, field) in record.iter().enumerate() {
            if !field.is_empty() {
                buf.set(i, |s| {
                    decode_into(field, encoding, s);
                    CellKind::Text
                });
            }
        }
    }
}

fn stream_csv(r: impl Read, on_row: &mut OnRow<'_>) -> Result<(), ExchangeError> {
    let (mut csv, encoding) = open_csv(r, 1 << 16)?;
    let mut record = csv::ByteRecord::new();
    let mut buf = RowBuf::default();
    while csv.read_byte_record(&mut record).map_err(unreadable)? {
        let line = csv_line(&record);
        fill_csv_row(&mut record, encoding, &mut buf);
        buf.emit(line, on_row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_magic_bytes_before_extension() {
        assert_eq!(detect(b"PK\x03\x04rest", "a.xls").ok(), Some(Format::Xlsx));
        assert_eq!(
            detect(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0], "a.xlsx").ok(),
            Some(Format::Xls)
        );
        assert_eq!(detect(b"a,b,c", "roster.CSV").ok(), Some(Format::Csv));
        assert!(matches!(
            detect(b"a,b,c", "roster.pdf"),
            Err(ExchangeError::UnknownFormat(_))
        ));
    }

    #[test]
    fn gbk_is_recognised_but_a_cut_utf8_sequence_is_not_mistaken_for_it() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,证件号码");
        assert!(sniff_encoding(&gbk) == Encoding::Gbk);
        let utf8 = "姓名".as_bytes();
        assert!(sniff_encoding(&utf8[..4]) == Encoding::Utf8);
    }
}
