//! Writing id lists: one id per line under a header, as pandas' `Series.to_csv(index=False)`,
//! through a temporary file renamed into place so a reader never sees half a file.

use std::io::Write;
use std::path::Path;

use super::error::{FloError, Result};

/// Whether a spreadsheet would read the cell as a formula (OWASP's list of leading characters).
pub fn is_formula_like(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// pandas' (Python csv's) minimal quoting: quote a field holding the delimiter, a quote or a
/// line break, doubling its quotes. A cell a spreadsheet would run as a formula is first
/// prefixed with `'`, which spreadsheets show but do not evaluate.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    let s: std::borrow::Cow<'_, str> = if is_formula_like(s) {
        format!("'{s}").into()
    } else {
        s.into()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s
    }
}

/// Writes `header` then each id on its own line to `path`, atomically.
pub fn write_ids<'a>(path: &Path, header: &str, ids: impl Iterator<Item = &'a str>) -> Result<()> {
    let io = |e: std::io::Error| FloError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        writeln!(w, "{}", csv_field(header))?;
        for id in ids {
            writeln!(w, "{}", csv_field(id))?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_pandas_and_replaces_atomically() {
        let dir = std::env::temp_dir().join(format!("flo_rfm_out_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ids.csv");
        write_ids(&path, "master_id", ["a", "b,c", "say \"x\""].into_iter()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "master_id\na\n\"b,c\"\n\"say \"\"x\"\"\"\n");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
