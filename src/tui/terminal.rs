//! Terminal setup and restore: raw mode, alternate screen, mouse capture, cursor — restored on
//! exit, on panic (hook), on SIGTERM/SIGHUP (runner) and around Ctrl-Z suspend.

use std::io::{self, Stdout, Write};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Puts the terminal in TUI mode and installs a panic hook that undoes it first.
pub fn enter() -> io::Result<Tui> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    let mut out = io::stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableMouseCapture, cursor::Hide) {
        restore();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(out))
}

/// Leaves TUI mode; safe to call more than once and when the terminal is gone.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Ctrl-Z: give the terminal back, stop the process, take the terminal again on `fg`.
#[cfg(unix)]
pub fn suspend(tui: &mut Tui) -> io::Result<()> {
    restore();
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    // Execution continues here after SIGCONT.
    terminal::enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        cursor::Hide
    )?;
    tui.clear()
}

#[cfg(not(unix))]
pub fn suspend(_tui: &mut Tui) -> io::Result<()> {
    Ok(())
}
