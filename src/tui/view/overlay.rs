//! Overlays drawn over the panes: help, the plug picker and the function picker.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};

use super::theme::Theme;
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::{BINDINGS, COMMANDS};
use crate::util::sanitize::one_line;

pub(super) fn render(app: &App, area: Rect, buf: &mut Buffer) {
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => help(area, buf),
        Overlay::Plug(p) => plug_picker(p, area, buf),
        Overlay::Functions(_) => function_picker(app, area, buf),
    }
}

/// A centered rectangle of at most `w`×`h` inside `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn frame(title: String) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(Theme::get().border_focus)
        .title(title)
}

fn help(area: Rect, buf: &mut Buffer) {
    let t = Theme::get();
    let mut lines = vec![Line::styled("Keys", t.accent)];
    for b in BINDINGS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<24}", b.keys), t.node_selected),
            Span::raw(b.what),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Commands", t.accent));
    for b in COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<38}", b.keys), t.node_selected),
            Span::raw(b.what),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("any key closes this help", t.dim));
    let r = centered(area, 116, lines.len() as u16 + 2);
    Clear.render(r, buf);
    Paragraph::new(lines)
        .block(frame(" Help ".into()))
        .render(r, buf);
}

fn plug_picker(p: &crate::tui::app::PlugPicker, area: Rect, buf: &mut Buffer) {
    let t = Theme::get();
    let mut lines = vec![Line::styled(
        "providers (incompatible ones are greyed, with the reason)",
        t.dim,
    )];
    for (i, c) in p.candidates.iter().enumerate() {
        let marker = if i == p.selected { "▶ " } else { "  " };
        let head = format!("{marker}{}  {}", one_line(&c.provider), one_line(&c.export));
        let style = if c.compatible { t.normal } else { t.dim };
        let style = if i == p.selected {
            style.patch(t.selected)
        } else {
            style
        };
        lines.push(Line::styled(head, style));
        if let Some(why) = &c.problem {
            lines.push(Line::styled(format!("    ✗ {}", one_line(why)), t.error));
        }
    }
    lines.push(Line::styled("↑↓ choose · Enter plug · Esc cancel", t.dim));
    let r = centered(area, 110, lines.len() as u16 + 4);
    Clear.render(r, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(frame(format!(
            " Plug {} › {} ",
            one_line(&p.consumer),
            one_line(&p.import)
        )))
        .render(r, buf);
}

fn function_picker(app: &App, area: Rect, buf: &mut Buffer) {
    let t = Theme::get();
    let Overlay::Functions(p) = &app.overlay else {
        return;
    };
    let r = centered(area, 100, 20);
    Clear.render(r, buf);
    let scope = p
        .component
        .as_deref()
        .map(one_line)
        .unwrap_or_else(|| "all components".into());
    let block = frame(format!(" Invoke — {scope} "));
    let inner = block.inner(r);
    block.render(r, buf);
    if inner.height < 3 {
        return;
    }
    Paragraph::new(Line::from(vec![Span::styled("filter: ", t.accent)]))
        .render(Rect::new(inner.x, inner.y, 8, 1), buf);
    (&p.filter).render(
        Rect::new(inner.x + 8, inner.y, inner.width.saturating_sub(8), 1),
        buf,
    );
    let rows = usize::from(inner.height - 2);
    let first = p.selected.saturating_sub(rows.saturating_sub(1));
    for (row, &fi) in p.matches.iter().enumerate().skip(first).take(rows) {
        let Some(f) = app.functions.get(fi) else {
            continue;
        };
        let sig = f.signature.clone().unwrap_or_else(|| f.template.clone());
        let text = format!(" {}.{}  {}", f.component, f.call_name, sig);
        let style = if row == p.selected {
            t.selected
        } else {
            t.normal
        };
        let y = inner.y + 2 + (row - first) as u16;
        Line::styled(one_line(&text), style).render(Rect::new(inner.x, y, inner.width, 1), buf);
    }
    if p.matches.is_empty() {
        Line::styled(" no function matches", t.dim)
            .render(Rect::new(inner.x, inner.y + 2, inner.width, 1), buf);
    }
}
