//! The `:` command line: parsing, running and Tab completion of commands.

use std::path::PathBuf;

use super::action::{Action, Effect};
use super::app::{App, RunMode};
use super::console::LineKind;
use super::invoke;
use super::keymap::COMMANDS;
use crate::workspace::Plug;

/// Every command word, for completion.
const WORDS: &[&str] = &[
    "call", "plug", "unplug", "save", "w", "export", "reload", "reset", "mode", "open", "replay",
    "relayout", "serve", "build", "init", "help", "q", "quit",
];

impl App {
    pub(super) fn on_command_line(&mut self, action: Action) -> Vec<Effect> {
        let Some(line) = self.command_line.as_mut() else {
            return Vec::new();
        };
        match action {
            Action::Back => self.command_line = None,
            Action::Select => {
                let text = line.lines().join(" ");
                self.command_line = None;
                return self.run_command(&text);
            }
            Action::Complete => {
                let text = line.lines().join(" ");
                let (completed, options) = self.complete(&text);
                if let Some(c) = completed {
                    self.command_line = Some(invoke::new_text_area(&c));
                }
                if options.len() > 1 {
                    self.hint = Some(options.join("  "));
                }
            }
            Action::Edit(key) => invoke::edit(line, key),
            _ => {}
        }
        Vec::new()
    }

    /// Runs one command as typed after `:` (a leading `:` is accepted too).
    pub fn run_command(&mut self, text: &str) -> Vec<Effect> {
        let text = text.trim().trim_start_matches(':').trim();
        let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim();
        let args: Vec<&str> = rest.split_whitespace().collect();
        match word {
            "" => Vec::new(),
            "q" | "quit" | "q!" | "wq" => {
                let mut effects = if word == "wq" {
                    self.save(None)
                } else {
                    Vec::new()
                };
                self.should_quit = true;
                effects.push(Effect::Quit);
                effects
            }
            "call" | "c" => self.call(rest),
            "plug" => match args.as_slice() {
                [consumer, import, provider] | [consumer, import, provider, _] => {
                    self.plug_by_names(consumer, import, provider, args.get(3).copied())
                }
                _ => self.usage("plug <consumer> <import> <provider> [export]"),
            },
            "unplug" => match args.as_slice() {
                [consumer, import] => match self.resolve_import(consumer, import) {
                    Ok(full) => self.apply_unplug(consumer, &full),
                    Err(e) => self.fail(&e),
                },
                _ => self.usage("unplug <consumer> <import>"),
            },
            "save" | "w" => self.save(args.first().map(PathBuf::from)),
            "export" => match args.as_slice() {
                [path] => vec![Effect::Export(
                    Box::new(self.workspace.clone()),
                    PathBuf::from(path),
                )],
                _ => self.usage("export <out.wasm>"),
            },
            "reload" => match &self.workspace.root {
                Some(root) => vec![Effect::ReloadFiles(vec![root.clone()])],
                None => vec![Effect::ReloadFiles(
                    self.workspace
                        .components
                        .values()
                        .filter_map(|c| c.path.clone())
                        .collect(),
                )],
            },
            "serve" => self.serve_command(&args),
            "build" => match args.as_slice() {
                [id] => vec![Effect::Rebuild(id.to_string())],
                _ => self.usage("build <component>"),
            },
            "init" => match (args.first(), &self.workspace.root) {
                (Some(dir), _) => vec![Effect::Init(PathBuf::from(dir))],
                (None, Some(root)) => vec![Effect::Init(root.clone())],
                (None, None) => self.usage("init <cargo workspace folder>"),
            },
            "reset" => vec![Effect::runtime(crate::runtime::Command::Reset)],
            "mode" => match args.as_slice() {
                ["linked"] => self.toggle_mode(Some(RunMode::Linked)),
                ["composed"] => self.toggle_mode(Some(RunMode::Composed)),
                [] => self.toggle_mode(None),
                _ => self.usage("mode linked|composed"),
            },
            "open" | "e" if !args.is_empty() => {
                vec![Effect::Open(args.iter().map(PathBuf::from).collect())]
            }
            "open" | "e" => self.usage("open <path>..."),
            "replay" => match args.as_slice() {
                ["on"] => self.set_replay(true),
                ["off"] => self.set_replay(false),
                _ => self.usage("replay on|off"),
            },
            "relayout" => {
                self.workspace.layout.clear();
                self.graph = Default::default();
                self.refresh();
                self.modified = true;
                Vec::new()
            }
            // A hidden trigger for the terminal-safety test: the panic hook must restore the tty.
            "debug-panic" if std::env::var_os("WIREBENCH_DEBUG").is_some_and(|v| v == "1") => {
                panic!("debug panic requested with :debug-panic")
            }
            "help" | "h" => {
                self.overlay = super::app::Overlay::Help;
                Vec::new()
            }
            other => self.fail(&format!(
                "unknown command `{other}` — try one of: {}",
                COMMANDS
                    .iter()
                    .map(|c| c.keys.split_whitespace().next().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
        }
    }

    fn set_replay(&mut self, on: bool) -> Vec<Effect> {
        self.run.replay = on;
        let state = if on {
            "on: successful calls are replayed after a reload"
        } else {
            "off"
        };
        self.log(LineKind::Info, &format!("replay {state}"));
        Vec::new()
    }

    fn usage(&mut self, usage: &str) -> Vec<Effect> {
        self.fail(&format!("usage: :{usage}"))
    }

    fn fail(&mut self, message: &str) -> Vec<Effect> {
        self.log(LineKind::Error, message);
        Vec::new()
    }

    /// Finds the consumer's import meant by `name`: the full name, without version, or short.
    fn resolve_import(&self, consumer: &str, name: &str) -> Result<String, String> {
        let c = self.workspace.components.get(consumer).ok_or_else(|| {
            format!(
                "no component `{consumer}` — the workspace has {}",
                self.ids()
            )
        })?;
        let names: Vec<&str> = c.imports.iter().map(|i| i.name()).collect();
        let matches: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| {
                *n == name
                    || crate::model::unversioned_interface_name(n) == name
                    || crate::model::short_interface_name(n) == name
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok(one.to_string()),
            [] => Err(format!(
                "`{consumer}` has no import `{name}` — its imports are {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            many => Err(format!(
                "`{name}` matches several imports of `{consumer}`: {}",
                many.join(", ")
            )),
        }
    }

    fn ids(&self) -> String {
        self.workspace
            .components
            .keys()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn plug_by_names(
        &mut self,
        consumer: &str,
        import: &str,
        provider: &str,
        export: Option<&str>,
    ) -> Vec<Effect> {
        let import = match self.resolve_import(consumer, import) {
            Ok(i) => i,
            Err(e) => return self.fail(&e),
        };
        if !self.workspace.components.contains_key(provider) {
            return self.fail(&format!(
                "no component `{provider}` — the workspace has {}",
                self.ids()
            ));
        }
        let export = match export {
            Some(e) => e.to_string(),
            None => match self
                .workspace
                .candidates(consumer, &import)
                .into_iter()
                .find(|c| c.provider == provider)
            {
                Some(c) if !c.compatible => {
                    let why = c.problem.unwrap_or_default();
                    return self.fail(&format!("cannot plug `{provider}` into `{consumer}`: {why}"));
                }
                Some(c) => c.export,
                None => {
                    return self.fail(&format!(
                        "`{provider}` exports nothing that matches `{import}` — check its exports in the inspector"
                    ))
                }
            },
        };
        self.apply_plug(Plug {
            consumer: consumer.to_string(),
            import,
            provider: provider.to_string(),
            export,
        })
    }

    /// Adds a plug after checking it, then re-instantiates.
    pub(super) fn apply_plug(&mut self, plug: Plug) -> Vec<Effect> {
        let text = format!(
            "plugged `{}` {} ← `{}`",
            plug.consumer, plug.import, plug.provider
        );
        match self.workspace.plug(plug) {
            Ok(_) => {
                self.modified = true;
                self.refresh();
                self.log(LineKind::Info, &text);
                self.load_runtime()
            }
            Err(e) => self.fail(&e.to_string()),
        }
    }

    /// Removes a plug, then re-instantiates.
    pub(super) fn apply_unplug(&mut self, consumer: &str, import: &str) -> Vec<Effect> {
        match self.workspace.unplug(consumer, import) {
            Some(p) => {
                self.modified = true;
                self.refresh();
                self.log(
                    LineKind::Info,
                    &format!(
                        "unplugged `{}` {} (was `{}`)",
                        p.consumer, p.import, p.provider
                    ),
                );
                self.load_runtime()
            }
            None => self.fail(&format!("`{consumer}` import `{import}` is not plugged")),
        }
    }

    /// Saves `wirebench.toml` and the `.wac` with the current graph positions.
    pub(super) fn save(&mut self, to: Option<PathBuf>) -> Vec<Effect> {
        self.workspace.layout = self.graph.positions();
        self.modified = false;
        vec![Effect::Save(Box::new(self.workspace.clone()), to)]
    }

    /// Completes the last word of a command line: command names, component ids, import names,
    /// function names. Returns the new text when something could be completed, and the options.
    pub fn complete(&self, text: &str) -> (Option<String>, Vec<String>) {
        let words: Vec<&str> = text.split(' ').collect();
        let last = words.last().copied().unwrap_or("");
        let head = &text[..text.len() - last.len()];
        let position = words.len() - 1;
        let ids = || {
            self.workspace
                .components
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        let options: Vec<String> = match (words.first().copied().unwrap_or(""), position) {
            (_, 0) => WORDS.iter().map(|w| w.to_string()).collect(),
            ("plug" | "unplug", 1) | ("plug", 3) => ids(),
            ("plug" | "unplug", 2) => self
                .workspace
                .components
                .get(words[1])
                .map(|c| {
                    c.imports
                        .iter()
                        .map(|i| i.name().to_string())
                        .filter(|n| !n.starts_with("wasi:"))
                        .collect()
                })
                .unwrap_or_default(),
            ("call" | "c", 1) => self
                .functions
                .iter()
                .flat_map(|f| {
                    [
                        f.call_name.clone(),
                        format!("{}.{}", f.component, f.call_name),
                    ]
                })
                .map(|n| format!("{n}("))
                .collect(),
            ("mode", 1) => vec!["linked".into(), "composed".into()],
            ("replay", 1) => vec!["on".into(), "off".into()],
            _ => Vec::new(),
        };
        let mut matching: Vec<String> = options
            .into_iter()
            .filter(|o| o.starts_with(last))
            .collect();
        matching.sort();
        matching.dedup();
        let prefix = common_prefix(&matching);
        let completed = match matching.len() {
            0 => None,
            1 => Some(format!(
                "{head}{}{}",
                matching[0],
                if matching[0].ends_with('(') { "" } else { " " }
            )),
            _ if prefix.len() > last.len() => Some(format!("{head}{prefix}")),
            _ => None,
        };
        (completed, matching)
    }
}

fn common_prefix(items: &[String]) -> String {
    let Some(first) = items.first() else {
        return String::new();
    };
    let mut len = first.len();
    for s in &items[1..] {
        len = len.min(
            first
                .bytes()
                .zip(s.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    first[..len].to_string()
}
