//! Opening an input file as a stream of UTF-8 bytes, whatever it was stored as: compressed
//! (gzip, bzip2, xz, zstd, found by their magic bytes, as pandas finds them by extension) and
//! in any text encoding (UTF-16 found by its byte-order mark, others named by the caller).

mod blocks;
mod decode;
mod decompress;
pub mod engine;
pub mod fields;
pub mod parquet;
pub mod range;
pub mod sniff;

pub use decode::text_stream;

use decode::label_encoding;
pub use decompress::{decompressed, Compression};

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::core::error::{FloError, Result};

/// `path` opened for reading, its failures named: missing, a folder, unreadable.
pub fn open_file(path: &Path) -> Result<File> {
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(FloError::is_folder(name));
    }
    File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FloError::not_found(name),
        _ => FloError::io(name, &e),
    })
}

/// Whether a file's first bytes need no decompression and no decoding under `encoding`: then
/// it is read as it is, without a copy through the decoders' buffers.
pub fn is_plain_utf8(head: &[u8], encoding: Option<&str>) -> bool {
    let utf8 = encoding.is_none_or(|e| label_encoding(e) == Some(encoding_rs::UTF_8));
    utf8 && Compression::sniff(head) == Compression::None
        && !(head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF"))
}

/// The file's text as UTF-8 bytes: decompressed, then decoded from `encoding` (a WHATWG label
/// such as `"windows-1254"`, `"latin-1"`, `"utf-16"`; `None`: UTF-8, or UTF-16 when a
/// byte-order mark says so).
pub fn text_input<R: Read + Send + 'static>(
    raw: R,
    source: &str,
    encoding: Option<&str>,
) -> Result<Box<dyn Read + Send>> {
    let plain = decompressed(raw, source)?;
    text_stream(plain, source, encoding)
}
