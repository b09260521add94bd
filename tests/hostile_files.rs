//! scratch
use std::time::Instant;
use wirebench::model::Component;

fn nested_lists(depth: usize) -> Vec<u8> {
    let mut s = String::from("(component\n (type $t0 (list u8))\n");
    for i in 1..depth {
        s.push_str(&format!(" (type $t{i} (list $t{}))\n", i - 1));
    }
    s.push_str(&format!(" (import \"f\" (func (param \"x\" $t{})))\n)", depth - 1));
    wat::parse_str(&s).unwrap()
}

#[test]
fn scratch_nested() {
    for depth in [10usize, 100, 1000, 10_000, 100_000] {
        let bytes = nested_lists(depth);
        let t = Instant::now();
        let r = Component::from_bytes("deep", bytes);
        eprintln!("depth {depth}: {:?} in {:?}", r.as_ref().map(|c| c.wit.len()).map_err(|e| e.to_string()), t.elapsed());
    }
}
