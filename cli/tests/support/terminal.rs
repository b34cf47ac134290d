//! The binary on a real terminal: a pseudoterminal of a given width as its
//! stdout and stderr, read to the end.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rustix::pty::{OpenptFlags, grantpt, ioctl_tiocgptpeer, openpt, unlockpt};
use rustix::termios::{Winsize, tcsetwinsize};

/// Runs `caseflow ARGS` in `dir` on a `cols`-wide terminal with `env`
/// added (after `CI` and `NO_COLOR` are removed); killed after a minute.
/// The exit code and everything it wrote, line ends as `\n`.
pub fn caseflow_on_terminal(
    args: &[&str],
    dir: &Path,
    cols: u16,
    env: &[(&str, &str)],
) -> (Option<i32>, String) {
    let flags = OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC;
    let master = openpt(flags).expect("a pseudoterminal");
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let user = ioctl_tiocgptpeer(&master, flags).expect("its terminal side");
    let size = Winsize {
        ws_row: 50,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    tcsetwinsize(&user, size).unwrap();

    let mut command = super::binary::command(args, dir);
    command.env_remove("CI").env_remove("NO_COLOR");
    command.envs(env.iter().copied());
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(user.try_clone().unwrap()))
        .stderr(Stdio::from(user));
    let mut child = command.spawn().expect("the binary runs");
    // Only the child holds the terminal side now: reading ends when it exits.
    drop(command);
    let reader = std::thread::spawn(move || {
        let mut master = std::fs::File::from(master);
        let mut bytes = Vec::new();
        let mut buf = [0u8; 8192];
        // Linux answers EIO once the last holder of the terminal side is gone.
        while let Ok(n @ 1..) = master.read(&mut buf) {
            bytes.extend_from_slice(&buf[..n]);
        }
        bytes
    });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    let bytes = reader.join().unwrap();
    let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    (status.code(), text)
}
