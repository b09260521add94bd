//! Drives the real binary in a tmux pseudo-terminal: one private tmux server per test (its
//! own socket in a temp dir), one pane running a plain shell, optionally with every byte
//! written to the pane recorded (`pipe-pane`). Shared by the end-to-end tests.
#![allow(dead_code)] // each test binary uses its own part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: PathBuf,
    pub dir: tempfile::TempDir,
}

/// Why tmux tests cannot run here, if they cannot.
pub fn unavailable() -> Option<&'static str> {
    match Command::new("tmux").arg("-V").output() {
        Ok(_) => None,
        Err(_) => Some("tmux is not installed"),
    }
}

impl Tmux {
    /// A tmux server with one `cols`×`rows` pane (session `wb`) running a plain shell, or
    /// `None` (with the reason printed) when tmux is not installed.
    pub fn start(cols: u16, rows: u16) -> Option<Tmux> {
        if let Some(why) = unavailable() {
            eprintln!("skipping: {why}");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let t = Tmux {
            socket: dir.path().join("tmux.sock"),
            dir,
        };
        let (cols, rows) = (cols.to_string(), rows.to_string());
        t.cmd(&[
            "new-session",
            "-d",
            "-s",
            "wb",
            "-x",
            &cols,
            "-y",
            &rows,
            "bash --norc --noprofile",
        ]);
        Some(t)
    }

    /// Records everything written to the pane from now on (see [`Tmux::raw`]).
    pub fn record(&self) {
        let raw = self.path("raw.log");
        self.cmd(&[
            "pipe-pane",
            "-t",
            "wb",
            "-o",
            &format!("cat >> '{}'", raw.display()),
        ]);
    }

    /// A path in this test's temp dir.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-t", "wb", "-p"])
    }

    pub fn title(&self) -> String {
        self.cmd(&["display-message", "-p", "-t", "wb", "#{pane_title}"])
            .trim()
            .to_string()
    }

    /// Waits until `needle` is on screen; fails with the screen after `secs`.
    pub fn wait_for(&self, needle: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "`{needle}` never appeared; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Sends tmux key names one at a time.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "wb", k]);
            std::thread::sleep(Duration::from_millis(80));
        }
    }

    /// Types a shell line into the pane and presses Enter.
    pub fn shell(&self, line: &str) {
        self.cmd(&["send-keys", "-t", "wb", line, "Enter"]);
    }

    /// Runs a workbench `:` command as typed.
    pub fn command(&self, text: &str) {
        self.keys(&["Escape", ":"]);
        self.cmd(&["send-keys", "-t", "wb", "-l", text]);
        std::thread::sleep(Duration::from_millis(80));
        self.keys(&["Enter"]);
    }

    /// Everything written to the pane since [`Tmux::record`].
    pub fn raw(&self) -> Vec<u8> {
        // pipe-pane writes asynchronously; give it a moment to catch up.
        std::thread::sleep(Duration::from_millis(300));
        std::fs::read(self.path("raw.log")).unwrap_or_default()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// Fails unless `stty -a` output saved in `path` (written by the shell after the workbench
/// exited) shows a cooked terminal. Waits up to 5 s for the file.
pub fn assert_cooked(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !path.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let stty = std::fs::read_to_string(path).unwrap_or_default();
    let flags: Vec<&str> = stty
        .split(|c: char| c.is_whitespace() || c == ';')
        .collect();
    for flag in ["icanon", "echo", "icrnl", "opost"] {
        assert!(
            flags.contains(&flag),
            "terminal left without {flag}: {stty}"
        );
    }
}
