//! `neon:type-zoo`: every WIT type kind, mostly echoed back unchanged.

wit_bindgen::generate!({
    path: "../../wit/type-zoo",
    world: "neon:type-zoo/type-zoo@0.1.0",
});

use std::cell::Cell;

use exports::neon::type_zoo::zoo::{
    Color, Counter, CounterBorrow, Everything, Guest as ZooGuest, GuestCounter, MathError, Meters, Path,
    Permissions, Point, Shape,
};

struct Zoo;

/// The `counter` resource: interior mutability because methods take `&self`.
pub struct ZooCounter {
    value: Cell<i64>,
}

impl GuestCounter for ZooCounter {
    fn new(start: i64) -> Self {
        ZooCounter { value: Cell::new(start) }
    }

    fn increment(&self, by: i64) -> i64 {
        let next = self.value.get().wrapping_add(by);
        self.value.set(next);
        next
    }

    fn value(&self) -> i64 {
        self.value.get()
    }

    fn merge(a: CounterBorrow<'_>, b: CounterBorrow<'_>) -> Counter {
        let sum = a.get::<ZooCounter>().value().wrapping_add(b.get::<ZooCounter>().value());
        Counter::new(ZooCounter::new(sum))
    }
}

impl ZooGuest for Zoo {
    type Counter = ZooCounter;

    fn echo_bool(v: bool) -> bool {
        v
    }
    fn echo_s8(v: i8) -> i8 {
        v
    }
    fn echo_s16(v: i16) -> i16 {
        v
    }
    fn echo_s32(v: i32) -> i32 {
        v
    }
    fn echo_s64(v: i64) -> i64 {
        v
    }
    fn echo_u8(v: u8) -> u8 {
        v
    }
    fn echo_u16(v: u16) -> u16 {
        v
    }
    fn echo_u32(v: u32) -> u32 {
        v
    }
    fn echo_u64(v: u64) -> u64 {
        v
    }
    fn echo_f32(v: f32) -> f32 {
        v
    }
    fn echo_f64(v: f64) -> f64 {
        v
    }
    fn echo_char(v: char) -> char {
        v
    }
    fn echo_string(v: String) -> String {
        v
    }
    fn echo_list(v: Vec<u32>) -> Vec<u32> {
        v
    }
    fn echo_bytes(v: Vec<u8>) -> Vec<u8> {
        v
    }
    fn echo_nested_list(v: Vec<Vec<String>>) -> Vec<Vec<String>> {
        v
    }
    fn echo_tuple(v: (u8, String, bool)) -> (u8, String, bool) {
        v
    }
    fn echo_record(r: Point) -> Point {
        r
    }
    fn echo_variant(s: Shape) -> Shape {
        s
    }
    fn echo_enum(c: Color) -> Color {
        c
    }
    fn echo_flags(p: Permissions) -> Permissions {
        p
    }
    fn echo_option(v: Option<String>) -> Option<String> {
        v
    }
    fn echo_option_option(v: Option<Option<u8>>) -> Option<Option<u8>> {
        v
    }
    fn echo_result(v: Result<String, String>) -> Result<String, String> {
        v
    }
    fn echo_alias(m: Meters) -> Meters {
        m
    }
    fn echo_path(p: Path) -> Path {
        p
    }
    fn echo_nested(v: Vec<Option<Point>>) -> Vec<Option<Point>> {
        v
    }
    fn echo_everything(e: Everything) -> Everything {
        e
    }
    fn echo_math_error(e: MathError) -> MathError {
        e
    }

    fn add(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }

    fn area(s: Shape) -> f64 {
        match s {
            Shape::Circle(r) => std::f64::consts::PI * r * r,
            Shape::Rectangle((w, h)) => w * h,
            // Shoelace formula; fewer than 3 points enclose nothing.
            Shape::Polygon(points) if points.len() >= 3 => {
                let n = points.len();
                let twice: f64 = (0..n)
                    .map(|i| {
                        let (p, q) = (points[i], points[(i + 1) % n]);
                        f64::from(p.x) * f64::from(q.y) - f64::from(q.x) * f64::from(p.y)
                    })
                    .sum();
                twice.abs() / 2.0
            }
            Shape::Polygon(_) | Shape::Dot | Shape::Empty => 0.0,
        }
    }

    fn describe_permissions(p: Permissions) -> String {
        let bit = |flag: Permissions, c: char| if p.contains(flag) { c } else { '-' };
        [
            bit(Permissions::READ, 'r'),
            bit(Permissions::WRITE, 'w'),
            bit(Permissions::EXECUTE, 'x'),
        ]
        .iter()
        .collect()
    }

    fn noop() {}

    fn check_even(n: i32) -> Result<(), ()> {
        if n % 2 == 0 {
            Ok(())
        } else {
            Err(())
        }
    }

    fn parse_number(s: String) -> Result<i64, ()> {
        s.trim().parse().map_err(|_| ())
    }

    fn validate_name(name: String) -> Result<(), String> {
        let mut chars = name.chars();
        match chars.next() {
            None => Err("name is empty".to_string()),
            Some(c) if !c.is_ascii_alphabetic() => {
                Err(format!("name must start with a letter, not `{c}`"))
            }
            _ => match chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
                Some(c) => Err(format!("name contains `{c}`; use letters, digits, `-` or `_`")),
                None => Ok(()),
            },
        }
    }

    fn checked_divide(a: i32, b: i32) -> Result<i32, MathError> {
        if b == 0 {
            return Err(MathError::DivisionByZero);
        }
        a.checked_div(b).ok_or_else(|| MathError::Overflow("divide".to_string()))
    }

    fn peek(c: CounterBorrow<'_>) -> i64 {
        c.get::<ZooCounter>().value()
    }

    fn consume(c: Counter) -> i64 {
        c.into_inner::<ZooCounter>().value()
    }

    fn make_counters(n: u32) -> Vec<Counter> {
        (0..n).map(|i| Counter::new(ZooCounter::new(i64::from(i)))).collect()
    }
}

/// The world-level export, outside any interface.
impl Guest for Zoo {
    fn version() -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }
}

export!(Zoo);
