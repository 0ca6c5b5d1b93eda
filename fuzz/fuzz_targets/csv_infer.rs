//! CSV and TSV inference over any bytes, whole or cut: an answer or an error, never a panic,
//! and rows always as wide as the columns.
#![no_main]

use almanac_scanners::files::fuzzing::infer_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (flags, body) = data.split_first().map_or((0, data), |(f, rest)| (*f, rest));
    if let Ok((columns, rows)) = infer_csv(body, flags & 1 == 0, flags & 2 != 0) {
        assert!(rows.len() <= 100);
        assert!(rows.iter().all(|r| r.len() == columns.len()));
        assert!(columns.iter().enumerate().all(|(i, c)| c.ordinal == i + 1 && !c.name.is_empty()));
    }
});
