//! `random_password()` against the sandbox's own Standard password policy
//! checker, the one PingOne-style user creation and password changes go
//! through: 100,000 passwords, every one accepted.

use caseflow::template::functions::{PASSWORD_LENGTHS, password};
use caseflow_sandbox::password_policy::{problems, standard};

const COUNT: usize = 100_000;

#[test]
fn every_random_password_meets_the_standard_policy() {
    let policy = standard();
    let mut checked = 0;
    for i in 0..COUNT {
        // Mostly the default length (what specs use), the shortest often,
        // every other allowed length now and then.
        let length = match i % 10 {
            0..=5 => 16,
            6 | 7 => *PASSWORD_LENGTHS.start(),
            _ => {
                PASSWORD_LENGTHS.start()
                    + i % (PASSWORD_LENGTHS.end() - PASSWORD_LENGTHS.start() + 1)
            }
        };
        let p = password(length);
        assert_eq!(p.chars().count(), length, "{p}");
        let found = problems(&policy, Some("user-1a2b3c4d"), &p);
        assert!(found.is_empty(), "`{p}` is rejected: {}", found.join("; "));
        checked += 1;
    }
    assert_eq!(checked, COUNT);
}

#[test]
fn the_template_function_is_the_same_generator() {
    let templates = caseflow::template::Templates::default();
    let policy = standard();
    for source in [
        "{{ random_password() }}",
        "{{ random_password(8) }}",
        "{{ random_password(length=255) }}",
    ] {
        for _ in 0..200 {
            let p = caseflow::template::render_str(&templates, source, &Default::default())
                .expect("renders");
            let found = problems(&policy, None, &p);
            assert!(found.is_empty(), "`{p}` is rejected: {}", found.join("; "));
        }
    }
}

#[test]
fn the_checker_catches_what_the_generator_avoids() {
    let policy = standard();
    for bad in [
        "Abbb1!xyz",
        "Ab1!Ab1!",
        "Ab1!",
        "abcdef1!",
        "ABCDEF1!",
        "Abcdefg!",
        "Abcdefg1",
    ] {
        assert!(
            !problems(&policy, None, bad).is_empty(),
            "{bad} should be rejected"
        );
    }
}
