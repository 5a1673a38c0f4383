//! Options given as words (by Python, the command line or a saved file) read into the core's
//! enums in one place: every caller accepts the same words and gets the same error, naming the
//! option and every word it takes.

use crate::core::error::{FloError, Result};

/// An enum whose values are chosen by word.
pub trait Choice: Copy + PartialEq + 'static {
    /// The option's name, as the user passes it (`on_bad_rows`, `duplicates`, ...).
    const OPTION: &'static str;
    /// Each accepted word and its value; the first word of a value is its name.
    const WORDS: &'static [(&'static str, Self)];

    fn parse(word: &str) -> Result<Self> {
        Self::WORDS
            .iter()
            .find(|(w, _)| *w == word)
            .map(|&(_, v)| v)
            .ok_or_else(|| {
                let words: Vec<String> =
                    Self::WORDS.iter().map(|(w, _)| format!("{w:?}")).collect();
                FloError::invalid(format!(
                    "{} must be one of {}, got {word:?}",
                    Self::OPTION,
                    words.join(", ")
                ))
            })
    }

    /// The first word that chooses `self`.
    fn word(self) -> &'static str {
        Self::WORDS
            .iter()
            .find(|(_, v)| *v == self)
            .map(|(w, _)| *w)
            .expect("every value has a word")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::table::customers::BadRows;

    #[test]
    fn a_wrong_word_names_the_option_and_every_word() {
        assert_eq!(BadRows::parse("skip").unwrap(), BadRows::Skip);
        assert_eq!(BadRows::Skip.word(), "skip");
        let e = BadRows::parse("drop").unwrap_err().to_string();
        assert!(
            e.contains("on_bad_rows must be one of \"raise\", \"skip\", got \"drop\""),
            "{e}"
        );
    }
}
