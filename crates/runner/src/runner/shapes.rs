//! The other shapes the kit knows for the request bodies the pages at hand
//! do not show (squeeze, roast, assemble), and the log read with the
//! session header the pages disagree on: when a target refuses the guess,
//! the runner sends these in turn, so that the documented checks behind it
//! are still evaluated. Each is built from the case's own body, naming the
//! same objects. Plain data in, data out.

use serde_json::{json, Map, Value};

use pizzastack_spec::ids::ObjectKind;

/// Another shape of `body` for a POST to `path`: its name, for the report,
/// and the body.
pub type Shape = (&'static str, Value);

/// The other shapes the kit knows for a body sent to `path`, in the order
/// they are tried; none for an endpoint whose body the pages show.
pub fn other_shapes(path: &str, body: &Value) -> Vec<Shape> {
    let Some(object) = body.as_object() else {
        return Vec::new();
    };
    match ObjectKind::of_endpoint(path) {
        Some(ObjectKind::Assembled) => toppings_as_objects(object).into_iter().collect(),
        Some(ObjectKind::Juice) => squeeze_shapes(object),
        Some(ObjectKind::Roasted) => roast_shapes(object),
        _ => Vec::new(),
    }
}

/// The session log read as the Authentication page asks for every
/// request, with `X-Session-ID` (the session the path names), when the
/// target refused it without: where the pages disagree, the documented
/// checks of the log are still made.
pub fn log_with_session_header(
    method: &str,
    path: &str,
    headers: &[(String, String)],
) -> Option<(&'static str, (String, String))> {
    let session = pizzastack_spec::ids::log_session(path.split('?').next()?)?;
    let has_header = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("x-session-id"));
    (method == "GET" && !has_header).then(|| {
        (
            "X-Session-ID, as the Authentication page asks",
            ("X-Session-ID".to_owned(), session.to_owned()),
        )
    })
}

/// The detail a refusal of the guessed body counts against, when the step
/// that sent it is setup (cites no rule): the guess is the kit's, never the
/// target's fault.
pub fn guess_detail(path: &str) -> Option<&'static str> {
    match ObjectKind::of_endpoint(path)? {
        ObjectKind::Assembled => Some("ASM-001/request-body"),
        ObjectKind::Juice => Some("SQZ-001/request-body"),
        ObjectKind::Roasted => Some("RST-001/request-body"),
        _ => None,
    }
}

/// Toppings named by strings, written as `{"name": ...}` objects.
fn toppings_as_objects(object: &Map<String, Value>) -> Option<Shape> {
    let toppings = object.get("toppings")?.as_array()?;
    if !toppings.iter().any(Value::is_string) {
        return None;
    }
    let mut other = object.clone();
    other.insert(
        "toppings".to_owned(),
        toppings
            .iter()
            .map(|t| match t {
                Value::String(name) => json!({ "name": name }),
                other => other.clone(),
            })
            .collect(),
    );
    Some(("toppings as {\"name\": ...} objects", Value::Object(other)))
}

/// `tomato_ids` as one `tomato_id`, or as simmer-like `ingredients`.
fn squeeze_shapes(object: &Map<String, Value>) -> Vec<Shape> {
    let Some(ids) = object.get("tomato_ids").and_then(Value::as_array) else {
        return Vec::new();
    };
    let rest = without(object, "tomato_ids");
    let mut shapes = Vec::new();
    if let [only] = ids.as_slice() {
        let mut single = rest.clone();
        single.insert("tomato_id".to_owned(), only.clone());
        shapes.push(("one tomato_id", Value::Object(single)));
    }
    let mut ingredients = rest;
    ingredients.insert(
        "ingredients".to_owned(),
        ids.iter()
            .map(|id| json!({"id": id, "name": "tomato", "amount": 1, "unit": "piece"}))
            .collect(),
    );
    shapes.push((
        "ingredients as simmer takes them",
        Value::Object(ingredients),
    ));
    shapes
}

/// Simmer-like `ingredients` as a list of `ingredient_ids`.
fn roast_shapes(object: &Map<String, Value>) -> Vec<Shape> {
    let Some(ingredients) = object.get("ingredients").and_then(Value::as_array) else {
        return Vec::new();
    };
    let ids: Vec<Value> = ingredients
        .iter()
        .filter_map(|i| i.get("id").cloned())
        .collect();
    if ids.len() != ingredients.len() {
        return Vec::new();
    }
    let mut other = without(object, "ingredients");
    other.insert("ingredient_ids".to_owned(), Value::Array(ids));
    vec![("ingredient_ids", Value::Object(other))]
}

fn without(object: &Map<String, Value>, field: &str) -> Map<String, Value> {
    let mut rest = object.clone();
    rest.remove(field);
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shape_names_the_same_objects() {
        let assemble = json!({"base_id": "bas_1", "sauce_id": "sce_1", "toppings": ["basil", {"name": "x", "id": "rst_1"}]});
        let shapes = other_shapes("/v1/pizza/assemble", &assemble);
        assert_eq!(
            shapes[0].1["toppings"],
            json!([{"name": "basil"}, {"name": "x", "id": "rst_1"}])
        );
        assert_eq!(shapes[0].1["base_id"], "bas_1");
        let squeeze = other_shapes(
            "/v1/tomato/squeeze",
            &json!({"tomato_ids": ["tom_1"], "strain": true}),
        );
        assert_eq!(squeeze[0].1, json!({"tomato_id": "tom_1", "strain": true}));
        assert_eq!(squeeze[1].1["ingredients"][0]["id"], "tom_1");
        let roast = other_shapes(
            "/v1/cook/roast",
            &json!({"ingredients": [{"id": "tom_1", "name": "t", "amount": 1, "unit": "g"}], "temperature": 220, "duration": "25m"}),
        );
        assert_eq!(
            roast[0].1,
            json!({"ingredient_ids": ["tom_1"], "temperature": 220, "duration": "25m"})
        );
        assert!(other_shapes("/v1/tomato/acquire", &json!({"variety": "x"})).is_empty());
        let (_, header) = log_with_session_header("GET", "/v1/session/abc/log", &[]).unwrap();
        assert_eq!(header, ("X-Session-ID".to_owned(), "abc".to_owned()));
        let sent = [("X-Session-ID".to_owned(), "abc".to_owned())];
        assert!(log_with_session_header("GET", "/v1/session/abc/log", &sent).is_none());
        assert!(log_with_session_header("POST", "/v1/tomato/acquire", &[]).is_none());
        assert!(other_shapes(
            "/v1/pizza/assemble",
            &json!({"base_id": "b", "toppings": [{"name": "x"}]})
        )
        .is_empty());
    }
}
