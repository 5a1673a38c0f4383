//! The one CSV engine. A file (plain, compressed, in any encoding) is read in blocks cut at
//! line ends outside quotes; each block's pieces are parsed on all cores by a row [`Schema`]
//! (the customer file, the order log) and appended in file order. Memory stays near one block
//! beyond the table, and the first bad row in file order is the one reported.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{channel, sync_channel};
use std::sync::Arc;

use rayon::prelude::*;

use crate::core::error::{Cancelled, FloError, Location, Result};
use crate::core::io::read::blocks::{fill, Block, Blocks};
use crate::core::io::read::fields::{Fields, Row, Structure};
use crate::core::io::read::sniff::Header;
use crate::core::io::read::{is_plain_utf8, open_file, text_input};
use crate::core::watch::Watch;

/// How to read the text of a file, whatever its rows hold.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// `None` detects `,` `;` tab or `|` from the header line.
    pub delimiter: Option<u8>,
    /// The file's text encoding; `None`: UTF-8 (or UTF-16 with a byte-order mark).
    pub encoding: Option<String>,
    /// Bytes read so far are counted here, and another thread can stop the read here.
    pub progress: Option<Arc<Watch>>,
    /// The line the first record is on, when the text is a range of a larger file (its header
    /// line, then records from further down); `None`: the line after the header.
    pub first_line: Option<u64>,
}

/// A delimiter given as text: one ASCII character, or `None` to detect it.
pub fn delimiter_of(text: Option<&str>) -> Result<Option<u8>> {
    match text {
        None => Ok(None),
        Some(d) if d.len() == 1 && d != "\"" && d != "\n" => Ok(Some(d.as_bytes()[0])),
        Some(d) => Err(FloError::invalid(format!(
            "delimiter must be one ASCII character other than a quote or a line break, got {d:?}"
        ))),
    }
}

/// What a file's rows become: a schema parses pieces on their own (on any core) and appends
/// them to its table in file order.
pub trait Schema: Sync {
    type Part: Send;
    type Table: Send;

    /// The rows of one piece.
    fn parse(&self, piece: Piece<'_>) -> Self::Part;

    /// Appends the next piece; an error (the piece's first bad row) stops the read.
    fn append(&self, table: &mut Self::Table, part: Self::Part) -> Result<()>;
}

/// Records of a file, whole, the first of them on line `first_line`.
pub struct Piece<'a> {
    pub bytes: &'a [u8],
    pub first_line: u64,
    pub header: &'a Header,
    /// Whether the whole piece is valid UTF-8 (checked once, far cheaper than per field).
    pub utf8: bool,
    /// At most how many records the piece holds (0: not known).
    pub rows: usize,
}

impl<'a> Piece<'a> {
    pub fn new(bytes: &'a [u8], first_line: u64, header: &'a Header) -> Self {
        let utf8 = std::str::from_utf8(bytes).is_ok();
        Piece {
            bytes,
            first_line,
            header,
            utf8,
            rows: 0,
        }
    }

    /// The piece's records, blank lines left out.
    pub fn records(&self) -> Records<'a> {
        Records {
            index: Structure::new(self.bytes, self.header.delimiter),
            bytes: self.bytes,
            pos: 0,
            line: self.first_line,
            fields: Fields::with_capacity(self.header.names.len()),
        }
    }

    /// Field `col` of a record on `line` as text; invalid UTF-8 is named with its line and
    /// column and the fix.
    #[inline]
    pub fn text<'r>(&self, record: Row<'r>, col: usize, line: u64) -> Result<&'r str> {
        let raw: &'r [u8] = record.get(col);
        if self.utf8 {
            // SAFETY: the whole piece is valid UTF-8 and fields are cut at ASCII delimiters,
            // quotes and line breaks (or have ASCII quotes removed), which keeps them valid.
            return Ok(unsafe { std::str::from_utf8_unchecked(raw) });
        }
        std::str::from_utf8(raw).map_err(|_| FloError::Parse {
            location: self.location(line, col),
            text: String::from_utf8_lossy(raw).into_owned(),
            expected: "UTF-8 text (if the file is in another encoding, name it: \
                       encoding=\"windows-1254\", \"latin-1\", ...)"
                .to_string(),
        })
    }

    pub fn location(&self, line: u64, col: usize) -> Location {
        Location {
            source: self.header.source.clone(),
            line,
            column: self.header.names[col].clone(),
        }
    }

    /// The error for a record of the wrong width, if it is one.
    pub fn check_width(&self, record: Row<'_>, line: u64) -> Result<()> {
        let width = self.header.names.len();
        if record.len() == width {
            return Ok(());
        }
        Err(FloError::Format {
            source_name: self.header.source.clone(),
            line,
            message: format!("expected {width} fields, found {}", record.len()),
        })
    }
}

/// A piece's records one at a time, with the line each starts on.
pub struct Records<'a> {
    index: Structure<'a>,
    bytes: &'a [u8],
    pos: usize,
    line: u64,
    fields: Fields,
}

impl<'a> Records<'a> {
    /// The next record that is not a blank line, and its line.
    #[allow(clippy::should_implement_trait)] // it lends its fields, which Iterator cannot
    pub fn next(&mut self) -> Option<(u64, Row<'_>)> {
        loop {
            if self.pos >= self.bytes.len() {
                return None;
            }
            let (end, newlines) = self.index.split_record(self.pos, &mut self.fields);
            let line = self.line;
            self.line += newlines;
            self.pos = end;
            if !self.fields.row(self.bytes).is_blank() {
                return Some((line, self.fields.row(self.bytes)));
            }
        }
    }
}

/// Reads a file from disk: plain, gzip, bzip2, xz or zstd, in `opts.encoding`. `start` sees the
/// header and returns the schema and its empty table.
pub fn read_file<S: Schema>(
    path: &Path,
    opts: &CsvOptions,
    start: impl FnOnce(&Header) -> Result<(S, S::Table)>,
) -> Result<S::Table> {
    let name = path.display().to_string();
    let mut file = open_file(path)?;
    let head = peek(&mut file).map_err(|e| FloError::io(&name, &e))?;
    if is_plain_utf8(&head, opts.encoding.as_deref()) {
        return read(file, &name, opts, start);
    }
    // Progress counts the file's own bytes (compressed or not), so it ends at its size.
    let file = Counting {
        inner: file,
        progress: opts.progress.clone(),
    };
    let text = text_input(file, &name, opts.encoding.as_deref())?;
    let inner = CsvOptions {
        progress: None,
        ..opts.clone()
    };
    read(text, &name, &inner, start)
}

/// The file's first bytes (enough to tell compression and byte-order marks), the file then
/// rewound.
pub fn peek(file: &mut std::fs::File) -> std::io::Result<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    let mut head = Vec::with_capacity(8);
    file.by_ref().take(8).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(head)
}

/// Counts the bytes that pass through into `progress`, and stops when it is cancelled.
struct Counting<R> {
    inner: R,
    progress: Option<Arc<Watch>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(p) = &self.progress {
            if p.is_cancelled() {
                return Err(std::io::Error::other(Cancelled));
            }
        }
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p.add_bytes(n as u64);
        }
        Ok(n)
    }
}

/// Bytes read and scanned at a time; each block is parsed in parallel in pieces of `PIECE`.
pub(crate) const BLOCK: usize = 16 << 20;
pub(crate) const PIECE: usize = 512 << 10;

/// Reads CSV text from any byte stream; `source` names it in errors. `start` sees the header and
/// returns the schema and its empty table.
pub fn read<R: Read + Send, S: Schema>(
    input: R,
    source: &str,
    opts: &CsvOptions,
    start: impl FnOnce(&Header) -> Result<(S, S::Table)>,
) -> Result<S::Table> {
    let mut input = Counting {
        inner: input,
        progress: opts.progress.clone(),
    };
    let io_err = |e: std::io::Error| FloError::io(source, &e);
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + PIECE);
    let mut eof = fill(&mut input, &mut buf, BLOCK).map_err(io_err)?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    // The header: the first line (column names hold no line breaks).
    let header_end = loop {
        if let Some(p) = memchr::memchr(b'\n', &buf) {
            break p + 1;
        }
        if eof {
            break buf.len();
        }
        let target = buf.len() + BLOCK;
        eof = fill(&mut input, &mut buf, target).map_err(io_err)?;
    };
    if buf[..header_end].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FloError::Format {
            source_name: source.to_string(),
            line: 1,
            message: "empty file: no header line".to_string(),
        });
    }
    if let Some(message) = utf16_without_mark(&buf[..header_end]) {
        return Err(FloError::Format {
            source_name: source.to_string(),
            line: 1,
            message,
        });
    }
    if let Err(e) = std::str::from_utf8(&buf[..header_end]) {
        let at = e.valid_up_to();
        return Err(FloError::Format {
            source_name: source.to_string(),
            line: 1,
            message: format!(
                "the header is not UTF-8 text (byte 0x{:02X} at position {}): if the file is in \
                 another encoding, name it: encoding=\"windows-1254\", \"latin-1\", ...",
                buf[at],
                at + 1
            ),
        });
    }
    let (header, header_lines) = Header::parse(&buf[..header_end], source, opts.delimiter);
    let (schema, mut table) = start(&header)?;
    buf.drain(..header_end);
    let first_line = opts.first_line.unwrap_or(1 + header_lines.max(1));

    let (spent_tx, spent_rx) = channel::<Vec<u8>>();
    let mut blocks = Blocks {
        input,
        buf,
        eof,
        next_line: first_line,
        spent: spent_rx,
    };
    let (schema, header) = (&schema, &header);
    if eof {
        // All of it in one block: no stages to overlap, so no threads to start.
        let (block, _) = blocks.next_block().map_err(io_err)?;
        for part in parse_block(schema, header, &block) {
            schema.append(&mut table, part)?;
        }
        return Ok(table);
    }
    // Three stages overlap: one thread reads and cuts blocks, all cores parse a block's pieces,
    // one thread appends parsed pieces in file order. Bounded channels keep one block in each.
    std::thread::scope(|scope| {
        let (block_tx, block_rx) = sync_channel::<Result<Block>>(1);
        scope.spawn(move || {
            blocks.send_all(&block_tx, &io_err);
        });
        let (parts_tx, parts_rx) = sync_channel::<Vec<S::Part>>(1);
        let appender = scope.spawn(move || -> Result<S::Table> {
            for parts in parts_rx {
                for part in parts {
                    schema.append(&mut table, part)?;
                }
            }
            Ok(table)
        });
        let mut read_error = None;
        for block in block_rx {
            let block = match block {
                Ok(b) => b,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            };
            let parts = parse_block(schema, header, &block);
            let _ = spent_tx.send(block.bytes);
            if parts_tx.send(parts).is_err() {
                break; // the appender stopped at a bad row
            }
        }
        drop(parts_tx);
        let appended = appender
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // A bad row comes before a later read error in the file, so it is the one to report.
        match (appended, read_error) {
            (Err(e), _) | (Ok(_), Some(e)) => Err(e),
            (Ok(table), None) => Ok(table),
        }
    })
}

/// Text whose every other byte is NUL is UTF-16 that came without its byte-order mark (or was
/// named as another encoding): say so, and which one to name.
fn utf16_without_mark(header: &[u8]) -> Option<String> {
    if !header.contains(&0) {
        return None;
    }
    let order = if header.first() == Some(&0) {
        "be"
    } else {
        "le"
    };
    Some(format!(
        "the header holds NUL bytes: the file looks like UTF-16 without a byte-order mark; \
         name its encoding: encoding=\"utf-16-{order}\""
    ))
}

/// A block's pieces, parsed on all cores, in file order.
fn parse_block<S: Schema>(schema: &S, header: &Header, block: &Block) -> Vec<S::Part> {
    block
        .pieces
        .par_iter()
        .map(|p| {
            let mut piece = Piece::new(&block.bytes[p.start..p.end], p.line, header);
            piece.rows = p.rows;
            schema.parse(piece)
        })
        .collect()
}

#[cfg(test)]
mod tests;
