//! The one error type of the core. The Python layer maps each variant to an
//! exception class in `flo_rfm.exceptions` (see `src/bindings/errors.rs`).

use std::fmt;

/// Where in an input a problem was found: file (or `<dataframe>`), 1-based line, column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub source: String,
    pub line: u64,
    pub column: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: column {}", self.source, self.line, self.column)
    }
}

/// What kind of file problem an [`FloError::Io`] is: Python raises the matching `OSError`
/// subclass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoKind {
    NotFound,
    PermissionDenied,
    IsFolder,
    Other,
}

/// The io error a watched read returns once it is cancelled (see `watch::Watch`).
#[derive(Debug, Clone, Copy)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the read was cancelled")
    }
}

impl std::error::Error for Cancelled {}

// errno values shared by Linux, macOS and the Windows C runtime.
const ENOENT: i32 = 2;
const EISDIR: i32 = 21;

#[derive(Debug, Clone, thiserror::Error)]
pub enum FloError {
    /// A file or folder could not be opened, read or written; `errno` is the operating
    /// system's code when there is one.
    #[error("{path}: {message}")]
    Io {
        path: String,
        message: String,
        kind: IoKind,
        errno: Option<i32>,
    },

    #[error("refusing to write {path}: it is an input file")]
    OutputIsInput { path: String },

    /// `hint` (empty, or starting with "; ") says why, when the header shows it.
    #[error("{source_name}: missing required column(s): {}{hint}", .columns.join(", "))]
    MissingColumns {
        source_name: String,
        columns: Vec<String>,
        hint: String,
    },

    /// A field that cannot be read as its column's type.
    #[error("{location}: cannot parse {text:?} as {expected}")]
    Parse {
        location: Location,
        text: String,
        expected: String,
    },

    /// A field that parses but breaks a rule of the data (negative money, dates out of order...).
    #[error("{location}: {text:?} {problem}")]
    Data {
        location: Location,
        text: String,
        problem: String,
    },

    /// The file's structure is broken (wrong field count, bad UTF-8, empty file).
    #[error("{source_name}:{line}: {message}")]
    Format {
        source_name: String,
        line: u64,
        message: String,
    },

    /// pandas' `ValueError: Bin edges must be unique`.
    #[error("Bin edges must be unique: {edges:?} (column {what}); pass duplicates=\"drop\" to merge equal edges as pandas does")]
    BinEdges { what: String, edges: Vec<f64> },

    /// `on_missing="raise"`: a value the studies need is missing.
    #[error("{location}: missing value ({count} customer(s) have a missing date, count or money value; on_missing=\"keep\" keeps them, without a full RFM score)")]
    MissingValues { location: Location, count: u64 },

    #[error("{0}")]
    InvalidArgument(String),

    #[error("invalid regular expression {pattern:?}: {message}")]
    Regex { pattern: String, message: String },

    #[error("{0}")]
    Convergence(String),

    /// The work was cancelled from another thread (Ctrl-C in Python).
    #[error("{path}: cancelled")]
    Cancelled { path: String },
}

impl FloError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        FloError::InvalidArgument(msg.into())
    }

    /// An operating-system error on `path`, its kind and errno kept.
    pub fn io(path: impl std::fmt::Display, e: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        if e.get_ref().is_some_and(|inner| inner.is::<Cancelled>()) {
            return FloError::Cancelled {
                path: path.to_string(),
            };
        }
        let kind = match e.kind() {
            K::NotFound => IoKind::NotFound,
            K::PermissionDenied => IoKind::PermissionDenied,
            K::IsADirectory => IoKind::IsFolder,
            _ => IoKind::Other,
        };
        let text = e.to_string();
        // std appends " (os error N)"; the errno travels apart.
        let message = match text.rfind(" (os error ") {
            Some(at) if e.raw_os_error().is_some() => text[..at].to_string(),
            _ => text,
        };
        FloError::Io {
            path: path.to_string(),
            message,
            kind,
            errno: e.raw_os_error(),
        }
    }

    /// A problem with `path` that is not an operating-system error (`errno` none).
    pub fn io_message(path: impl std::fmt::Display, message: impl Into<String>) -> Self {
        FloError::Io {
            path: path.to_string(),
            message: message.into(),
            kind: IoKind::Other,
            errno: None,
        }
    }

    pub fn not_found(path: impl std::fmt::Display) -> Self {
        FloError::Io {
            path: path.to_string(),
            message: "file not found".into(),
            kind: IoKind::NotFound,
            errno: Some(ENOENT),
        }
    }

    pub fn is_folder(path: impl std::fmt::Display) -> Self {
        FloError::Io {
            path: path.to_string(),
            message: "is a folder, not a file".into(),
            kind: IoKind::IsFolder,
            errno: Some(EISDIR),
        }
    }
}

pub type Result<T> = std::result::Result<T, FloError>;
