//! `test:shapes/scene`: summaries of scenes, built on an imported `geometry` canvas.

wit_bindgen::generate!({
    path: "../wit",
    world: "test:shapes/scene-world@0.1.0",
});

use exports::test::shapes::scene::{Guest, GuestLayer, SceneError, Shape, Summary};
use test::shapes::geometry::{self, Canvas, Point};

struct Scene;

/// A layer owns a canvas of the imported geometry component.
pub struct Layer {
    name: String,
    canvas: Canvas,
}

fn summarize(name: &str, canvas: &Canvas) -> Summary {
    Summary {
        name: name.to_string(),
        shapes: canvas.count(),
        total_area: canvas.total_area(),
        centroid: canvas.centroid(),
    }
}

impl GuestLayer for Layer {
    fn new(name: String) -> Self {
        Layer {
            canvas: Canvas::new(&name),
            name,
        }
    }

    fn push(&self, s: Shape) -> u32 {
        let at = Point {
            x: self.canvas.count() as f64,
            y: 1.0,
        };
        self.canvas.add(&s, at)
    }

    fn summary(&self) -> Summary {
        summarize(&self.name, &self.canvas)
    }
}

impl Guest for Scene {
    type Layer = Layer;

    fn build(name: String, shapes: Vec<Shape>) -> Result<Summary, SceneError> {
        if name.is_empty() {
            return Err(SceneError::EmptyName);
        }
        if shapes.len() > 100 {
            return Err(SceneError::TooMany(shapes.len() as u32));
        }
        let canvas = Canvas::new(&name);
        for (i, s) in shapes.iter().enumerate() {
            let at = geometry::scale(Point { x: i as f64, y: 0.0 }, 2.0);
            canvas.add(s, at);
        }
        Ok(summarize(&name, &canvas))
    }
}

export!(Scene);
