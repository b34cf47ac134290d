//! No input makes the loader or the checks panic: truncated and garbled
//! versions of every spec in `specs/` give diagnostics, not crashes.

use std::path::{Path, PathBuf};

use caseflow_tests::repo_root;

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caseflow-robustness-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lib")).expect("temp dir");
    dir
}

fn check(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write variant");
    let mut loader = caseflow::spec::Loader::new();
    // Must return, never panic; the verdict itself varies by variant.
    let (_, diagnostics) = caseflow::spec::check_file(&mut loader, &path);
    // Drawing them at their ranges must hold up too.
    use caseflow::spec::snippet::{Format, Sources, render};
    for format in [Format::Rich { color: true }, Format::Json] {
        let _ = render(&diagnostics, format, &mut Sources::new());
    }
}

#[test]
fn truncated_and_garbled_specs_never_panic() {
    let specs = caseflow::spec::discover::spec_files(&[repo_root().join("specs")]).expect("specs/");
    let dir = scratch_dir();
    // Bases stay intact so `extends` resolves and the variants reach the semantic checks.
    for lib in std::fs::read_dir(repo_root().join("specs/lib")).expect("specs/lib") {
        let lib = lib.expect("entry").path();
        std::fs::copy(&lib, dir.join("lib").join(lib.file_name().unwrap())).expect("copy lib");
    }
    let mut rng = Lcg(0x5eed);
    let noise = [
        '{', '}', '[', ']', ':', '-', '"', '\'', '\n', ' ', '\t', '#', '&', '*', '!', '|', '>',
        '%', '@', 'é', '\0',
    ];
    let mut variants = 0;
    for spec in specs {
        let text = std::fs::read_to_string(&spec).expect("read spec");
        let chars: Vec<char> = text.chars().collect();
        // About 60 cuts and 60 garbles per spec keep the suite quick as the library grows.
        for cut in (0..chars.len()).step_by(chars.len() / 60 + 1) {
            check(
                &dir,
                "truncated.yaml",
                &chars[..cut].iter().collect::<String>(),
            );
            variants += 1;
        }
        for _ in 0..60 {
            let mut garbled = chars.clone();
            for _ in 0..1 + rng.next() % 4 {
                let at = (rng.next() as usize) % garbled.len().max(1);
                let c = noise[(rng.next() as usize) % noise.len()];
                match rng.next() % 3 {
                    0 => garbled[at] = c,
                    1 => garbled.insert(at, c),
                    _ => {
                        garbled.remove(at);
                    }
                }
            }
            check(&dir, "garbled.yaml", &garbled.iter().collect::<String>());
            variants += 1;
        }
    }
    assert!(variants > 500, "only {variants} variants");
    let _ = std::fs::remove_dir_all(&dir);
}
