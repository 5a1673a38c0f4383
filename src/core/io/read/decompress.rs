//! Compressed inputs, recognised by their first bytes (so a misnamed file still reads).

use std::io::{BufRead, BufReader, Read};

use crate::core::error::{Cancelled, FloError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
    Zip,
}

impl Compression {
    /// The compression a stream's first bytes announce.
    pub fn sniff(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [b'B', b'Z', b'h', ..] => Compression::Bzip2,
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Compression::Xz,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            [b'P', b'K', 0x03, 0x04, ..] => Compression::Zip,
            _ => Compression::None,
        }
    }
}

/// `raw` decompressed if it is compressed; as it is otherwise.
pub fn decompressed<R: Read + Send + 'static>(
    raw: R,
    source: &str,
) -> Result<Box<dyn Read + Send>> {
    let mut buffered = BufReader::with_capacity(1 << 20, raw);
    let head = buffered.fill_buf().map_err(|e| FloError::io(source, &e))?;
    let kind = Compression::sniff(head);
    let decoder: Box<dyn Read + Send> = match kind {
        Compression::None => return Ok(Box::new(buffered)),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(buffered)),
        Compression::Xz => Box::new(xz2::bufread::XzDecoder::new_multi_decoder(buffered)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered).map_err(|e| {
            FloError::io_message(source, format!("cannot start zstd decompression: {e}"))
        })?),
        Compression::Zip => {
            return Err(FloError::Format {
                source_name: source.to_string(),
                line: 0,
                message: "is a zip archive: unzip it first (gzip, bzip2, xz and zstd files are read as they are)"
                    .into(),
            })
        }
    };
    Ok(Box::new(Decoding {
        inner: decoder,
        kind,
        ended: false,
    }))
}

impl Compression {
    fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
            Compression::Zip => "zip",
        }
    }
}

/// A decompressor whose failures say that the file is compressed and broken (a truncated
/// download, a corrupt block), not merely that a read failed.
struct Decoding {
    inner: Box<dyn Read + Send>,
    kind: Compression,
    ended: bool,
}

impl Read for Decoding {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ended {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Ok(0) if !buf.is_empty() => {
                self.ended = true;
                Ok(0)
            }
            Ok(n) => Ok(n),
            // Errors of the file itself (and a cancelled read) pass as they are.
            Err(e)
                if e.raw_os_error().is_some()
                    || e.get_ref().is_some_and(|i| i.is::<Cancelled>()) =>
            {
                Err(e)
            }
            Err(e) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "is a {} file that cannot be decompressed (truncated or corrupt?): {e}",
                    self.kind.name()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(bytes: Vec<u8>) -> Vec<u8> {
        let mut out = Vec::new();
        decompressed(std::io::Cursor::new(bytes), "t")
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn every_format_reads_back() {
        let text = b"master_id,x\na,1\n".repeat(1000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&text).unwrap();
        assert_eq!(read_all(gz.finish().unwrap()), text);
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(&text).unwrap();
        assert_eq!(read_all(bz.finish().unwrap()), text);
        let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(&text).unwrap();
        assert_eq!(read_all(xz.finish().unwrap()), text);
        let zst = zstd::stream::encode_all(&text[..], 3).unwrap();
        assert_eq!(read_all(zst), text);
        assert_eq!(read_all(text.clone()), text);
    }

    #[test]
    fn a_truncated_file_says_it_is_compressed_and_broken() {
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{i},{}\n", i * 7).into_bytes())
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&text).unwrap();
        let packed = [
            ("gzip", gz.finish().unwrap()),
            ("zstd", zstd::stream::encode_all(&text[..], 3).unwrap()),
            ("bzip2", {
                let mut bz =
                    bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
                bz.write_all(&text).unwrap();
                bz.finish().unwrap()
            }),
            ("xz", {
                let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
                xz.write_all(&text).unwrap();
                xz.finish().unwrap()
            }),
        ];
        for (name, bytes) in packed {
            let cut = bytes[..bytes.len() / 2].to_vec();
            let mut out = Vec::new();
            let e = decompressed(std::io::Cursor::new(cut), "t")
                .unwrap()
                .read_to_end(&mut out)
                .unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{name}: {e}");
            assert!(
                e.to_string()
                    .starts_with(&format!("is a {name} file that cannot be decompressed")),
                "{e}"
            );
        }
    }
}
