//! The graph canvas: edges as box-drawing lines merged at junctions, then the component boxes
//! with their import (left) and export (right) ports, clipped to the viewport and panned.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, BorderType, Borders, Widget};

use super::theme::Theme;
use crate::tui::action::Pane;
use crate::tui::app::App;
use crate::tui::layout::{NodeBox, PortSide, PortState, HOST_ID};

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

/// The viewport: canvas cells `offset..offset+size` shown at screen rect `inner`.
struct View {
    inner: Rect,
    ox: i32,
    oy: i32,
}

impl View {
    /// Screen position of a canvas cell, if it is visible.
    fn screen(&self, x: i32, y: i32) -> Option<(u16, u16)> {
        let sx = x - self.ox;
        let sy = y - self.oy;
        if sx < 0
            || sy < 0
            || sx >= i32::from(self.inner.width)
            || sy >= i32::from(self.inner.height)
        {
            return None;
        }
        Some((self.inner.x + sx as u16, self.inner.y + sy as u16))
    }

    fn put_str(&self, buf: &mut Buffer, x: i32, y: i32, text: &str, style: Style) {
        self.put_chars(buf, x, y, text.chars(), style);
    }

    /// Puts `chars` from `(x, y)` rightwards; returns the column after the last one.
    fn put_chars(
        &self,
        buf: &mut Buffer,
        x: i32,
        y: i32,
        chars: impl Iterator<Item = char>,
        style: Style,
    ) -> i32 {
        let mut x = x;
        for ch in chars {
            if let Some((sx, sy)) = self.screen(x, y) {
                buf[(sx, sy)].set_char(ch).set_style(style);
            }
            x += 1;
        }
        x
    }

    /// `n` times `ch` from `(x, y)` rightwards.
    fn put_run(&self, buf: &mut Buffer, x: i32, y: i32, ch: char, n: usize, style: Style) {
        self.put_chars(buf, x, y, std::iter::repeat_n(ch, n), style);
    }
}

/// `chars` cut to `width` with a trailing `…`, without allocating: the render path runs for
/// every node of every frame.
fn fitted<I: Iterator<Item = char> + Clone>(chars: I, width: usize) -> impl Iterator<Item = char> {
    let cut = chars.clone().nth(width).is_some();
    let keep = if cut { width.saturating_sub(1) } else { width };
    chars
        .take(keep)
        .chain(std::iter::once('…').filter(move |_| cut && width > 0))
}

pub(super) fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let t = Theme::get();
    let focused = app.focus == Pane::Graph;
    let title = if app.workspace.components.is_empty() {
        " Graph — empty: :open a .wasm file or folder ".to_string()
    } else {
        format!(
            " Graph ({}, {}) ",
            app.graph.nodes.len() - 1,
            app.graph.edges.len()
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.pane(focused))
        .title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let view = View {
        inner,
        ox: app.offset.0,
        oy: app.offset.1,
    };
    draw_edges(app, &view, buf);
    let now = Instant::now();
    for (i, node) in app.graph.nodes.iter().enumerate() {
        let flashing = app
            .flash
            .iter()
            .any(|(id, until)| *id == node.id && *until > now);
        draw_node(app, node, i == app.selected, flashing, &view, buf);
    }
    draw_attachments(app, &view, buf);
    scroll_marks(app, &view, buf);
}

/// Cells of an edge's path, in order: right from the export, down/up the channel, right to
/// the import.
fn edge_path(from: (i32, i32), channel: i32, to: (i32, i32)) -> impl Iterator<Item = (i32, i32)> {
    let (x1, y1) = from;
    let (x2, y2) = to;
    let xm = if channel > x1 && channel < x2 {
        channel
    } else {
        x1 + 1
    };
    let out = (x1..=xm).map(move |x| (x, y1));
    let step = if y2 >= y1 { 1 } else { -1 };
    let down = (1..=(y2 - y1).abs()).map(move |i| (xm, y1 + i * step));
    let dir = if xm <= x2 { 1 } else { -1 };
    let back = (1..=(x2 - xm).abs()).map(move |i| (xm + i * dir, y2));
    out.chain(down).chain(back)
}

fn draw_edges(app: &App, view: &View, buf: &mut Buffer) {
    let t = Theme::get();
    let (w, h) = (
        usize::from(view.inner.width),
        usize::from(view.inner.height),
    );
    let mut bits = vec![0u8; w * h];
    // 0 normal, 1 broken, 2 lit: the strongest wins where edges share a cell.
    let mut strength = vec![0u8; w * h];
    let now = Instant::now();
    for e in &app.graph.edges {
        let (p, q) = (&app.graph.nodes[e.from.0], &app.graph.nodes[e.to.0]);
        let start = (p.x + i32::from(p.w) - 1, p.port_row(e.from.1));
        let end = (q.x, q.port_row(e.to.1));
        let lit = app.lit.iter().any(|(a, b, until)| {
            *until > now && ((*a == q.id && *b == p.id) || (*a == p.id && *b == q.id))
        });
        let level = if lit {
            2
        } else if e.ok {
            0
        } else {
            1
        };
        let mut path = edge_path(start, e.channel, end);
        let Some(mut a) = path.next() else { continue };
        for b in path {
            let ((ax, ay), (bx, by)) = (a, b);
            a = b;
            let (da, db) = match (bx - ax, by - ay) {
                (1, 0) => (RIGHT, LEFT),
                (-1, 0) => (LEFT, RIGHT),
                (0, 1) => (DOWN, UP),
                _ => (UP, DOWN),
            };
            for ((x, y), d) in [((ax, ay), da), ((bx, by), db)] {
                let (sx, sy) = (x - view.ox, y - view.oy);
                if sx >= 0 && sy >= 0 && (sx as usize) < w && (sy as usize) < h {
                    let k = sy as usize * w + sx as usize;
                    bits[k] |= d;
                    strength[k] = strength[k].max(level);
                }
            }
        }
    }
    for (k, b) in bits.iter().enumerate() {
        if *b == 0 {
            continue;
        }
        let style = match strength[k] {
            2 => t.edge_lit,
            1 => t.edge_broken,
            _ => t.edge,
        };
        let (x, y) = ((k % w) as u16, (k / w) as u16);
        buf[(view.inner.x + x, view.inner.y + y)]
            .set_char(junction(*b))
            .set_style(style);
    }
}

/// The box-drawing character joining the given directions.
fn junction(b: u8) -> char {
    match b {
        x if x == LEFT | RIGHT || x == LEFT || x == RIGHT => '─',
        x if x == UP | DOWN || x == UP || x == DOWN => '│',
        x if x == RIGHT | DOWN => '┌',
        x if x == LEFT | DOWN => '┐',
        x if x == RIGHT | UP => '└',
        x if x == LEFT | UP => '┘',
        x if x == UP | DOWN | RIGHT => '├',
        x if x == UP | DOWN | LEFT => '┤',
        x if x == LEFT | RIGHT | DOWN => '┬',
        x if x == LEFT | RIGHT | UP => '┴',
        _ => '┼',
    }
}

fn draw_node(
    app: &App,
    n: &NodeBox,
    selected: bool,
    flashing: bool,
    view: &View,
    buf: &mut Buffer,
) {
    let t = Theme::get();
    let border = if selected {
        t.node_selected
    } else if flashing {
        t.node_flash
    } else if n.id == HOST_ID {
        t.dim
    } else {
        t.normal
    };
    let (w, h) = (i32::from(n.w), i32::from(n.h));
    let width = n.w as usize;
    // Clear the box area so edges under it do not show through.
    for y in n.y..n.y + h {
        view.put_run(buf, n.x, y, ' ', width, t.normal);
    }
    // `╭ title ───╮`, the title cut so the corner always shows.
    let id = crate::util::sanitize::sanitize(&n.id);
    let title = if n.id == HOST_ID { "host (WASI)" } else { &id };
    let title = title.chars().map(|c| {
        if matches!(c, '\n' | '\t' | '\r') {
            ' '
        } else {
            c
        }
    });
    let head = "╭ ".chars().chain(title).chain(std::iter::once(' '));
    let end = view.put_chars(buf, n.x, n.y, head.take(width.saturating_sub(1)), border);
    let fill = (n.x + w - 1 - end).max(0) as usize;
    view.put_run(buf, end, n.y, '─', fill, border);
    if w > 1 {
        view.put_str(buf, n.x + w - 1, n.y, "╮", border);
    }
    view.put_str(buf, n.x, n.y + h - 1, "╰", border);
    view.put_run(
        buf,
        n.x + 1,
        n.y + h - 1,
        '─',
        (w - 2).max(0) as usize,
        border,
    );
    if w > 1 {
        view.put_str(buf, n.x + w - 1, n.y + h - 1, "╯", border);
    }
    for y in n.y + 1..n.y + h - 1 {
        view.put_str(buf, n.x, y, "│", border);
        view.put_str(buf, n.x + w - 1, y, "│", border);
    }
    let inner_w = (w - 2).max(0) as usize;
    for (i, port) in n.ports.iter().enumerate() {
        let style = match port.state {
            PortState::Ok => t.normal,
            PortState::Host => t.dim,
            PortState::Broken | PortState::Open => t.error,
        };
        let style = if selected && app.port == Some(i) {
            style.patch(t.selected)
        } else {
            style
        };
        let (prefix, suffix) = match (port.side, port.state) {
            (PortSide::Import, PortState::Open) => ("⚠ ", ""),
            (PortSide::Import, PortState::Broken) => ("✗ ", ""),
            (PortSide::Import, _) => ("▶ ", ""),
            (PortSide::Export, _) if n.id == HOST_ID => ("", ""),
            (PortSide::Export, _) => ("", " ●"),
        };
        let text = prefix
            .chars()
            .chain(port.label.chars())
            .chain(suffix.chars());
        let shown = text.clone().count().min(inner_w);
        let x = match port.side {
            PortSide::Export if n.id != HOST_ID => n.x + 1 + (inner_w - shown) as i32,
            _ => n.x + 1,
        };
        view.put_chars(buf, x, n.port_row(i), fitted(text, inner_w), style);
    }
    if let Some(note) = &n.note {
        view.put_chars(
            buf,
            n.x + 1,
            n.y + 1 + n.ports.len() as i32,
            fitted(note.chars(), inner_w),
            t.dim,
        );
    }
}

/// Where edges meet boxes: `├` on the provider's right border, `▶` into the consumer.
fn draw_attachments(app: &App, view: &View, buf: &mut Buffer) {
    let t = Theme::get();
    for e in &app.graph.edges {
        let (p, q) = (&app.graph.nodes[e.from.0], &app.graph.nodes[e.to.0]);
        let style = if e.ok { t.edge } else { t.edge_broken };
        view.put_str(
            buf,
            p.x + i32::from(p.w) - 1,
            p.port_row(e.from.1),
            "├",
            style,
        );
        view.put_str(buf, q.x, q.port_row(e.to.1), "┤", style);
    }
}

/// Arrows on the border where the canvas continues beyond the viewport.
fn scroll_marks(app: &App, view: &View, buf: &mut Buffer) {
    let t = Theme::get();
    let (vw, vh) = (i32::from(view.inner.width), i32::from(view.inner.height));
    let right = app.graph.width > view.ox + vw;
    let down = app.graph.height > view.oy + vh;
    let y_mid = view.inner.y + view.inner.height / 2;
    let x_mid = view.inner.x + view.inner.width / 2;
    if view.ox > 0 {
        buf[(view.inner.x.saturating_sub(1), y_mid)]
            .set_char('◀')
            .set_style(t.accent);
    }
    if right {
        buf[(view.inner.x + view.inner.width, y_mid)]
            .set_char('▶')
            .set_style(t.accent);
    }
    if view.oy > 0 {
        buf[(x_mid, view.inner.y.saturating_sub(1))]
            .set_char('▲')
            .set_style(t.accent);
    }
    if down {
        buf[(x_mid, view.inner.y + view.inner.height)]
            .set_char('▼')
            .set_style(t.accent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junctions() {
        assert_eq!(junction(LEFT | RIGHT), '─');
        assert_eq!(junction(UP | DOWN | LEFT | RIGHT), '┼');
        assert_eq!(junction(LEFT | DOWN), '┐');
        assert_eq!(junction(UP | RIGHT), '└');
    }

    #[test]
    fn path_goes_right_then_vertical_then_right() {
        let p: Vec<_> = edge_path((0, 0), 2, (4, 2)).collect();
        assert_eq!(
            p,
            vec![(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (3, 2), (4, 2)]
        );
        // A consumer left of the channel start: up, then back left.
        let p: Vec<_> = edge_path((5, 3), 0, (4, 1)).collect();
        assert_eq!(p, vec![(5, 3), (6, 3), (6, 2), (6, 1), (5, 1), (4, 1)]);
    }

    #[test]
    fn fitted_cuts_with_an_ellipsis() {
        let f = |s: &str, w| fitted(s.chars(), w).collect::<String>();
        assert_eq!(f("store", 5), "store");
        assert_eq!(f("store", 9), "store");
        assert_eq!(f("key-value", 5), "key-…");
        assert_eq!(f("ab", 1), "…");
        assert_eq!(f("ab", 0), "");
    }
}
