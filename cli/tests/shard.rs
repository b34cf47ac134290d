//! `caseflow run --shard K/N` and `caseflow report merge`: the use-case
//! library run as three shards against the embedded sandbox and merged
//! gives the results of one full run.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;
use support::binary::{caseflow, text};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caseflow-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The library run once in full and once as shards 1/3 to 3/3, each with a
/// JSON report, then the shards merged; run once for all the tests here.
struct Runs {
    dir: PathBuf,
    full: Value,
    shards: Vec<Value>,
    shard_stdout: Vec<String>,
    merged: Value,
    merge_stdout: String,
}

fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = temp_dir("shard");
        let report = |name: &str| format!("json={}", dir.join(name).display());
        let full = caseflow(&["run", "specs", "--report", &report("full.json")], root());
        assert_eq!(full.status.code(), Some(0), "{}", text(&full));
        let mut shard_stdout = Vec::new();
        for k in 1..=3 {
            let shard = format!("{k}/3");
            let json = report(&format!("shard-{k}.json"));
            let out = caseflow(
                &["run", "specs", "--shard", &shard, "--report", &json],
                root(),
            );
            assert_eq!(out.status.code(), Some(0), "{}", text(&out));
            shard_stdout.push(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let path = |name: &str| dir.join(name).display().to_string();
        let (s1, s2, s3) = (
            path("shard-1.json"),
            path("shard-2.json"),
            path("shard-3.json"),
        );
        let (json, junit, html) = (path("merged.json"), path("merged.xml"), path("merged.html"));
        // Not in shard order: the merge orders specs itself.
        let merge = caseflow(
            &[
                "report", "merge", &s3, &s1, &s2, "--json", &json, "--junit", &junit, "--html",
                &html,
            ],
            root(),
        );
        assert_eq!(merge.status.code(), Some(0), "{}", text(&merge));
        Runs {
            full: read_json(&dir.join("full.json")),
            shards: (1..=3)
                .map(|k| read_json(&dir.join(format!("shard-{k}.json"))))
                .collect(),
            shard_stdout,
            merged: read_json(&dir.join("merged.json")),
            merge_stdout: String::from_utf8_lossy(&merge.stdout).into_owned(),
            dir,
        }
    })
}

fn spec_names(report: &Value) -> Vec<String> {
    report["specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

/// (spec, step path, status) of every step, sub-workflow steps included.
fn results(report: &Value) -> BTreeSet<(String, String, String)> {
    fn walk(spec: &str, prefix: &str, steps: &Value, out: &mut BTreeSet<(String, String, String)>) {
        for step in steps.as_array().into_iter().flatten() {
            let id = format!("{prefix}{}", step["id"].as_str().unwrap());
            let status = step["status"].as_str().unwrap().to_string();
            out.insert((spec.to_string(), id.clone(), status));
            walk(spec, &format!("{id} › "), &step["steps"], out);
        }
    }
    let mut out = BTreeSet::new();
    for spec in report["specs"].as_array().unwrap() {
        walk(spec["name"].as_str().unwrap(), "", &spec["steps"], &mut out);
    }
    out
}

#[test]
fn three_shards_merged_give_the_results_of_one_full_run() {
    let runs = runs();
    let full: BTreeSet<String> = spec_names(&runs.full).into_iter().collect();
    assert_eq!(full.len(), 50, "the library's runnable specs");
    let merged_names = spec_names(&runs.merged);
    assert_eq!(merged_names.len(), 50, "no spec twice");
    assert_eq!(merged_names.into_iter().collect::<BTreeSet<_>>(), full);
    assert_eq!(results(&runs.merged), results(&runs.full));
    assert_eq!(runs.merged["version"], 1);
    assert_eq!(runs.merged["passed"], true);
    let xml = std::fs::read_to_string(runs.dir.join("merged.xml")).unwrap();
    assert_eq!(xml.matches("<testsuite ").count(), 50, "{xml}");
    let html = std::fs::read_to_string(runs.dir.join("merged.html")).unwrap();
    assert!(html.contains("50 specs"), "the page counts every spec");
    assert!(
        runs.merge_stdout.contains("merged 3 reports into 50 specs"),
        "{}",
        runs.merge_stdout
    );
}

#[test]
fn shards_are_disjoint_balanced_and_cover_the_library() {
    let runs = runs();
    let mut seen = BTreeMap::new();
    let mut sizes = Vec::new();
    for (i, shard) in runs.shards.iter().enumerate() {
        let names = spec_names(shard);
        sizes.push(names.len());
        for name in names {
            if let Some(other) = seen.insert(name.clone(), i + 1) {
                panic!("{name} is in shards {other} and {}", i + 1);
            }
        }
    }
    assert_eq!(sizes, [17, 17, 16]);
    let full: BTreeSet<String> = spec_names(&runs.full).into_iter().collect();
    assert_eq!(seen.into_keys().collect::<BTreeSet<_>>(), full);
    for (i, stdout) in runs.shard_stdout.iter().enumerate() {
        let line = format!("shard {}/3: {} of 50 specs\n", i + 1, sizes[i]);
        assert!(stdout.contains(&line), "`{line}` is not said:\n{stdout}");
    }
}

/// The names `--dry-run` renders for these arguments. (Exit 1: without the
/// sandbox, URLs made of its placeholder inputs do not render.)
fn dry_run_names(args: &[&str]) -> BTreeSet<String> {
    let out = caseflow(&[&["run", "--dry-run"][..], args].concat(), root());
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("# ")?.split_once(" (dry run"))
        .map(|(name, _)| name.to_string())
        .collect()
}

#[test]
fn the_partition_is_stable_and_independent_of_how_targets_are_given() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("specs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| format!("specs/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    files.sort();
    let mut reversed = files.clone();
    reversed.reverse();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let reversed: Vec<&str> = reversed.iter().map(String::as_str).collect();
    let absolute = root().join("specs").display().to_string();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let first = dry_run_names(&["specs", "--shard", &shard]);
        assert_eq!(dry_run_names(&["specs", "--shard", &shard]), first, "again");
        assert_eq!(dry_run_names(&["./specs/", "--shard", &shard]), first);
        assert_eq!(dry_run_names(&[&absolute, "--shard", &shard]), first);
        assert_eq!(
            dry_run_names(&[&files[..], &["--shard", &shard]].concat()),
            first,
            "the files named one by one"
        );
        assert_eq!(
            dry_run_names(&[&reversed[..], &["--shard", &shard]].concat()),
            first,
            "the files in the reverse order"
        );
        let real = spec_names(&runs().shards[k - 1]).into_iter().collect();
        assert_eq!(first, real, "a dry run picks what a run does");
    }
}

#[test]
fn bad_shard_values_name_the_flag_and_what_is_expected() {
    for (value, why) in [
        (
            "0/3",
            "there is no shard 0 of 3: shards are numbered 1 to 3",
        ),
        (
            "4/3",
            "there is no shard 4 of 3: shards are numbered 1 to 3",
        ),
        ("1/0", "the number of shards N must be at least 1"),
        (
            "x",
            "expected K/N, shard K of N with 1 ≤ K ≤ N, e.g. `--shard 2/3`",
        ),
        (
            "2/x",
            "expected K/N, shard K of N with 1 ≤ K ≤ N, e.g. `--shard 2/3`",
        ),
    ] {
        let out = caseflow(&["run", "specs", "--shard", value], root());
        assert_eq!(out.status.code(), Some(2), "{value}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "error: invalid value '{value}' for '--shard <K/N>': {why}\n\nFor more information, try '--help'.\n"
            ),
            "{value}"
        );
        assert!(out.stdout.is_empty(), "nothing ran for {value}");
    }
}

/// `caseflow report merge ARGS`: exit code and stderr.
fn merge(args: &[&str]) -> (Option<i32>, String) {
    let out = caseflow(&[&["report", "merge"][..], args].concat(), root());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn merge_refuses_overlapping_shards() {
    let runs = runs();
    let s1 = runs.dir.join("shard-1.json").display().to_string();
    let full = runs.dir.join("full.json").display().to_string();
    let out = runs.dir.join("overlap.json");
    let (code, stderr) = merge(&[&s1, &full, "--json", &out.display().to_string()]);
    assert_eq!(code, Some(2), "{stderr}");
    let first = spec_names(&runs.shards[0]);
    let file = runs.shards[0]["specs"][0]["file"].as_str().unwrap();
    assert!(
        stderr.starts_with(&format!(
            "error: {s1} and {full} both hold the spec {file}\n"
        )),
        "{stderr}"
    );
    assert_eq!(stderr.matches(" both hold the spec ").count(), first.len());
    assert!(stderr.ends_with(
        "error: overlapping reports: merge the reports of disjoint shards of one run (`--shard 1/N` to `N/N`)\n"
    ));
    assert!(!out.exists(), "nothing is written");
    // The same report twice is an overlap too.
    let (code, stderr) = merge(&[&s1, &s1]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("error: {s1} and {s1} both hold the spec")),
        "{stderr}"
    );
}

#[test]
fn merge_refuses_what_is_not_a_report_naming_the_file() {
    let dir = temp_dir("merge");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let spec = root().join("specs/assign-role.yaml").display().to_string();
    let not_json = format!(
        "error: {spec}: not a caseflow JSON report (expected value at line 1 column 1); write one with `caseflow run --report json=PATH`\n"
    );
    assert_eq!(merge(&[&spec]), (Some(2), not_json));
    let other = write("other.json", r#"{"name": "not a report"}"#);
    assert_eq!(
        merge(&[&other]),
        (
            Some(2),
            format!(
                "error: {other}: not a caseflow JSON report (no `version`); write one with `caseflow run --report json=PATH`\n"
            )
        )
    );
    let future = write(
        "future.json",
        r#"{"version": 2, "passed": true, "duration_ms": 1, "specs": []}"#,
    );
    assert_eq!(
        merge(&[&future]),
        (
            Some(2),
            format!("error: {future}: report version 2, this caseflow reads version 1\n")
        )
    );
    let broken = write(
        "broken.json",
        r#"{"version": 1, "passed": true, "duration_ms": 1, "specs": [{"name": "x"}]}"#,
    );
    let (code, stderr) = merge(&[&broken]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with(&format!(
            "error: {broken}: not a caseflow JSON report (specs: missing field `file`"
        )),
        "{stderr}"
    );
    let missing = dir.join("missing.json").display().to_string();
    let (code, stderr) = merge(&[&missing]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with(&format!("error: cannot read {missing}: ")),
        "{stderr}"
    );
}
