//! Text in other encodings, decoded to UTF-8 on the fly.

use std::io::{BufRead, BufReader, Read};

use encoding_rs::Encoding;
use encoding_rs_io::DecodeReaderBytesBuilder;

use crate::core::error::{FloError, Result};

/// `input` as UTF-8 bytes. A named `encoding` is decoded (a byte-order mark, if any, still
/// wins, as Python's `utf-8-sig`/`utf-16` do); without one, UTF-16 is recognised by its
/// byte-order mark and anything else passes through as UTF-8 (a UTF-8 BOM is dropped later).
pub fn text_stream(
    input: Box<dyn Read + Send>,
    source: &str,
    encoding: Option<&str>,
) -> Result<Box<dyn Read + Send>> {
    let named = match encoding {
        None => None,
        Some(label) => Some(label_encoding(label).ok_or_else(|| {
            FloError::invalid(format!(
                "{source}: unknown encoding {label:?} (use a name such as \"utf-8\", \"utf-16\", \
                 \"windows-1254\", \"iso-8859-9\" or \"latin-1\")"
            ))
        })?),
    };
    let mut buffered = BufReader::with_capacity(1 << 16, input);
    let head = buffered.fill_buf().map_err(|e| FloError::io(source, &e))?;
    let utf16_bom = head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF");
    let encoding = match named {
        Some(e) if e == encoding_rs::UTF_8 => return Ok(Box::new(buffered)),
        Some(e) => e,
        None if utf16_bom => encoding_rs::UTF_16LE, // the BOM decides LE or BE
        None => return Ok(Box::new(buffered)),
    };
    Ok(Box::new(
        DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(buffered),
    ))
}

/// An encoding by its WHATWG label, or by the names Python users write (`cp1254`, `latin-1`,
/// `utf_16`).
pub(super) fn label_encoding(label: &str) -> Option<&'static Encoding> {
    let norm = label.trim().to_ascii_lowercase().replace('_', "-");
    let alias = match norm.as_str() {
        "utf-8-sig" | "utf8" => "utf-8",
        "utf16" | "utf-16" | "utf-16-le" | "utf16le" => "utf-16le",
        "utf-16-be" | "utf16be" => "utf-16be",
        "latin-1" | "latin1" => "iso-8859-1",
        "latin-5" | "latin5" => "iso-8859-9",
        other => other,
    };
    let alias = alias
        .strip_prefix("cp")
        .map_or(alias.to_string(), |n| format!("windows-{n}"));
    Encoding::for_label(alias.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], encoding: Option<&str>) -> String {
        let mut out = String::new();
        text_stream(
            Box::new(std::io::Cursor::new(bytes.to_vec())),
            "t",
            encoding,
        )
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
        out
    }

    #[test]
    fn utf16_by_its_mark_and_named_encodings() {
        let text = "master_id,kategori\nİÇ,Ğ\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(decode(&le, None), text);
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
        assert_eq!(decode(&be, None), text);
        let (cp1254, _, _) = encoding_rs::WINDOWS_1254.encode(text);
        assert_eq!(decode(&cp1254, Some("cp1254")), text);
        assert_eq!(decode(&cp1254, Some("windows-1254")), text);
        assert_eq!(decode(text.as_bytes(), None), text);
        let bare_le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(decode(&bare_le, Some("utf-16-le")), text);
        let bare_be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(decode(&bare_be, Some("utf_16_be")), text);
        assert!(text_stream(Box::new(std::io::empty()), "t", Some("klingon")).is_err());
    }
}
