//! One TUI frame at 200 components and 400 plugs: graph layout, render into ratatui's
//! `TestBackend` (200×60), and both together (target < 5 ms), next to the cost of drawing a
//! screen-filling paragraph (the floor: ratatui's own buffer fill and diff per frame).
//!
//! The components are synthesized from WIT: ten layers of twenty, each importing two
//! interfaces from the layer before (every fourth from layer 2 on also one from two layers
//! back) plus one WASI interface, so auto-plug makes exactly 400 plugs.
//!
//! A counting allocator also reports heap allocations per frame (the render hot path should
//! not allocate per node or per cell).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::widgets::Paragraph;
use ratatui::Terminal;
use wirebench::model::synth::component_from_wit;
use wirebench::model::Component;
use wirebench::tui::action::Action;
use wirebench::tui::app::App;
use wirebench::tui::{layout, view};
use wirebench::workspace::Workspace;

const LAYERS: usize = 10;
const PER_LAYER: usize = 20;
const NODES: usize = LAYERS * PER_LAYER;
const SIZE: (u16, u16) = (200, 60);

/// The system allocator, counting allocations so the bench can report them per frame.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to `System` unchanged; the counter has no effect on memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations (and reallocations) `f` makes, averaged over `runs` runs.
fn allocations<R>(runs: u64, mut f: impl FnMut() -> R) -> u64 {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..runs {
        std::hint::black_box(f());
    }
    (ALLOCATIONS.load(Ordering::Relaxed) - before) / runs
}

const WASI: &str = "package wasi:cli@0.2.0;
interface stdout { get-stdout: func() -> u32; }";

/// Interfaces component `i` imports: two from the layer before, sometimes one more further back.
fn imports_of(i: usize) -> Vec<usize> {
    let (layer, slot) = (i / PER_LAYER, i % PER_LAYER);
    let mut out = Vec::new();
    if layer >= 1 {
        let prev = (layer - 1) * PER_LAYER;
        out.push(prev + slot);
        out.push(prev + (slot + 1) % PER_LAYER);
    }
    if layer >= 2 && slot % 4 == 0 {
        out.push((layer - 2) * PER_LAYER + (slot + 7) % PER_LAYER);
    }
    out
}

fn package_wit() -> String {
    let mut wit = String::from("package bench:graph@1.0.0;\n");
    for i in 0..NODES {
        wit.push_str(&format!(
            "interface service-{i} {{
               record item {{ id: u64, name: string }}
               get: func(key: string) -> option<item>;
               put: func(value: item) -> result<_, string>;
             }}
             world node-{i} {{ import wasi:cli/stdout@0.2.0; {imports} export service-{i}; }}\n",
            imports = imports_of(i)
                .iter()
                .map(|j| format!("import service-{j};"))
                .collect::<String>()
        ));
    }
    wit
}

fn workspace() -> Workspace {
    let wit = package_wit();
    let mut ws = Workspace::new();
    for i in 0..NODES {
        let world = format!("node-{i}");
        let bytes = component_from_wit(&wit, &[WASI], Some(&world)).expect("synthesizes");
        let name = format!("node-{i:03}");
        ws.insert_component(&name, Component::from_bytes(&name, bytes).expect("decodes"));
    }
    ws.auto_plug();
    assert_eq!(ws.plugs.len(), 400, "the synthesized graph has 400 plugs");
    ws
}

fn frame(c: &mut Criterion) {
    let ws = workspace();
    let mut app = App::new(ws.clone(), "bench".into());
    app.update(Action::Resize(SIZE.0, SIZE.1));
    let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("terminal");
    let filler = "wirebench ".repeat(usize::from(SIZE.0) * usize::from(SIZE.1) / 10);

    let fill = |f: &mut ratatui::Frame| {
        f.render_widget(
            Paragraph::new(filler.as_str()).wrap(ratatui::widgets::Wrap { trim: false }),
            f.area(),
        )
    };
    // Warm the terminal's double buffer first so the counts are per steady-state frame.
    term.draw(|f| view::render(&app, f)).expect("draws");
    eprintln!(
        "allocations per frame: floor paragraph {}, layout {}, render {}",
        allocations(20, || term.draw(fill).map(|f| f.area).expect("draws")),
        allocations(20, || layout::layout(
            &app.workspace,
            &app.report,
            &app.workspace.layout
        )),
        allocations(20, || term
            .draw(|f| view::render(&app, f))
            .map(|f| f.area)
            .expect("draws")),
    );

    let mut group = c.benchmark_group("tui 200 nodes");
    group.bench_function("draw a full-screen paragraph (floor)", |b| {
        b.iter(|| term.draw(fill).expect("draws").area)
    });
    group.bench_function("layout", |b| {
        b.iter(|| layout::layout(&app.workspace, &app.report, &app.workspace.layout))
    });
    group.bench_function("render", |b| {
        b.iter(|| term.draw(|f| view::render(&app, f)).expect("draws").area)
    });
    group.bench_function("layout + render (one frame after a change)", |b| {
        b.iter(|| {
            app.graph = layout::layout(&app.workspace, &app.report, &app.workspace.layout);
            term.draw(|f| view::render(&app, f)).expect("draws").area
        })
    });
    group.sample_size(10);
    group.bench_function("App::new (plug report + layout)", |b| {
        b.iter(|| App::new(ws.clone(), "bench".into()))
    });
    group.finish();
}

criterion_group!(benches, frame);
criterion_main!(benches);
