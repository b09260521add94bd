//! The component list, the inspector (WIT of the selection), the console and the invoke bar.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget};

use super::theme::Theme;
use crate::model::WorldItemInfo;
use crate::tui::action::Pane;
use crate::tui::app::App;
use crate::tui::console::LineKind;
use crate::tui::layout::{PortSide, PortState, HOST_ID};
use crate::tui::ops::format_duration;
use crate::util::sanitize::{one_line, sanitize};

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

fn pane(title: String, focused: bool) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Theme::get().pane(focused))
        .title(title)
}

pub(super) fn components(app: &App, area: Rect, buf: &mut Buffer) {
    let t = Theme::get();
    let lines: Vec<Line> = app
        .graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let open = n
                .ports
                .iter()
                .filter(|p| p.side == PortSide::Import && p.state == PortState::Open)
                .count();
            let broken = n.ports.iter().any(|p| p.state == PortState::Broken);
            let (status, style) = if n.id == HOST_ID {
                ("host".to_string(), t.dim)
            } else if app.building.iter().any(|(b, _)| *b == n.id) {
                (
                    format!("{} build", SPINNER[app.spinner % SPINNER.len()]),
                    t.accent,
                )
            } else if app.build_failed.contains(&n.id) {
                ("✗ build".to_string(), t.error)
            } else if n.note.is_some() {
                ("core".to_string(), t.dim)
            } else if broken {
                ("✗ broken".to_string(), t.error)
            } else if open > 0 {
                (format!("⚠ {open} open"), t.error)
            } else {
                ("ok".to_string(), t.ok)
            };
            let marker = if i == app.selected { "▶ " } else { "  " };
            let name_w = usize::from(area.width.saturating_sub(4))
                .saturating_sub(status.chars().count() + 3);
            let name: String = one_line(&n.id).chars().take(name_w).collect();
            let pad = name_w.saturating_sub(name.chars().count());
            let row_style = if i == app.selected {
                t.node_selected
            } else {
                t.normal
            };
            Line::from(vec![
                Span::styled(marker, row_style),
                Span::styled(name, row_style),
                Span::raw(" ".repeat(pad + 1)),
                Span::styled(status, style),
            ])
        })
        .collect();
    Paragraph::new(lines)
        .block(pane(" Components ".into(), app.focus == Pane::Components))
        .render(area, buf);
}

/// The inspector's text for the current selection, and its title.
pub fn inspector_text(app: &App) -> (String, String) {
    let id = app.selected_id().to_string();
    if id == HOST_ID {
        let mut s =
            String::from("// imports no component provides; WASI ones come from the host\n");
        for o in &app.report.open {
            let _ = writeln!(s, "{}", o.message());
        }
        return ("host".into(), s);
    }
    let Some(c) = app.workspace.components.get(&id) else {
        return (String::new(), "no component selected".into());
    };
    if let Some(port) = app.selected_port() {
        let items = match port.side {
            PortSide::Import => &c.imports,
            PortSide::Export => &c.exports,
        };
        if port.name == "wasi:*" {
            let mut s =
                String::from("// WASI interfaces, provided by the host (deny by default)\n");
            for i in c.imported_interfaces().filter(|i| i.is_wasi()) {
                let _ = writeln!(s, "import {};", i.name);
            }
            return (format!("{id} › WASI imports"), s);
        }
        if let Some(item) = items.iter().find(|i| i.name() == port.name) {
            let dir = if port.side == PortSide::Import {
                "import"
            } else {
                "export"
            };
            let mut s = String::new();
            match item {
                WorldItemInfo::Interface(i) => {
                    let _ = writeln!(s, "// {dir} {}", i.name);
                    if let Some(p) = app.workspace.plug_for(&id, &i.name) {
                        let _ = writeln!(s, "// plugged to `{}` ({})", p.provider, p.export);
                    }
                    for t in &i.types {
                        doc_lines(&mut s, t.docs.as_deref());
                        let _ = writeln!(s, "{}", t.definition);
                    }
                    for f in i.functions.iter().filter(|f| f.resource.is_none()) {
                        doc_lines(&mut s, f.docs.as_deref());
                        let _ = writeln!(s, "{};", f.signature);
                    }
                }
                WorldItemInfo::Function(f) => {
                    doc_lines(&mut s, f.docs.as_deref());
                    let _ = writeln!(s, "{dir} {};", f.signature);
                }
                WorldItemInfo::Type(t) => {
                    let _ = writeln!(s, "{}", t.definition);
                }
            }
            return (format!("{id} › {}", port.label), s);
        }
    }
    (id, crate::cli::inspect_summary(c))
}

fn doc_lines(s: &mut String, docs: Option<&str>) {
    for l in docs.unwrap_or_default().lines() {
        let _ = writeln!(s, "/// {l}");
    }
}

pub(super) fn inspector(app: &App, area: Rect, buf: &mut Buffer) {
    let t = Theme::get();
    let (title, text) = inspector_text(app);
    let lines: Vec<Line> = sanitize(&text)
        .lines()
        .map(|l| {
            let trimmed = l.trim_start();
            let style = if trimmed.starts_with("//") {
                t.dim
            } else if trimmed.starts_with("error") || trimmed.contains('⚠') {
                t.error
            } else {
                t.normal
            };
            Line::styled(l.to_string(), style)
        })
        .collect();
    Paragraph::new(lines)
        .scroll((app.inspector_scroll, 0))
        .block(pane(
            format!(" Inspector: {} ", one_line(&title)),
            app.focus == Pane::Inspector,
        ))
        .render(area, buf);
}

pub(super) fn console(app: &App, area: Rect, buf: &mut Buffer) {
    let t = Theme::get();
    let block = pane(
        if app.console.scroll > 0 {
            format!(" Console (↑{}) ", app.console.scroll)
        } else {
            " Console ".into()
        },
        app.focus == Pane::Console,
    );
    let inner = block.inner(area);
    block.render(area, buf);
    let h = usize::from(inner.height);
    let width = usize::from(inner.width);
    if h == 0 || width <= 10 {
        return;
    }
    let end = app.console.lines.len().saturating_sub(app.console.scroll);
    // Build visual rows bottom-up, wrapping long lines, until the pane is full.
    let mut rows: Vec<Line> = Vec::new();
    for line in app.console.lines.range(..end).rev() {
        let style = match line.kind {
            LineKind::Error => t.error,
            LineKind::Result => t.ok,
            LineKind::Stdout | LineKind::Stderr => t.stdout,
            LineKind::Trace => t.trace,
            LineKind::Reload => t.accent,
            LineKind::Info | LineKind::Call => t.normal,
        };
        let chunks = wrap(&line.text, width - 9);
        let mut block: Vec<Line> = Vec::new();
        for (k, chunk) in chunks.iter().enumerate() {
            let time = if k == 0 && !line.time.is_empty() {
                format!("{} ", line.time)
            } else {
                " ".repeat(9)
            };
            let mut spans = vec![
                Span::styled(time, t.dim),
                Span::styled(chunk.clone(), style),
            ];
            let used = 9 + chunk.chars().count();
            let detail_w = line.detail.chars().count();
            if k + 1 == chunks.len() && detail_w > 0 && used + detail_w + 2 <= width {
                spans.push(Span::raw(" ".repeat(width - used - detail_w)));
                spans.push(Span::styled(line.detail.clone(), t.dim));
            }
            block.push(Line::from(spans));
        }
        for l in block.into_iter().rev() {
            rows.push(l);
        }
        if rows.len() >= h {
            break;
        }
    }
    rows.truncate(h);
    for (row, line) in rows.into_iter().rev().enumerate() {
        line.render(
            Rect::new(inner.x, inner.y + row as u16, inner.width, 1),
            buf,
        );
    }
}

/// Splits `text` into rows of at most `room` characters, breaking after spaces when it can.
fn wrap(text: &str, room: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut rows = Vec::new();
    let mut start = 0;
    while chars.len() - start > room {
        let window = &chars[start..start + room];
        // Break after the last space in the second half of the row, else hard-break.
        let cut = window
            .iter()
            .rposition(|c| *c == ' ')
            .filter(|&i| i >= room / 2)
            .map_or(room, |i| i + 1);
        rows.push(chars[start..start + cut].iter().collect());
        start += cut;
    }
    rows.push(chars[start..].iter().collect());
    rows
}

pub(super) fn invoke(app: &App, area: Rect, buf: &mut Buffer) {
    let t = Theme::get();
    let focused = app.focus == Pane::Invoke;
    let (status, style): (String, Style) = if let Some(p) = app.run.pending.front() {
        let spin = SPINNER[app.spinner % SPINNER.len()];
        let elapsed = p
            .started
            .map(|s| format_duration(s.elapsed()))
            .unwrap_or_else(|| "queued".into());
        (
            format!(
                "{spin} running {} · {elapsed} · Ctrl-C cancels",
                one_line(&p.text)
            ),
            t.accent,
        )
    } else if app.run.loading {
        let spin = SPINNER[app.spinner % SPINNER.len()];
        (format!("{spin} instantiating…"), t.accent)
    } else {
        match &app.invoke.check {
            None if focused => (
                "type a call, e.g. get(\"k\") · i picks a function".into(),
                t.dim,
            ),
            None => ("i pick a function · 5 or Tab to edit".into(), t.dim),
            Some(Ok(sig)) => (
                format!("✓ {} · Enter run · ↑↓ history", one_line(sig)),
                t.ok,
            ),
            Some(Err(e)) => (format!("✗ {}", one_line(e)), t.error),
        }
    };
    let block = pane(" Invoke ".into(), focused)
        .title(Line::styled(format!(" {status} "), style).alignment(Alignment::Right));
    let inner = block.inner(area);
    block.render(area, buf);
    (&app.invoke.text).render(inner, buf);
}
