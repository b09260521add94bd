//! Colours and text styles, in one place.

use ratatui::style::{Color, Modifier, Style};

/// The styles every pane draws with.
pub struct Theme {
    pub normal: Style,
    pub dim: Style,
    pub title: Style,
    pub accent: Style,
    pub error: Style,
    pub ok: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub edge: Style,
    pub edge_lit: Style,
    pub edge_broken: Style,
    pub node_selected: Style,
    pub node_flash: Style,
    pub stdout: Style,
    pub trace: Style,
}

static THEME: Theme = Theme {
    normal: Style::new(),
    dim: Style::new().fg(Color::DarkGray),
    title: Style::new()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD),
    accent: Style::new().fg(Color::Cyan),
    error: Style::new().fg(Color::Red),
    ok: Style::new().fg(Color::Green),
    border: Style::new().fg(Color::DarkGray),
    border_focus: Style::new().fg(Color::Cyan),
    selected: Style::new().add_modifier(Modifier::REVERSED),
    edge: Style::new().fg(Color::Blue),
    edge_lit: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
    edge_broken: Style::new().fg(Color::Red),
    node_selected: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
    node_flash: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
    stdout: Style::new().fg(Color::Gray),
    trace: Style::new().fg(Color::Magenta),
};

impl Theme {
    pub fn get() -> &'static Theme {
        &THEME
    }

    /// The border style of a pane, highlighted when it has the focus.
    pub fn pane(&self, focused: bool) -> Style {
        if focused {
            self.border_focus
        } else {
            self.border
        }
    }
}
