//! The reading stage of the CSV engine: the input read a block at a time (on its own thread),
//! each block cut after its last whole record (a line end outside quotes), and split into
//! pieces that start on a record, with the line each starts on.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender};

use crate::core::error::{FloError, Result};
use crate::core::io::read::engine::{BLOCK, PIECE};
use crate::core::io::read::fields::scan_block;

/// Whole records read from the input, and the pieces to parse them in.
pub(super) struct Block {
    pub(super) bytes: Vec<u8>,
    pub(super) pieces: Vec<PieceAt>,
}

/// Where a piece of a block is, the line it starts on, and at most how many records it holds
/// (its line feeds, plus one), so its table can be sized once.
pub(super) struct PieceAt {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) line: u64,
    pub(super) rows: usize,
}

/// The reading stage: fills a buffer, cuts it after the last whole record, hands that on.
pub(super) struct Blocks<R> {
    pub(super) input: R,
    pub(super) buf: Vec<u8>,
    pub(super) eof: bool,
    pub(super) next_line: u64,
    /// Buffers the parsers are done with, reused to spare fresh pages.
    pub(super) spent: Receiver<Vec<u8>>,
}

impl<R: Read> Blocks<R> {
    pub(super) fn send_all(
        mut self,
        tx: &SyncSender<Result<Block>>,
        io_err: &dyn Fn(std::io::Error) -> FloError,
    ) {
        loop {
            let (block, last) = match self.next_block() {
                Ok((block, last)) => (Ok(block), last),
                Err(e) => (Err(io_err(e)), true),
            };
            if tx.send(block).is_err() || last {
                return;
            }
        }
    }

    /// The next block, and whether it is the last.
    pub(super) fn next_block(&mut self) -> std::io::Result<(Block, bool)> {
        loop {
            let scan = scan_block(&self.buf, PIECE);
            let cut = match scan.cut {
                Some(c) if !self.eof => c,
                _ if self.eof => self.buf.len(),
                _ => {
                    // No complete record yet (a very long one): read on.
                    let target = self.buf.len() + BLOCK;
                    self.eof = fill(&mut self.input, &mut self.buf, target)?;
                    continue;
                }
            };
            let pieces: Vec<PieceAt> = scan
                .splits
                .iter()
                .enumerate()
                .filter(|(_, (start, _))| *start < cut)
                .map(|(k, &(start, nl))| {
                    let next = scan.splits.get(k + 1).filter(|s| s.0 < cut);
                    let end = next.map_or(cut, |s| s.0);
                    let end_nl = next.map_or(scan.newlines_before_cut, |s| s.1);
                    PieceAt {
                        start,
                        end,
                        line: self.next_line + nl,
                        rows: (end_nl.saturating_sub(nl) + 1) as usize,
                    }
                })
                .collect();
            self.next_line += scan.newlines_before_cut;
            let mut rest = self
                .spent
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(BLOCK + PIECE));
            rest.clear();
            rest.extend_from_slice(&self.buf[cut..]);
            let mut bytes = std::mem::replace(&mut self.buf, rest);
            bytes.truncate(cut);
            let last = self.eof;
            if !last {
                self.eof = fill(&mut self.input, &mut self.buf, BLOCK)?;
            }
            return Ok((Block { bytes, pieces }, last));
        }
    }
}

/// Reads until `buf` holds `target` bytes or the input ends; returns whether it ended.
pub(super) fn fill<R: Read>(
    input: &mut R,
    buf: &mut Vec<u8>,
    target: usize,
) -> std::io::Result<bool> {
    let want = target.saturating_sub(buf.len());
    let got = input.by_ref().take(want as u64).read_to_end(buf)?;
    Ok(got < want)
}
