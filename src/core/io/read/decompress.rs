//! Compressed inputs, recognised by their first bytes (so a misnamed file still reads).

use std::io::{BufRead, BufReader, Read};

use super::super::super::error::{FloError, Result};

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
    Ok(match Compression::sniff(head) {
        Compression::None => Box::new(buffered),
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
    })
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
}
