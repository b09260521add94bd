//! The console: a bounded log of results, guest output, errors, reloads and call trees.

use std::collections::VecDeque;

use crate::util::sanitize::sanitize;

/// Most lines kept; older ones are dropped so a chatty guest cannot grow memory.
pub const MAX_LINES: usize = 2000;
/// Longest line kept, in characters; a guest's megabyte line is cut.
pub const MAX_LINE_CHARS: usize = 1000;

/// What a console line is about; decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Info,
    Call,
    Result,
    Stdout,
    Stderr,
    Error,
    Trace,
    Reload,
}

/// One line of the console, already sanitized.
#[derive(Debug, Clone)]
pub struct ConsoleLine {
    pub time: String,
    pub kind: LineKind,
    pub text: String,
    /// Right-aligned detail such as a duration.
    pub detail: String,
}

/// The console's lines and scroll position (0 = following the newest line).
#[derive(Debug, Default)]
pub struct Console {
    pub lines: VecDeque<ConsoleLine>,
    pub scroll: usize,
}

impl Console {
    /// Adds `text` (sanitized, split into lines, each cut to [`MAX_LINE_CHARS`]).
    pub fn push(&mut self, time: &str, kind: LineKind, text: &str, detail: &str) {
        let clean = sanitize(text);
        let mut first = true;
        for line in clean.lines() {
            let line: String = if line.chars().count() > MAX_LINE_CHARS {
                let mut cut: String = line.chars().take(MAX_LINE_CHARS).collect();
                cut.push('…');
                cut
            } else {
                line.to_string()
            };
            self.lines.push_back(ConsoleLine {
                time: if first {
                    time.to_string()
                } else {
                    String::new()
                },
                kind,
                text: line.replace('\t', "    "),
                detail: if first {
                    detail.to_string()
                } else {
                    String::new()
                },
            });
            first = false;
            if self.lines.len() > MAX_LINES {
                self.lines.pop_front();
            }
        }
        if first {
            self.lines.push_back(ConsoleLine {
                time: time.to_string(),
                kind,
                text: String::new(),
                detail: detail.to_string(),
            });
        }
        if self.scroll > 0 {
            // Keep the view still while the user reads older lines.
            self.scroll = (self.scroll + 1).min(self.lines.len());
        }
    }

    pub fn scroll_up(&mut self, n: usize) {
        self.scroll = (self.scroll + n).min(self.lines.len().saturating_sub(1));
    }

    pub fn scroll_down(&mut self, n: usize) {
        self.scroll = self.scroll.saturating_sub(n);
    }

    /// The last line's text, for tests and the status bar.
    pub fn last_text(&self) -> Option<&str> {
        self.lines.back().map(|l| l.text.as_str())
    }

    /// True when some line contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.lines.iter().any(|l| l.text.contains(needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_sanitized() {
        let mut c = Console::default();
        for i in 0..(MAX_LINES + 10) {
            c.push("t", LineKind::Stdout, &format!("line {i}\u{1b}[2J"), "");
        }
        assert_eq!(c.lines.len(), MAX_LINES);
        assert!(c.lines.iter().all(|l| !l.text.contains('\u{1b}')));
        c.push("t", LineKind::Stdout, &"x".repeat(5000), "");
        assert_eq!(c.last_text().unwrap().chars().count(), MAX_LINE_CHARS + 1);
    }

    #[test]
    fn multi_line_text_keeps_time_on_first_line() {
        let mut c = Console::default();
        c.push("12:00:00", LineKind::Trace, "a\nb", "5 µs");
        assert_eq!(c.lines[0].time, "12:00:00");
        assert_eq!(c.lines[1].time, "");
        assert_eq!(c.lines[1].detail, "");
    }
}
