//! Programs the tests drive (a browser, an editor) from Debian's packages.

use std::path::PathBuf;
use std::process::Command;

/// `name` on the PATH. When it is missing, `.ci/setup` installs it (Debian's
/// `package`, once, with a lock so parallel tests wait for one install); a
/// test that cannot get the program fails, it is not skipped.
pub fn program(name: &str, package: &str) -> PathBuf {
    let find = || {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    };
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = find() {
        return found;
    }
    let setup = concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/setup");
    let installed = Command::new("bash").arg(setup).status();
    find().unwrap_or_else(|| {
        panic!(
            "{name} is not installed and `.ci/setup` could not install it ({installed:?}): install Debian's `{package}` package"
        )
    })
}
