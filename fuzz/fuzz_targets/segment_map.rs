//! Any pattern, replacement and text through the segment map: no panic.
#![no_main]

use flo_rfm::core::rfm::segments::SegmentMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{0}');
    let (pattern, replacement, input) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("55"),
    );
    if pattern.len() > 200 {
        return;
    }
    if let Ok(map) = SegmentMap::new(&[(pattern, replacement), ("5[4-5]", "champions")]) {
        let _ = map.apply(input);
    }
});
