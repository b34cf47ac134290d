//! `caseflow validate`: every error of every file in one run.

use std::path::PathBuf;

use super::{EXIT_INVALID, EXIT_OK, emit};
use caseflow::spec::{self, Loader};

pub fn validate(targets: &[PathBuf]) -> i32 {
    let files = match super::spec_files(targets) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let mut loader = Loader::new();
    let (mut errors, mut invalid) = (0, 0);
    for file in &files {
        let (_, diagnostics) = spec::check_file(&mut loader, file);
        let n = diagnostics.iter().filter(|d| d.is_error()).count();
        super::diagnostics::print(&diagnostics);
        errors += n;
        invalid += usize::from(n > 0);
    }
    if invalid > 0 {
        eprintln!(
            "{invalid} of {} spec(s) invalid, {errors} error(s)",
            files.len()
        );
        EXIT_INVALID
    } else {
        emit(&format!("{} spec(s) valid\n", files.len()));
        EXIT_OK
    }
}
