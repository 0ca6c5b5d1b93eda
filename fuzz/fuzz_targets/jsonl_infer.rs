//! JSON Lines inference over any bytes, whole or cut (and gzip or zstd streams of them): an
//! answer or an error, never a panic; column names unique, rows as wide as the columns.
#![no_main]

use almanac_scanners::files::fuzzing::{decompress, infer_jsonl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (flags, body) = data.split_first().map_or((0, data), |(f, rest)| (*f, rest));
    let text = if flags & 4 != 0 { decompress(body, flags & 8 != 0).unwrap_or_default() } else { body.to_vec() };
    if let Ok((columns, rows)) = infer_jsonl(&text, flags & 1 == 0) {
        assert!(rows.len() <= 100);
        assert!(rows.iter().all(|r| r.len() == columns.len()));
        let mut names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), columns.len());
    }
});
