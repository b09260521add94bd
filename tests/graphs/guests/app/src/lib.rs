//! `test:shapes/app`: parses `circle 1; rect 2 3; poly 0,0 4,0 4,3` and reports on the scene.

wit_bindgen::generate!({
    path: "../wit",
    world: "test:shapes/app-world@0.1.0",
});

use exports::test::shapes::app::Guest;
use test::shapes::geometry::{Point, Shape};
use test::shapes::scene::{self, Layer, SceneError};

struct App;

fn number(tok: &str) -> Result<f64, String> {
    tok.parse().map_err(|_| format!("`{tok}` is not a number"))
}

fn parse(input: &str) -> Result<Vec<Shape>, String> {
    let mut shapes = Vec::new();
    for part in input.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let shape = match words.as_slice() {
            ["circle", r] => Shape::Circle(number(r)?),
            ["rect", w, h] => Shape::Rect((number(w)?, number(h)?)),
            ["poly", pts @ ..] => Shape::Polygon(
                pts.iter()
                    .map(|p| {
                        let (x, y) = p.split_once(',').ok_or(format!("`{p}` is not `x,y`"))?;
                        Ok(Point { x: number(x)?, y: number(y)? })
                    })
                    .collect::<Result<_, String>>()?,
            ),
            ["empty"] => Shape::Empty,
            _ => return Err(format!("unknown shape `{part}`")),
        };
        shapes.push(shape);
    }
    Ok(shapes)
}

impl Guest for App {
    fn run(input: String) -> Result<String, String> {
        let shapes = parse(&input)?;
        let summary = scene::build("demo", &shapes).map_err(|e| match e {
            SceneError::EmptyName => "empty name".to_string(),
            SceneError::TooMany(n) => format!("too many shapes: {n}"),
        })?;
        let layer = Layer::new("overlay");
        for s in &shapes {
            layer.push(s);
        }
        let overlay = layer.summary();
        let centroid = match summary.centroid {
            Some(p) => format!("({:.1}, {:.1})", p.x, p.y),
            None => "none".into(),
        };
        Ok(format!(
            "{}: {} shapes, area {:.3}, centroid {}; {}: {} shapes, area {:.3}",
            summary.name,
            summary.shapes,
            summary.total_area,
            centroid,
            overlay.name,
            overlay.shapes,
            overlay.total_area
        ))
    }
}

export!(App);
