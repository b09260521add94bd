//! The invoke editor and function picker: text fields, fuzzy filtering, checking a call.

use ratatui::widgets::Block;
use tui_textarea::TextArea;

use super::app::FunctionPicker;
use crate::runtime::FunctionEntry;

/// A one-line text field holding `text`, cursor at the end.
/// Feeds one key to a text field, except characters a terminal would act on (a control or a
/// bidi override typed, pasted or sent by a broken terminal): those never enter the text, so
/// the field, the history file and every later echo of the call stay inert.
pub fn edit(text: &mut TextArea<'static>, key: crossterm::event::KeyEvent) {
    if let crossterm::event::KeyCode::Char(c) = key.code {
        if !crate::util::sanitize::is_typeable(c) {
            return;
        }
    }
    text.input(key);
}

pub fn new_text_area(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.set_block(Block::default());
    t.set_cursor_line_style(ratatui::style::Style::default());
    t.move_cursor(tui_textarea::CursorMove::End);
    t
}

/// Recomputes the picker's matches from its filter text.
pub fn refilter(picker: &mut FunctionPicker, functions: &[FunctionEntry]) {
    let query = picker.filter.lines().join("").to_lowercase();
    let mut scored: Vec<(i64, usize)> = functions
        .iter()
        .enumerate()
        .filter(|(_, f)| picker.component.as_ref().is_none_or(|c| &f.component == c))
        .filter_map(|(i, f)| {
            // The function's own name counts most; the component and interface help narrow.
            let name = f.call_name.to_lowercase();
            let hay = format!("{}.{} {}", f.component, f.call_name, f.full_name).to_lowercase();
            let own = fuzzy_score(&name, &query)
                .map(|s| s + 100 + if name.contains(&query) { 100 } else { 0 });
            own.or_else(|| fuzzy_score(&hay, &query)).map(|s| (s, i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    picker.matches = scored.into_iter().map(|(_, i)| i).collect();
    picker.selected = picker.selected.min(picker.matches.len().saturating_sub(1));
}

/// Subsequence match: every query character in order; consecutive and early hits score more.
pub fn fuzzy_score(hay: &str, query: &str) -> Option<i64> {
    if query.is_empty() {
        return Some(0);
    }
    let mut score = 0i64;
    let mut last: Option<usize> = None;
    let mut chars = hay.char_indices();
    for q in query.chars() {
        let (pos, _) = chars.by_ref().find(|(_, c)| *c == q)?;
        score += match last {
            Some(l) if pos == l + 1 => 10,
            _ => 1,
        };
        score -= (pos / 8) as i64;
        last = Some(pos);
    }
    Some(score)
}

/// Finds the function a call names, accepting every alias the runtime accepts.
pub fn find_function<'a>(functions: &'a [FunctionEntry], name: &str) -> Vec<&'a FunctionEntry> {
    functions
        .iter()
        .filter(|f| {
            f.call_name == name
                || f.full_name == name
                || f.export_name == name
                || format!("{}.{}", f.component, f.call_name) == name
        })
        .collect()
}

/// Checks a call before it runs: the syntax, the function name and the arguments' types.
/// `Ok` carries the function's signature to show beside the editor.
pub fn check_call(functions: &[FunctionEntry], text: &str) -> Result<String, String> {
    crate::runtime::check_call(functions, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_prefers_consecutive_matches() {
        let a = fuzzy_score("kv-store.get", "get").unwrap();
        let b = fuzzy_score("kv-store.set-gadget", "get").unwrap();
        assert!(a > b);
        assert!(fuzzy_score("kv-store.get", "xyz").is_none());
    }

    #[test]
    fn text_fields_refuse_terminal_active_characters() {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let mut t = new_text_area("");
        for c in [
            'g', '\u{1b}', '\u{9b}', '\u{7}', 'e', '\u{202e}', '\u{2066}', 't', 'é',
        ] {
            edit(&mut t, KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        assert_eq!(t.lines(), ["geté"]);
    }
}
