//! `test:shapes/geometry`: areas of shapes and a `canvas` resource collecting them.

wit_bindgen::generate!({
    path: "../wit",
    world: "test:shapes/geometry-world@0.1.0",
});

use std::cell::RefCell;
use std::f64::consts::PI;

use exports::test::shapes::geometry::{Guest, GuestCanvas, Point, Shape, Unit};

struct Geometry;

/// Shapes placed on a named canvas.
pub struct Canvas {
    #[allow(dead_code)]
    name: String,
    items: RefCell<Vec<(Shape, Point)>>,
}

fn area_of(s: &Shape) -> f64 {
    match s {
        Shape::Circle(r) => PI * r * r,
        Shape::Rect((w, h)) => w * h,
        Shape::Polygon(pts) => {
            // Shoelace formula.
            let n = pts.len();
            let twice: f64 = (0..n)
                .map(|i| {
                    let (a, b) = (&pts[i], &pts[(i + 1) % n]);
                    a.x * b.y - b.x * a.y
                })
                .sum();
            twice.abs() / 2.0
        }
        Shape::Empty => 0.0,
    }
}

impl GuestCanvas for Canvas {
    fn new(name: String) -> Self {
        Canvas {
            name,
            items: RefCell::new(Vec::new()),
        }
    }

    fn add(&self, s: Shape, at: Point) -> u32 {
        let mut items = self.items.borrow_mut();
        items.push((s, at));
        items.len() as u32
    }

    fn total_area(&self) -> f64 {
        self.items.borrow().iter().map(|(s, _)| area_of(s)).sum()
    }

    fn count(&self) -> u32 {
        self.items.borrow().len() as u32
    }

    fn centroid(&self) -> Option<Point> {
        let items = self.items.borrow();
        if items.is_empty() {
            return None;
        }
        let n = items.len() as f64;
        Some(Point {
            x: items.iter().map(|(_, p)| p.x).sum::<f64>() / n,
            y: items.iter().map(|(_, p)| p.y).sum::<f64>() / n,
        })
    }
}

impl Guest for Geometry {
    type Canvas = Canvas;

    fn area(s: Shape) -> f64 {
        area_of(&s)
    }

    fn scale(p: Point, by: f64) -> Point {
        Point {
            x: p.x * by,
            y: p.y * by,
        }
    }

    fn convert(mm: f64, to: Unit) -> Result<f64, String> {
        if mm < 0.0 {
            return Err(format!("negative length {mm}"));
        }
        Ok(match to {
            Unit::Millimeters => mm,
            Unit::Inches => mm / 25.4,
        })
    }
}

export!(Geometry);
