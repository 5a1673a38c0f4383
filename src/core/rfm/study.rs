//! The whole RFM study (prepare, score, segment, summarise, target, write) as one call, and the files it writes.

use std::path::{Path, PathBuf};

use crate::core::error::{FloError, Result};
use crate::core::io::write::{check_not_input, write_ids, Codes, Column, Format, Table};
use crate::core::rfm::rules::{discount_rule, new_brand_rule, CategoryMatch};
use crate::core::rfm::table::{rfm_table, RfmConfig, RfmTable, SegmentSummary};
use crate::core::table::customers::{CustomerFrame, COUNT_COLUMNS, DATE_COLUMNS, MONEY_COLUMNS};

/// The study's files, by name and file stem (the extension is the format's).
pub const FILES: [(&str, &str); 5] = [
    ("prepared", "prepared"),
    ("rfm", "rfm"),
    ("segment_summary", "segment_summary"),
    ("new_brand_targets", "new_brand_target_customer_id"),
    ("discount_targets", "discount_target_customer_ids"),
];

/// Every result of the study: the rfm table, the segment summary and both target lists (rows).
#[derive(Debug, Clone)]
pub struct RfmStudy {
    pub table: RfmTable,
    pub summary: SegmentSummary,
    pub new_brand: Vec<usize>,
    pub discount: Vec<usize>,
}

/// The study on a customer table: metrics, scores, segments, summary and the two target lists.
pub fn rfm_study(
    frame: &CustomerFrame,
    config: &RfmConfig,
    matching: CategoryMatch,
) -> Result<RfmStudy> {
    let table = rfm_table(frame, config)?;
    let summary = table.segment_summary();
    let [new_brand, discount] = standard_targets(frame, &table, matching);
    Ok(RfmStudy {
        table,
        summary,
        new_brand,
        discount,
    })
}

/// The rows of the two standard campaign target lists (new brand, discount), in input order.
pub fn standard_targets(
    frame: &CustomerFrame,
    table: &RfmTable,
    matching: CategoryMatch,
) -> [Vec<usize>; 2] {
    let (a, b) = rayon::join(
        || table.select(frame, &new_brand_rule(matching)),
        || table.select(frame, &discount_rule(matching)),
    );
    [a, b]
}

/// The prepared table (dates parsed, the two totals added), written as pandas'
/// `to_csv(index=False)` writes the same frame.
pub fn prepared_columns(frame: &CustomerFrame) -> Table<'_> {
    let mut cols: Vec<(String, Column<'_>)> = vec![
        ("master_id".into(), Column::text(&frame.master_id)),
        ("order_channel".into(), Column::dict(&frame.order_channel)),
        (
            "last_order_channel".into(),
            Column::dict(&frame.last_order_channel),
        ),
    ];
    for (name, days) in DATE_COLUMNS.iter().zip(&frame.dates) {
        cols.push((name.to_string(), Column::Date(days)));
    }
    for (name, v) in COUNT_COLUMNS.iter().zip(&frame.counts) {
        cols.push((name.to_string(), Column::Float(v)));
    }
    for (name, v) in MONEY_COLUMNS.iter().zip(&frame.money) {
        cols.push((name.to_string(), Column::Float(v)));
    }
    cols.push((
        "interested_in_categories_12".into(),
        Column::categories(&frame.categories),
    ));
    for (name, v) in frame.extra_names.iter().zip(&frame.extra) {
        cols.push((name.clone(), Column::text(v)));
    }
    cols.push((
        "order_num_total".into(),
        Column::FloatSum(&frame.counts[0], &frame.counts[1]),
    ));
    // online + offline, the totals' column order (MONEY_COLUMNS holds offline first).
    cols.push((
        "customer_value_total".into(),
        Column::FloatSum(&frame.money[1], &frame.money[0]),
    ));
    Table::new(cols)
}

/// The rfm table indexed by `master_id`, as `rfm.to_csv()` writes it.
pub fn rfm_columns<'a>(frame: &'a CustomerFrame, t: &'a RfmTable) -> Table<'a> {
    let m = &t.metrics;
    // pandas keeps recency int64 unless a value is missing.
    let recency = if m.recency.iter().any(|v| v.is_nan()) {
        Column::Float(&m.recency)
    } else {
        Column::Whole(&m.recency)
    };
    let s = &t.scores;
    let l = &t.labels;
    Table::new(vec![
        ("master_id".into(), Column::text(&frame.master_id)),
        ("recency".into(), recency),
        ("frequency".into(), Column::Float(&m.frequency)),
        ("monetary".into(), Column::Float(&m.monetary)),
        (
            "recency_score".into(),
            Column::categorical(Codes::Bins(&s.recency.codes), &l.recency),
        ),
        (
            "frequency_score".into(),
            Column::categorical(Codes::Bins(&s.frequency.codes), &l.frequency),
        ),
        (
            "monetary_score".into(),
            Column::categorical(Codes::Bins(&s.monetary.codes), &l.monetary),
        ),
        (
            "RF_SCORE".into(),
            Column::coded_text(Codes::Optional(&t.rf_score.codes), &t.rf_score.levels),
        ),
        (
            "RFM_SCORE".into(),
            Column::coded_text(Codes::Optional(&t.rfm_score.codes), &t.rfm_score.levels),
        ),
        (
            "segment".into(),
            Column::coded_text(Codes::Optional(&t.segment.codes), &t.segment.levels),
        ),
    ])
}

/// Per segment, columns `recency_mean`, `recency_count`, ... (the summary's MultiIndex flattened).
pub struct SummaryColumns {
    means: [Vec<f64>; 3],
}

impl SummaryColumns {
    pub fn new(s: &SegmentSummary) -> Self {
        SummaryColumns {
            means: [s.recency.mean(), s.frequency.mean(), s.monetary.mean()],
        }
    }

    pub fn table<'a>(&'a self, s: &'a SegmentSummary) -> Table<'a> {
        let mut cols = vec![(
            "segment".to_string(),
            Column::coded_text(Codes::Identity(s.segments.len()), &s.segments),
        )];
        for ((name, g), mean) in ["recency", "frequency", "monetary"]
            .into_iter()
            .zip([&s.recency, &s.frequency, &s.monetary])
            .zip(&self.means)
        {
            cols.push((format!("{name}_mean"), Column::Float(mean)));
            cols.push((format!("{name}_count"), Column::Count(&g.count)));
        }
        Table::new(cols)
    }
}

/// Which of the study's files to write, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmFiles {
    /// The prepared customer table (as big as the input): off unless asked for.
    pub prepared: bool,
    pub format: Format,
}

impl RfmStudy {
    /// Writes the study's files into `out_dir`; see [`write_rfm_study`].
    pub fn write(
        &self,
        frame: &CustomerFrame,
        out_dir: &Path,
        files: RfmFiles,
    ) -> Result<Vec<(&'static str, PathBuf)>> {
        let targets = [self.new_brand.as_slice(), self.discount.as_slice()];
        write_rfm_study(frame, &self.table, &self.summary, targets, out_dir, files)
    }
}

/// Writes the study's files into `out_dir` (created if needed) and returns (name, path) pairs:
/// the rfm table, the segment summary, the new-brand and discount target lists (`targets`, rows
/// in input order) and, if asked for, the prepared table. Every path is checked against the
/// input file before anything is written.
pub fn write_rfm_study(
    frame: &CustomerFrame,
    table: &RfmTable,
    summary: &SegmentSummary,
    targets: [&[usize]; 2],
    out_dir: &Path,
    files: RfmFiles,
) -> Result<Vec<(&'static str, PathBuf)>> {
    let ext = files.format.extension();
    let paths: Vec<(&'static str, PathBuf)> = FILES
        .iter()
        .filter(|(key, _)| files.prepared || *key != "prepared")
        .map(|(key, stem)| (*key, out_dir.join(format!("{stem}.{ext}"))))
        .collect();
    let input = PathBuf::from(&frame.source);
    let inputs = [input.as_path()];
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(FloError::io_message(out_dir.display(), "is not a folder"));
    }
    for (_, p) in &paths {
        check_not_input(p, &inputs)?;
    }
    let format = files.format;
    let ids = |path: &Path, rows: &[usize]| {
        write_ids(path, &inputs, "master_id", &frame.master_id, rows, format)
    };
    for (key, path) in &paths {
        match *key {
            "prepared" => format.write(path, &inputs, &prepared_columns(frame))?,
            "rfm" => format.write(path, &inputs, &rfm_columns(frame, table))?,
            "segment_summary" => {
                let cols = SummaryColumns::new(summary);
                format.write(path, &inputs, &cols.table(summary))?
            }
            "new_brand_targets" => ids(path, targets[0])?,
            _ => ids(path, targets[1])?,
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::io::schema::customers::{read_from, ReadOptions};
    use crate::core::synth::sample_bytes;

    #[test]
    fn study_writes_its_files() {
        let bytes = sample_bytes(2_000, 3);
        let frame = read_from(&bytes[..], "sample", &ReadOptions::default()).unwrap();
        let study = rfm_study(&frame, &RfmConfig::default(), CategoryMatch::Substring).unwrap();
        let dir = std::env::temp_dir().join(format!("flo_rfm_study_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let options = RfmFiles {
            prepared: true,
            format: Format::Csv,
        };
        let files = study.write(&frame, &dir, options).unwrap();
        assert_eq!(files.len(), 5);
        let rfm = std::fs::read_to_string(dir.join("rfm.csv")).unwrap();
        assert_eq!(rfm.lines().count(), 2_001);
        assert!(rfm.starts_with("master_id,recency,frequency,monetary,recency_score,"));
        let summary = std::fs::read_to_string(dir.join("segment_summary.csv")).unwrap();
        assert_eq!(summary.lines().count(), 1 + study.summary.segments.len());
        let ids = std::fs::read_to_string(dir.join("discount_target_customer_ids.csv")).unwrap();
        assert_eq!(ids.lines().count(), 1 + study.discount.len());
        let options = RfmFiles {
            prepared: false,
            format: Format::Parquet,
        };
        let files = study.write(&frame, &dir, options).unwrap();
        assert_eq!(files.len(), 4);
        assert!(files
            .iter()
            .all(|(_, p)| p.extension().unwrap() == "parquet"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
