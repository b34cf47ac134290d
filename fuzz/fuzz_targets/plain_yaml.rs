//! Arbitrary text through the plain-YAML reader and serde-saphyr: wherever
//! the reader accepts it, both must build the same value and the same spec.

#![no_main]

use caseflow::spec::plain_yaml::compare_with_serde_saphyr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(difference) = compare_with_serde_saphyr(text)
    {
        panic!("{difference}");
    }
});
