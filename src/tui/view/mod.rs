//! Drawing: the screen layout and the title and bottom bars; each pane has its own file.

mod graph;
mod overlay;
mod panes;
pub use panes::inspector_text;
pub mod theme;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::action::Pane;
use super::app::App;
use super::keymap::InputMode;
use crate::util::words::count;
use theme::Theme;

/// Smallest screen the full layout is drawn on; below it a short notice is shown.
pub const MIN_SIZE: (u16, u16) = (40, 12);

/// Where each pane goes for a given screen size.
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    pub title: Rect,
    pub components: Rect,
    pub graph: Rect,
    pub inspector: Rect,
    pub console: Rect,
    pub invoke: Rect,
    pub bottom: Rect,
}

/// Splits the screen; the component list is dropped on narrow screens.
pub fn areas(area: Rect, _app: &App) -> Areas {
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        return Areas::default();
    }
    let [title, body, lower, invoke, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Percentage(55),
        Constraint::Min(4),
        Constraint::Length(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let list_width = if area.width >= 100 { 24 } else { 0 };
    let [components, graph] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(10)]).areas(body);
    let [inspector, console] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(lower);
    Areas {
        title,
        components,
        graph,
        inspector,
        console,
        invoke,
        bottom,
    }
}

/// Draws the whole workbench.
pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = format!(
            "wirebench needs {}×{} — make the window larger",
            MIN_SIZE.0, MIN_SIZE.1
        );
        frame.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let a = areas(area, app);
    let buf = frame.buffer_mut();
    title_bar(app, a.title, buf);
    if a.components.width > 0 {
        panes::components(app, a.components, buf);
    }
    graph::render(app, a.graph, buf);
    panes::inspector(app, a.inspector, buf);
    panes::console(app, a.console, buf);
    panes::invoke(app, a.invoke, buf);
    bottom_bar(app, a.bottom, buf);
    overlay::render(app, area, buf);
    if let Some(line) = &app.command_line {
        let inner = Rect::new(
            a.bottom.x + 1,
            a.bottom.y,
            a.bottom.width.saturating_sub(1),
            1,
        );
        frame.render_widget(line, inner);
    }
}

fn title_bar(app: &App, area: Rect, buf: &mut ratatui::buffer::Buffer) {
    let t = Theme::get();
    let open = app
        .report
        .open
        .iter()
        .filter(|o| o.blocks_completion())
        .count();
    let mut spans = vec![
        Span::styled(" wirebench ", t.title),
        Span::raw(" "),
        Span::styled(crate::util::sanitize::one_line(&app.location), t.dim),
        Span::raw(if app.modified { " [+]" } else { "" }),
        Span::raw(format!(
            "   {} · {} · ",
            count(app.workspace.components.len(), "component"),
            count(app.workspace.plugs.len(), "plug")
        )),
        Span::styled(
            format!("{open} open imports"),
            if open > 0 { t.error } else { t.normal },
        ),
        Span::raw(format!(
            "   mode: {}   watch: {}   {}",
            app.run.mode.label(),
            app.watch,
            app.run.limits
        )),
    ];
    if let Some(last) = &app.run.last {
        spans.push(Span::styled(format!("   last: {last}"), t.dim));
    }
    spans.push(Span::styled("   ? help", t.dim));
    Paragraph::new(Line::from(spans)).render_ref(area, buf);
}

fn bottom_bar(app: &App, area: Rect, buf: &mut ratatui::buffer::Buffer) {
    let t = Theme::get();
    let line = if app.command_line.is_some() {
        Line::from(Span::styled(":", t.accent))
    } else if let Some(h) = &app.hint {
        Line::from(Span::styled(crate::util::sanitize::one_line(h), t.accent))
    } else {
        let hints = match (app.input_mode(), app.focus) {
            (InputMode::Invoke, _) => "Enter run · ↑↓ history · Esc leave · Ctrl-C cancel",
            (InputMode::Filter, _) => "type to filter · ↑↓ choose · Enter edit call · Tab all components · Esc close",
            (_, Pane::Graph) if app.port.is_some() => {
                "↑↓ port · Enter plug/invoke · u unplug · ← back · : command · ? help"
            }
            (_, Pane::Graph) => "↑↓←→ select · Enter ports · i invoke · p plug · s save · : command · ? help · q quit",
            (_, Pane::Console) => "↑↓ PgUp PgDn scroll · End follow · Tab next pane",
            (_, Pane::Inspector) => "↑↓ PgUp PgDn scroll · Tab next pane",
            _ => "↑↓ select · Tab next pane · i invoke · : command · ? help · q quit",
        };
        Line::from(Span::styled(hints, t.dim))
    };
    Paragraph::new(line).render_ref(area, buf);
}

/// Renders a widget by reference into a buffer (ratatui's `WidgetRef` without the feature).
trait RenderRef {
    fn render_ref(self, area: Rect, buf: &mut ratatui::buffer::Buffer);
}

impl<W: ratatui::widgets::Widget> RenderRef for W {
    fn render_ref(self, area: Rect, buf: &mut ratatui::buffer::Buffer) {
        self.render(area, buf);
    }
}
