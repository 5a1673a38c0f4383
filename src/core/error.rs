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

#[derive(Debug, Clone, thiserror::Error)]
pub enum FloError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },

    #[error("refusing to write {path}: it is an input file")]
    OutputIsInput { path: String },

    #[error("{path}: is a folder, not a file")]
    IsFolder { path: String },

    #[error("{path}: file not found")]
    NotFound { path: String },

    #[error("{source_name}: missing required column(s): {}", .columns.join(", "))]
    MissingColumns {
        source_name: String,
        columns: Vec<String>,
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

    #[error("{0}")]
    InvalidArgument(String),

    #[error("invalid regular expression {pattern:?}: {message}")]
    Regex { pattern: String, message: String },

    #[error("{0}")]
    Convergence(String),
}

impl FloError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        FloError::InvalidArgument(msg.into())
    }
}

pub type Result<T> = std::result::Result<T, FloError>;
