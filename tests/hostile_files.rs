//! scratch
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirebench::model::Component;
use wirebench::runtime::*;

fn big(funcs: usize, per: usize) -> Vec<u8> {
    use wasm_encoder::*;
    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    m.section(&types);
    let mut fs = FunctionSection::new();
    for _ in 0..funcs {
        fs.function(0);
    }
    m.section(&fs);
    let mut code = CodeSection::new();
    for i in 0..funcs {
        let mut f = Function::new([(1, ValType::I32)]);
        for j in 0..per {
            f.instruction(&Instruction::LocalGet(0));
            f.instruction(&Instruction::I32Const((i * j) as i32));
            f.instruction(&Instruction::I32Add);
            f.instruction(&Instruction::LocalSet(0));
        }
        f.instruction(&Instruction::End);
        code.function(&f);
    }
    m.section(&code);
    let mut c = wasm_encoder::Component::new();
    c.section(&ModuleSection(&m));
    c.finish()
}

#[test]
fn scratch_compile() {
    std::env::set_var("WIREBENCH_NO_CACHE", "1");
    for (f, p) in [(1000, 1000), (4000, 1000), (1, 1_000_000)] {
        let bytes = big(f, p);
        let n = bytes.len();
        let c = Component::from_bytes("x", bytes).unwrap();
        let t = Instant::now();
        let r = Session::load(Target::Component(Arc::new(c)), SessionOptions::default());
        eprintln!(
            "{f}x{p} ({n} bytes): {:?} in {:?}",
            r.as_ref().map(|_| ()).map_err(|e| e.to_string()),
            t.elapsed()
        );
    }
    let _ = Duration::ZERO;
}

#[test]
fn scratch_drop() {
    std::env::set_var("WIREBENCH_NO_CACHE", "1");
    let c = Component::from_bytes("x", big(4000, 1000)).unwrap();
    let w = Worker::spawn().unwrap();
    w.send(Command::Load {
        target: Target::Component(Arc::new(c)),
        options: SessionOptions::default(),
    });
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    drop(w);
    eprintln!("drop took {:?}", t.elapsed());
}
