//! Splitting CSV bytes into records and fields (RFC 4180 quoting), and finding record
//! boundaries in a block so blocks can be parsed in parallel.
//!
//! Both work from a structural index: 64 bytes at a time, one SIMD pass marks every delimiter,
//! quote and line feed in a bit mask, and fields are cut by walking the set bits (as simdjson
//! and simd-csv do), instead of a search call per field.

/// One record's fields as spans of the input, or of `unescaped` for a quoted field that held
/// `""` escapes or text after its closing quote. Plain spans, not slices, so filling them
/// costs two stores a field.
#[derive(Debug, Default)]
pub struct Fields {
    spans: Vec<(usize, usize)>,
    unescaped: Vec<u8>,
}

/// Marks a span of `Fields::unescaped`.
const UNESCAPED: usize = 1 << (usize::BITS - 1);

impl Fields {
    pub fn with_capacity(fields: usize) -> Self {
        Fields {
            spans: Vec::with_capacity(fields),
            unescaped: Vec::new(),
        }
    }

    fn clear(&mut self) {
        self.spans.clear();
        self.unescaped.clear();
    }

    /// The fields, read against the input they were split from.
    pub fn row<'r>(&'r self, bytes: &'r [u8]) -> Row<'r> {
        Row {
            bytes,
            fields: self,
        }
    }
}

/// A record's fields.
#[derive(Clone, Copy)]
pub struct Row<'r> {
    bytes: &'r [u8],
    fields: &'r Fields,
}

impl<'r> Row<'r> {
    pub fn len(&self) -> usize {
        self.fields.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.spans.is_empty()
    }

    #[inline]
    pub fn get(&self, i: usize) -> &'r [u8] {
        let (start, end) = self.fields.spans[i];
        if start & UNESCAPED != 0 {
            &self.fields.unescaped[start & !UNESCAPED..end]
        } else {
            &self.bytes[start..end]
        }
    }

    /// A line with nothing on it (or only a `\r`).
    pub fn is_blank(&self) -> bool {
        self.len() == 1 && self.get(0).iter().all(|b| *b == b'\r')
    }

    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        (0..self.len()).map(|i| self.get(i).to_vec()).collect()
    }
}

/// Bit `i` set where `chunk[i]` is one of `a`, `b`, `c` (`chunk` at most 64 bytes).
#[inline]
fn mask3(chunk: &[u8], a: u8, b: u8, c: u8) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if chunk.len() == 64 {
        // SAFETY: SSE2 is part of x86_64; the four 16-byte loads are within the 64 bytes.
        return unsafe { mask3_sse2(chunk.as_ptr(), a, b, c) };
    }
    chunk
        .iter()
        .enumerate()
        .filter(|(_, &x)| x == a || x == b || x == c)
        .fold(0u64, |m, (i, _)| m | (1 << i))
}

#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn mask3_sse2(p: *const u8, a: u8, b: u8, c: u8) -> u64 {
    use std::arch::x86_64::*;
    let (va, vb, vc) = (
        _mm_set1_epi8(a as i8),
        _mm_set1_epi8(b as i8),
        _mm_set1_epi8(c as i8),
    );
    let mut m = 0u64;
    for k in 0..4 {
        let v = _mm_loadu_si128(p.add(16 * k) as *const __m128i);
        let hit = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)),
            _mm_cmpeq_epi8(v, vc),
        );
        m |= (_mm_movemask_epi8(hit) as u16 as u64) << (16 * k);
    }
    m
}

/// The quotes and the line feeds of `chunk` (at most 64 bytes), as two masks from one pass.
#[inline]
fn quotes_and_line_feeds(chunk: &[u8]) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    if chunk.len() == 64 {
        // SAFETY: SSE2 is part of x86_64; the four 16-byte loads are within the 64 bytes.
        return unsafe { quotes_and_line_feeds_sse2(chunk.as_ptr()) };
    }
    chunk.iter().enumerate().fold((0, 0), |(q, lf), (i, &x)| {
        (
            q | ((x == b'"') as u64) << i,
            lf | ((x == b'\n') as u64) << i,
        )
    })
}

#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn quotes_and_line_feeds_sse2(p: *const u8) -> (u64, u64) {
    use std::arch::x86_64::*;
    let (vq, vn) = (_mm_set1_epi8(b'"' as i8), _mm_set1_epi8(b'\n' as i8));
    let (mut q, mut lf) = (0u64, 0u64);
    for k in 0..4 {
        let v = _mm_loadu_si128(p.add(16 * k) as *const __m128i);
        q |= (_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)) as u16 as u64) << (16 * k);
        lf |= (_mm_movemask_epi8(_mm_cmpeq_epi8(v, vn)) as u16 as u64) << (16 * k);
    }
    (q, lf)
}

/// The structural bytes of a text: delimiters, quotes and line feeds, found a chunk at a time.
pub struct Structure<'a> {
    bytes: &'a [u8],
    delim: u8,
    /// Offset of the chunk `mask` describes (a multiple of 64).
    base: usize,
    mask: u64,
}

impl<'a> Structure<'a> {
    pub fn new(bytes: &'a [u8], delim: u8) -> Self {
        let mut s = Structure {
            bytes,
            delim,
            base: 0,
            mask: 0,
        };
        s.load(0);
        s
    }

    #[inline]
    fn load(&mut self, base: usize) {
        let end = (base + 64).min(self.bytes.len());
        self.base = base;
        self.mask = if base < end {
            mask3(&self.bytes[base..end], self.delim, b'"', b'\n')
        } else {
            0
        };
    }

    /// The first structural byte at or after `pos`, or the text's length.
    #[inline(always)]
    fn next(&mut self, pos: usize) -> usize {
        if pos < self.base || pos >= self.base + 64 {
            self.load(pos & !63);
        }
        let mut m = self.mask & (!0u64 << (pos - self.base));
        loop {
            if m != 0 {
                return self.base + m.trailing_zeros() as usize;
            }
            let next = self.base + 64;
            if next >= self.bytes.len() {
                return self.bytes.len();
            }
            self.load(next);
            m = self.mask;
        }
    }

    /// End of an unquoted field starting at `pos`: the next delimiter or `\n` (a quote inside
    /// an unquoted field is text), or the end of the input.
    #[inline(always)]
    fn field_end(&mut self, pos: usize) -> usize {
        let mut p = self.next(pos);
        while p < self.bytes.len() && self.bytes[p] == b'"' {
            p = self.next(p + 1);
        }
        p
    }

    /// Splits the record starting at `start`. Returns the offset just past its terminator and
    /// the number of `\n` it spans (1 for a plain record; more if quoted fields hold newlines;
    /// 0 for a last record with no terminator). A `\r` before the `\n` is dropped.
    pub fn split_record(&mut self, start: usize, fields: &mut Fields) -> (usize, u64) {
        fields.clear();
        let bytes = self.bytes;
        let n = bytes.len();
        let mut pos = start;
        let mut newlines = 0u64;
        loop {
            if pos < n && bytes[pos] == b'"' {
                let (span, end, lines) = self.quoted_field(pos, &mut fields.unescaped);
                fields.spans.push(span);
                newlines += lines;
                pos = end;
            } else {
                let end = self.field_end(pos);
                fields.spans.push((pos, trim_cr(bytes, pos, end)));
                pos = end;
            }
            if pos >= n {
                return (n, newlines);
            }
            if bytes[pos] == b'\n' {
                return (pos + 1, newlines + 1);
            }
            pos += 1; // the delimiter
        }
    }

    /// The quoted field opening at `open`: its span (`""` read as `"` and text after the
    /// closing quote kept, as the csv crate reads them, in `unescaped`), where it ends, and the
    /// `\n` inside it.
    fn quoted_field(
        &mut self,
        open: usize,
        unescaped: &mut Vec<u8>,
    ) -> ((usize, usize), usize, u64) {
        let bytes = self.bytes;
        let n = bytes.len();
        let mut i = open + 1;
        // Where this field's text starts in `unescaped`, once it needs copying.
        let mut copied: Option<usize> = None;
        let mut seg = i;
        let mut lines = 0u64;
        let span_of =
            |copied: Option<usize>, unescaped: &Vec<u8>, seg: usize, end: usize| match copied {
                Some(from) => (from | UNESCAPED, unescaped.len()),
                None => (seg, end),
            };
        loop {
            let q = self.next(i);
            if q >= n {
                // Unterminated: the field runs to the end of the input.
                if copied.is_some() {
                    unescaped.extend_from_slice(&bytes[seg..]);
                }
                return (span_of(copied, unescaped, seg, n), n, lines);
            }
            i = q + 1;
            match bytes[q] {
                b'"' if q + 1 < n && bytes[q + 1] == b'"' => {
                    copied.get_or_insert(unescaped.len());
                    unescaped.extend_from_slice(&bytes[seg..=q]);
                    i = q + 2;
                    seg = i;
                }
                b'"' => {
                    let rest_end = self.field_end(i);
                    if copied.is_none() && rest_end == i {
                        return ((seg, q), i, lines);
                    }
                    copied.get_or_insert(unescaped.len());
                    unescaped.extend_from_slice(&bytes[seg..q]);
                    unescaped.extend_from_slice(&bytes[i..trim_cr(bytes, i, rest_end)]);
                    return (span_of(copied, unescaped, seg, q), rest_end, lines);
                }
                b'\n' => lines += 1,
                _ => {} // a delimiter inside quotes is text
            }
        }
    }
}

/// Splits the record of `bytes` starting at `start` (see [`Structure::split_record`]).
pub fn split_record(bytes: &[u8], start: usize, delim: u8, fields: &mut Fields) -> (usize, u64) {
    Structure::new(bytes, delim).split_record(start, fields)
}

/// The end of the field `bytes[start..end]` without a `\r` that ends its record (`\r\n`).
fn trim_cr(bytes: &[u8], start: usize, end: usize) -> usize {
    let at_record_end = end >= bytes.len() || bytes[end] == b'\n';
    if at_record_end && end > start && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Where a block can be cut: `cut` is just past the last `\n` outside quotes (or `None` if the
/// block holds no complete record), and `splits` are record starts about `every` bytes apart,
/// each with the number of `\n` before it (for line numbers).
pub struct BlockScan {
    pub cut: Option<usize>,
    pub splits: Vec<(usize, u64)>,
    pub newlines_before_cut: u64,
}

/// Bit `i` of the result is the parity of bits `0..=i` of `m`: with `m` the quotes of a chunk
/// that starts outside quotes, the bytes inside quotes (opening quotes included).
#[inline]
fn prefix_xor(mut m: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        m ^= m << shift;
    }
    m
}

pub fn scan_block(bytes: &[u8], every: usize) -> BlockScan {
    let mut newlines = 0u64;
    let mut cut = None;
    let mut newlines_before_cut = 0;
    let mut splits = vec![(0usize, 0u64)];
    let mut next_split = every;
    // All ones while the previous chunk ended inside quotes.
    let mut inside = 0u64;
    for (k, chunk) in bytes.chunks(64).enumerate() {
        let (quotes, lf) = quotes_and_line_feeds(chunk);
        let quoted = prefix_xor(quotes) ^ inside;
        inside = 0u64.wrapping_sub(quoted >> 63);
        let mut free = lf & !quoted;
        while free != 0 {
            let bit = free.trailing_zeros();
            let at = 64 * k + bit as usize + 1;
            // Line numbers count every `\n`, quoted or not.
            let count = newlines + (lf & ((1u64 << bit) - 1)).count_ones() as u64 + 1;
            cut = Some(at);
            newlines_before_cut = count;
            if at >= next_split && at < bytes.len() {
                splits.push((at, count));
                next_split = at + every;
            }
            free &= free - 1;
        }
        newlines += lf.count_ones() as u64;
    }
    BlockScan {
        cut,
        splits,
        newlines_before_cut,
    }
}

#[cfg(test)]
mod tests;
