//! One build run: spawn the command in its own process group, stream its output lines as
//! [`BuildEvent::Output`], wait for it on a thread, install the artifact after a good build and
//! hand back the closing [`BuildEvent::Finished`]. Nothing here blocks the caller.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::config::{BuildCommand, BuildConfig};
use super::first_error::first_error;
use super::{BuildEvent, Stream};
use crate::util::fsio::{read_wasm_file, write_output};
use crate::util::sanitize::one_line;

/// Output lines streamed per build; a runaway build cannot flood the console's channel.
const MAX_STREAMED_LINES: usize = 10_000;
/// Lines kept for finding the first error (later `error`/`-->` lines are kept past it).
const MAX_KEPT_LINES: usize = 4_000;
/// Longest output line kept, in bytes; the rest of a longer line is dropped.
const MAX_LINE_BYTES: usize = 4096;
/// How long to wait for a pipe to close after the build exited (a leftover process that keeps
/// the pipe open must not hold the result back).
const PIPE_GRACE: Duration = Duration::from_secs(2);

/// A build in flight, as the job that started it sees it.
pub(super) struct Running {
    pid: u32,
    cancelled: Arc<AtomicBool>,
    exited: Arc<AtomicBool>,
}

impl Running {
    /// Kills the build's whole process group (cargo, rustc, linkers, a shell's children);
    /// its result is then reported as cancelled and its artifact not installed.
    pub(super) fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        // After the leader is reaped its id may be reused: only signal a group still running.
        if !self.exited.load(Ordering::SeqCst) {
            kill_group(self.pid);
        }
    }
}

#[cfg(unix)]
fn kill_group(pid: u32) {
    use rustix::process::{kill_process_group, Pid, Signal};
    if let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
        // ESRCH (already gone) is the expected race with a build that just ended.
        let _ = kill_process_group(pid, Signal::KILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_pid: u32) {
    // No process groups: the build runs to its end and its result is dropped as cancelled.
}

/// Starts `config`'s build; `done` receives its `Finished` event (on another thread) after
/// every output line was sent to `events`. An error is the one-line reason it did not start.
pub(super) fn spawn(
    config: &BuildConfig,
    events: Sender<BuildEvent>,
    done: impl FnOnce(BuildEvent) + Send + 'static,
) -> Result<Running, String> {
    let started = Instant::now();
    if !config.dir.is_dir() {
        return Err(format!(
            "build folder `{}` does not exist — fix `dir` of [components.{}] in wirebench.toml",
            config.dir.display(),
            config.id
        ));
    }
    let mut cmd = command(&config.command);
    cmd.current_dir(&config.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own group, so cancelling kills cargo's children too.
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|e| {
        format!(
            "cannot run `{}`: {e} — check the `build` command",
            config.command.display()
        )
    })?;
    let running = Running {
        pid: child.id(),
        cancelled: Arc::new(AtomicBool::new(false)),
        exited: Arc::new(AtomicBool::new(false)),
    };
    let kept = Arc::new(Mutex::new(Kept::default()));
    let (pipe_done, pipes) = crossbeam_channel::bounded(2);
    let readers: [(Option<Box<dyn Read + Send>>, Stream); 2] = [
        (
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            Stream::Stdout,
        ),
        (
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            Stream::Stderr,
        ),
    ];
    let mut open_pipes = 0;
    for (pipe, stream) in readers {
        let Some(pipe) = pipe else { continue };
        let reader = Reader {
            id: config.id.clone(),
            stream,
            events: events.clone(),
            kept: Arc::clone(&kept),
        };
        let pipe_done = pipe_done.clone();
        let spawned = std::thread::Builder::new()
            .name("wirebench-build-out".into())
            .spawn(move || {
                reader.run(pipe);
                let _ = pipe_done.send(());
            });
        if spawned.is_ok() {
            open_pipes += 1;
        }
    }
    let (cancelled, exited) = (Arc::clone(&running.cancelled), Arc::clone(&running.exited));
    let config = config.clone();
    std::thread::Builder::new()
        .name("wirebench-build-wait".into())
        .spawn(move || {
            let status = child.wait();
            exited.store(true, Ordering::SeqCst);
            for _ in 0..open_pipes {
                if pipes.recv_timeout(PIPE_GRACE).is_err() {
                    break;
                }
            }
            let lines = kept.lock().map(|k| k.lines.clone()).unwrap_or_default();
            let (ok, first_error, installed) = if cancelled.load(Ordering::SeqCst) {
                (false, None, false)
            } else {
                match status {
                    Ok(s) if s.success() => match install(&config) {
                        Ok(installed) => (true, None, installed),
                        Err(e) => (false, Some(e), false),
                    },
                    Ok(s) => (
                        false,
                        Some(first_error(&lines).unwrap_or_else(|| {
                            format!("`{}` failed ({s})", config.command.display())
                        })),
                        false,
                    ),
                    Err(e) => (
                        false,
                        Some(format!("cannot wait for the build: {e}")),
                        false,
                    ),
                }
            };
            done(BuildEvent::Finished {
                id: config.id.clone(),
                ok,
                cancelled: cancelled.load(Ordering::SeqCst),
                duration: started.elapsed(),
                first_error,
                installed,
            });
        })
        .map_err(|e| {
            kill_group(running.pid);
            format!("cannot start the build thread: {e}")
        })?;
    Ok(running)
}

fn command(build: &BuildCommand) -> Command {
    match build {
        BuildCommand::Shell(line) => {
            let (shell, flag) = if cfg!(windows) {
                ("cmd", "/C")
            } else {
                ("sh", "-c")
            };
            let mut c = Command::new(shell);
            c.arg(flag).arg(line);
            c
        }
        BuildCommand::Argv(argv) => {
            let mut c = Command::new(&argv[0]);
            c.args(&argv[1..]);
            c
        }
    }
}

/// Copies a good build's artifact over the component file, atomically, when its bytes
/// changed; returns whether it did. A missing artifact is an error naming the key to fix.
fn install(config: &BuildConfig) -> Result<bool, String> {
    let Some(artifact) = config.copy_source() else {
        return Ok(false);
    };
    let bytes = read_wasm_file(artifact).map_err(|e| {
        one_line(&format!(
            "the build succeeded but its artifact cannot be read: {e} — set `artifact` of \
             [components.{}] to the file the build writes",
            config.id
        ))
    })?;
    if fs::read(&config.path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| cannot_write(&config.path, &e))?;
    }
    write_output(&config.path, &bytes).map_err(|e| cannot_write(&config.path, &e))?;
    Ok(true)
}

fn cannot_write(path: &Path, e: &std::io::Error) -> String {
    format!(
        "cannot write `{}`: {e} — check that its folder is writable",
        path.display()
    )
}

/// Lines kept for [`first_error`].
#[derive(Default)]
struct Kept {
    lines: Vec<String>,
    streamed: usize,
}

struct Reader {
    id: String,
    stream: Stream,
    events: Sender<BuildEvent>,
    kept: Arc<Mutex<Kept>>,
}

impl Reader {
    /// Reads the pipe to its end in bounded chunks (a line without newline cannot grow
    /// without limit) and hands on each line.
    fn run(&self, mut pipe: Box<dyn Read + Send>) {
        let mut chunk = [0u8; 8192];
        let mut line = Vec::new();
        let mut overlong = false;
        loop {
            let n = match pipe.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            for &b in &chunk[..n] {
                if b == b'\n' {
                    self.line(&line);
                    line.clear();
                    overlong = false;
                } else if line.len() < MAX_LINE_BYTES {
                    line.push(b);
                } else if !overlong {
                    overlong = true;
                    line.extend_from_slice("…".as_bytes());
                }
            }
        }
        if !line.is_empty() {
            self.line(&line);
        }
    }

    fn line(&self, raw: &[u8]) {
        let text = String::from_utf8_lossy(raw);
        let text = one_line(strip_ansi(text.trim_end_matches('\r')).as_str());
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        let trimmed = text.trim_start();
        if kept.lines.len() < MAX_KEPT_LINES
            || (kept.lines.len() < 2 * MAX_KEPT_LINES
                && (trimmed.starts_with("error") || trimmed.starts_with("-->")))
        {
            kept.lines.push(text.clone());
        }
        kept.streamed += 1;
        let line = match kept.streamed {
            n if n < MAX_STREAMED_LINES => text,
            MAX_STREAMED_LINES => "… more output not shown".to_string(),
            _ => return,
        };
        drop(kept);
        let _ = self.events.send(BuildEvent::Output {
            id: self.id.clone(),
            stream: self.stream,
            line,
        });
    }
}

/// Removes terminal escape sequences (colours, cursor moves) so they are neither shown as
/// escapes nor mistaken for text.
pub(super) fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // CSI: parameters up to a final byte in @..~.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ESC \.
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_removed() {
        assert_eq!(
            strip_ansi("\u{1b}[1m\u{1b}[31merror\u{1b}[0m: x"),
            "error: x"
        );
        assert_eq!(strip_ansi("a\u{1b}]0;title\u{7}b"), "ab");
    }
}
