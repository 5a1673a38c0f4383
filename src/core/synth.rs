//! A deterministic synthetic FLO file: same schema and formats as the real one, distributions
//! shaped like it. The random generator is written out here so the same seed gives the same
//! bytes on every platform and every version of every dependency.

use std::io::Write;

use crate::core::io::parse::parse_date;
use crate::core::table::customers::{format_date, REQUIRED_COLUMNS};

/// xoshiro256** seeded by splitmix64 (Blackman & Vigna).
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut s = [0u64; 4];
        for slot in &mut s {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *slot = z ^ (z >> 31);
        }
        Rng { s }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    pub fn normal(&mut self) -> f64 {
        // Box-Muller; 1 - u keeps the log finite.
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    pub fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len() - 1
    }
}

const CHANNELS: [&str; 4] = ["Android App", "Mobile", "Ios App", "Desktop"];
const CHANNEL_SHARE: [f64; 4] = [0.476, 0.245, 0.142, 0.137];
const CATEGORY_LISTS: [(&str, f64); 20] = [
    ("[AKTIFSPOR]", 17.4),
    ("[KADIN]", 10.8),
    ("[]", 10.7),
    ("[ERKEK]", 9.9),
    ("[KADIN, AKTIFSPOR]", 6.8),
    ("[ERKEK, AKTIFSPOR]", 5.9),
    ("[ERKEK, KADIN]", 4.3),
    ("[COCUK]", 4.2),
    ("[ERKEK, KADIN, AKTIFSPOR]", 3.9),
    ("[AKTIFCOCUK]", 3.4),
    ("[COCUK, KADIN]", 2.2),
    ("[AKTIFCOCUK, COCUK]", 1.7),
    ("[COCUK, AKTIFSPOR]", 1.6),
    ("[AKTIFCOCUK, AKTIFSPOR]", 1.6),
    ("[COCUK, KADIN, AKTIFSPOR]", 1.2),
    ("[ERKEK, COCUK, KADIN]", 1.1),
    ("[ERKEK, COCUK, KADIN, AKTIFSPOR]", 1.0),
    ("[AKTIFCOCUK, ERKEK]", 0.9),
    ("[AKTIFCOCUK, COCUK, KADIN]", 0.8),
    ("[ERKEK, COCUK]", 0.7),
];

/// A count >= 1: geometric with a continuation chance drawn per customer from `[lo, hi)`, a
/// mixture with the real file's long right tail; capped.
fn order_count(rng: &mut Rng, lo: f64, hi: f64, cap: u64) -> u64 {
    let q = lo + (hi - lo) * rng.uniform();
    let u = 1.0 - rng.uniform();
    (1 + (u.ln() / q.ln()).floor() as u64).min(cap)
}

/// Total spend in cents for `n` orders with a log-normal average order value.
fn spend_cents(rng: &mut Rng, n: u64, median: f64, sigma: f64) -> u64 {
    let aov = median * (sigma * rng.normal()).exp();
    ((n as f64) * aov * 100.0).round().max(1.0) as u64
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Writes `customers` rows of a FLO-shaped CSV for `seed`. Same arguments, same bytes.
pub fn write_sample<W: Write + ?Sized>(
    out: &mut W,
    customers: usize,
    seed: u64,
) -> std::io::Result<()> {
    let end = parse_date("2021-05-30").unwrap();
    let first_possible = parse_date("2013-01-14").unwrap();
    let last_window_start = parse_date("2020-05-30").unwrap();
    let mut rng = Rng::new(seed);
    writeln!(out, "{}", REQUIRED_COLUMNS.join(","))?;
    for _ in 0..customers {
        let id = uuid(&mut rng);
        let ch = rng.pick(&CHANNEL_SHARE);
        let last_channel = match rng.pick(&[0.6, 0.32, 0.08]) {
            0 => CHANNELS[ch],
            1 => "Offline",
            _ => CHANNELS[rng.below(4) as usize],
        };
        let online = order_count(&mut rng, 0.3, 0.85, 200);
        let offline = order_count(&mut rng, 0.3, 0.64, 109);
        // Last orders fall in the final year, more of them recent (as in the real file); first
        // orders reach back up to eight years.
        let span = (end - last_window_start + 1) as f64;
        let last = end - ((span * rng.uniform().powf(1.7)) as i32).min(span as i32 - 1);
        let tenure = (-(1.0 - rng.uniform()).ln() * 600.0) as i32;
        let first = (last - tenure.min(last - first_possible)).max(first_possible);
        let other = first + rng.below((last - first + 1) as u64) as i32;
        let (last_online, last_offline) = if last_channel == "Offline" {
            (other, last)
        } else {
            (last, other)
        };
        let on_cents = spend_cents(&mut rng, online, 143.0, 0.55);
        let off_cents = spend_cents(&mut rng, offline, 113.0, 0.6);
        let weights: Vec<f64> = CATEGORY_LISTS.iter().map(|c| c.1).collect();
        let cats = CATEGORY_LISTS[rng.pick(&weights)].0;
        let cats = if cats.contains(',') {
            format!("\"{cats}\"")
        } else {
            cats.to_string()
        };
        writeln!(
            out,
            "{id},{},{last_channel},{},{},{},{},{online}.0,{offline}.0,{},{},{cats}",
            CHANNELS[ch],
            format_date(first),
            format_date(last),
            format_date(last_online),
            format_date(last_offline),
            money(off_cents),
            money(on_cents),
        )?;
    }
    Ok(())
}

/// Writes an order log of `lines` lines (`customer_id,date,amount,channel`) for `seed`: about
/// five lines per customer, a few customers buying far more often than most, dates from
/// 2019-01-01 to 2021-05-30, log-normal amounts. Same arguments, same bytes.
pub fn write_order_log<W: Write + ?Sized>(
    out: &mut W,
    lines: usize,
    seed: u64,
) -> std::io::Result<()> {
    let start = parse_date("2019-01-01").unwrap();
    let end = parse_date("2021-05-30").unwrap();
    let customers = (lines / 5).max(1) as f64;
    let channels = ["Android App", "Mobile", "Ios App", "Desktop", "Offline"];
    let shares = [0.33, 0.17, 0.1, 0.1, 0.3];
    let mut rng = Rng::new(seed);
    writeln!(out, "customer_id,date,amount,channel")?;
    for _ in 0..lines {
        let u = rng.uniform();
        let customer = (u * u * customers) as u64;
        let day = start + rng.below((end - start + 1) as u64) as i32;
        let cents = (143.0 * (0.6 * rng.normal()).exp() * 100.0)
            .round()
            .max(1.0) as u64;
        let channel = channels[rng.pick(&shares)];
        writeln!(
            out,
            "c{customer:09},{},{},{channel}",
            format_date(day),
            money(cents)
        )?;
    }
    Ok(())
}

/// The sample as bytes (for in-memory use).
pub fn sample_bytes(customers: usize, seed: u64) -> Vec<u8> {
    let mut buf = Vec::with_capacity(customers * 160);
    write_sample(&mut buf, customers, seed).expect("writing to memory cannot fail");
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::io::schema::customers::{read_from, ReadOptions};

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        assert_eq!(sample_bytes(500, 7), sample_bytes(500, 7));
        assert_ne!(sample_bytes(500, 7), sample_bytes(500, 8));
    }

    #[test]
    fn sample_reads_back_cleanly() {
        let bytes = sample_bytes(5_000, 42);
        let f = read_from(&bytes[..], "sample", &ReadOptions::default()).unwrap();
        assert_eq!(f.len(), 5_000);
        assert_eq!(
            f.max_last_order_date(),
            Some(parse_date("2021-05-30").unwrap())
        );
        let ones = f.counts[0].iter().filter(|&&c| c == 1.0).count() as f64 / 5_000.0;
        assert!(
            (0.3..0.6).contains(&ones),
            "share of single online orders {ones}"
        );
    }
}
