//! Compact column types: strings in one buffer, dictionary-encoded labels, category sets.

use rustc_hash::FxHashMap as HashMap;

use crate::core::error::{FloError, Result};

/// The hash the core keys ids by (FxHash: fast on short texts, and the same on every run).
pub fn hash_text(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// Many strings stored back to back in one buffer (ids, pass-through columns).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StrColumn {
    data: String,
    ends: Vec<usize>,
}

impl StrColumn {
    /// Room for `rows` strings of `bytes` bytes in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        StrColumn {
            data: String::with_capacity(bytes),
            ends: Vec::with_capacity(rows),
        }
    }
    pub fn push(&mut self, s: &str) {
        self.data.push_str(s);
        self.ends.push(self.data.len());
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
    /// Appends all of `other`'s strings.
    pub fn extend(&mut self, other: &StrColumn) {
        let base = self.data.len();
        self.data.push_str(&other.data);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    /// The buffer and each string's end in it (what [`StrColumn::from_parts`] takes back).
    pub fn parts(&self) -> (&str, &[usize]) {
        (&self.data, &self.ends)
    }

    /// A column from [`StrColumn::parts`], checked: ends rising, within the text, on
    /// character boundaries.
    pub fn from_parts(data: String, ends: Vec<usize>) -> Result<Self> {
        let mut start = 0;
        for &end in &ends {
            if end < start || end > data.len() || !data.is_char_boundary(end) {
                return Err(FloError::invalid(
                    "a text column's ends do not fit its text",
                ));
            }
            start = end;
        }
        Ok(StrColumn { data, ends })
    }

    /// Keeps the rows whose `keep` flag is true, in order.
    pub fn retain(&mut self, keep: &[bool]) {
        let mut out = StrColumn::with_capacity(self.len(), self.data.len());
        for (i, k) in keep.iter().enumerate() {
            if *k {
                out.push(self.get(i));
            }
        }
        *self = out;
    }
}

/// Labels stored as codes into a list of distinct levels (first-seen order).
/// The empty string is the null level and is never stored: its code is `NULL_CODE`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DictColumn {
    pub codes: Vec<u32>,
    pub levels: Vec<String>,
    lookup: HashMap<String, u32>,
}

pub const NULL_CODE: u32 = u32::MAX;

impl DictColumn {
    pub fn intern(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return NULL_CODE;
        }
        // Channel vocabularies are tiny: a scan beats hashing.
        if self.levels.len() <= 8 {
            if let Some(i) = self.levels.iter().position(|l| l == s) {
                return i as u32;
            }
        }
        if let Some(&c) = self.lookup.get(s) {
            return c;
        }
        let c = self.levels.len() as u32;
        self.levels.push(s.to_string());
        self.lookup.insert(s.to_string(), c);
        c
    }
    pub fn push(&mut self, s: &str) {
        let c = self.intern(s);
        self.codes.push(c);
    }

    /// A column from its levels (distinct, non-empty, in code order) and codes, checked.
    pub fn from_parts(levels: &[String], codes: Vec<u32>) -> Result<Self> {
        let mut column = DictColumn::default();
        for (i, level) in levels.iter().enumerate() {
            if column.intern(level) != i as u32 {
                return Err(FloError::invalid(
                    "a label column's levels repeat or are empty",
                ));
            }
        }
        check_codes(&codes, levels.len())?;
        column.codes = codes;
        Ok(column)
    }

    /// Appends `other`'s rows, re-coding them into this column's levels.
    pub fn append(&mut self, other: &DictColumn) {
        let remap: Vec<u32> = other.levels.iter().map(|l| self.intern(l)).collect();
        self.codes.extend(other.codes.iter().map(|&c| {
            if c == NULL_CODE {
                NULL_CODE
            } else {
                remap[c as usize]
            }
        }));
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        match self.codes[i] {
            NULL_CODE => None,
            c => Some(&self.levels[c as usize]),
        }
    }
    pub fn len(&self) -> usize {
        self.codes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// One distinct `interested_in_categories_12` text and the tokens it lists.
#[derive(Debug, Clone, PartialEq)]
pub struct CategorySet {
    pub raw: String,
    pub tokens: Vec<u32>,
}

/// Per-customer category lists: each customer holds a code into `sets`; tokens index `vocabulary`.
/// Real files have a few hundred distinct lists, so rules are evaluated once per list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryColumn {
    pub codes: Vec<u32>,
    pub sets: Vec<CategorySet>,
    pub vocabulary: Vec<String>,
    set_lookup: HashMap<String, u32>,
    token_lookup: HashMap<String, u32>,
}

/// Splits `[KADIN, AKTIFSPOR]` into its tokens. Brackets are optional (`KADIN, ERKEK` reads the
/// same) and `[]` or an empty field is the empty list.
pub fn split_category_tokens(raw: &str) -> Vec<&str> {
    let s = raw.trim();
    let s = s.strip_prefix('[').unwrap_or(s);
    let s = s.strip_suffix(']').unwrap_or(s);
    s.split(',')
        .map(|t| t.trim().trim_matches(|c| c == '\'' || c == '"').trim())
        .filter(|t| !t.is_empty())
        .collect()
}

impl CategoryColumn {
    pub fn push(&mut self, raw: &str) {
        let code = self.intern(raw);
        self.codes.push(code);
    }

    /// Appends `other`'s rows, re-coding them into this column's lists.
    pub fn append(&mut self, other: &CategoryColumn) {
        let remap: Vec<u32> = other.sets.iter().map(|s| self.intern(&s.raw)).collect();
        self.codes
            .extend(other.codes.iter().map(|&c| remap[c as usize]));
    }

    fn intern(&mut self, raw: &str) -> u32 {
        match self.set_lookup.get(raw) {
            Some(&c) => c,
            None => {
                let tokens = split_category_tokens(raw)
                    .into_iter()
                    .map(|t| match self.token_lookup.get(t) {
                        Some(&id) => id,
                        None => {
                            let id = self.vocabulary.len() as u32;
                            self.vocabulary.push(t.to_string());
                            self.token_lookup.insert(t.to_string(), id);
                            id
                        }
                    })
                    .collect();
                let c = self.sets.len() as u32;
                self.sets.push(CategorySet {
                    raw: raw.to_string(),
                    tokens,
                });
                self.set_lookup.insert(raw.to_string(), c);
                c
            }
        }
    }
    /// A column from its distinct list texts (in code order) and codes, checked.
    pub fn from_parts(raws: &[String], codes: Vec<u32>) -> Result<Self> {
        let mut column = CategoryColumn::default();
        for (i, raw) in raws.iter().enumerate() {
            if column.intern(raw) != i as u32 {
                return Err(FloError::invalid("a category column's lists repeat"));
            }
        }
        check_codes(&codes, raws.len())?;
        column.codes = codes;
        Ok(column)
    }

    pub fn raw(&self, i: usize) -> &str {
        &self.sets[self.codes[i] as usize].raw
    }
    pub fn len(&self) -> usize {
        self.codes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// Keeps `values[i]` where `keep[i]`.
/// Every code below `n` (or null).
fn check_codes(codes: &[u32], n: usize) -> Result<()> {
    match codes.iter().all(|&c| c == NULL_CODE || (c as usize) < n) {
        true => Ok(()),
        false => Err(FloError::invalid("a code outside its column's values")),
    }
}

pub fn retain_vec<T: Copy>(values: &mut Vec<T>, keep: &[bool]) {
    let mut k = keep.iter();
    values.retain(|_| *k.next().unwrap());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_with_and_without_brackets() {
        assert_eq!(
            split_category_tokens("[ERKEK, COCUK, KADIN]"),
            vec!["ERKEK", "COCUK", "KADIN"]
        );
        assert_eq!(split_category_tokens("[]"), Vec::<&str>::new());
        assert_eq!(split_category_tokens("KADIN,ERKEK"), vec!["KADIN", "ERKEK"]);
        assert_eq!(split_category_tokens(""), Vec::<&str>::new());
    }

    #[test]
    fn str_column_round_trip_and_retain() {
        let mut c = StrColumn::default();
        for s in ["a", "", "ccc"] {
            c.push(s);
        }
        assert_eq!(c.iter().collect::<Vec<_>>(), vec!["a", "", "ccc"]);
        c.retain(&[true, false, true]);
        assert_eq!(c.iter().collect::<Vec<_>>(), vec!["a", "ccc"]);
    }

    #[test]
    fn dict_column_nulls_and_levels() {
        let mut d = DictColumn::default();
        for s in ["Mobile", "", "Offline", "Mobile"] {
            d.push(s);
        }
        assert_eq!(d.levels, vec!["Mobile", "Offline"]);
        assert_eq!(d.get(1), None);
        assert_eq!(d.get(3), Some("Mobile"));
    }
}
