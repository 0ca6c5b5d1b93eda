//! A Parquet file's footer and its first row group read from any bytes: an answer or an
//! error, never a panic (the parquet crate's own panics on hostile footers included).
#![no_main]

use almanac_scanners::files::fuzzing::parquet_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((columns, _rows, sampled)) = parquet_file(data) {
        assert!(sampled <= 50);
        assert!(columns.iter().all(|c| !c.name.is_empty()));
    }
});
