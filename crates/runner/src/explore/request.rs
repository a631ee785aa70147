//! The request each generated step sends, written as a case file writes
//! it: sessions, keys and IDs as `{{templates}}`, so that a saved case sends
//! what was sent, with fresh sessions; bodies valid by the documented
//! schemas, every documented value in turn; the guessed bodies in every
//! shape the kit knows until the target's is learned.

use std::sync::atomic::{AtomicU8, Ordering};

use serde_json::{json, Value};

use super::model::{Aim, BadKey, Foreign, Label, Model, SessionName, Step, Topping, Who};
use pizzastack_spec::ids::ObjectKind;

/// A request as a case file writes it.
#[derive(Debug, Clone)]
pub struct Templated {
    pub method: &'static str,
    pub path: String,
    /// Headers other than the defaults (`X-API-Key: {{api_key}}`,
    /// `X-Session-ID: {{session}}`); `None` leaves a default out.
    pub headers: Vec<(&'static str, Option<String>)>,
    pub body: Option<Value>,
}

/// Which guessed body shape a target took, per guessed endpoint, shared
/// by every worker of a run.
#[derive(Debug, Default)]
pub struct Learned {
    pub(super) shapes: [AtomicU8; 3],
}

pub(super) const UNKNOWN_SHAPE: u8 = u8::MAX;

impl Learned {
    pub fn new() -> Self {
        Self {
            shapes: [
                AtomicU8::new(UNKNOWN_SHAPE),
                AtomicU8::new(UNKNOWN_SHAPE),
                AtomicU8::new(UNKNOWN_SHAPE),
            ],
        }
    }

    pub(super) fn slot(kind: ObjectKind) -> Option<usize> {
        match kind {
            ObjectKind::Juice => Some(0),
            ObjectKind::Roasted => Some(1),
            ObjectKind::Assembled => Some(2),
            _ => None,
        }
    }
}

pub(super) fn shape_of(step: &Step) -> u8 {
    match step {
        Step::Squeeze { shape, .. } | Step::Roast { shape, .. } | Step::Assemble { shape, .. } => {
            *shape
        }
        _ => 0,
    }
}

/// How a case file spells a session's ID.
pub fn session_template(model: &Model, session: usize) -> String {
    match &model.sessions[session].name {
        SessionName::Fresh(0) => "{{session}}".to_owned(),
        SessionName::Fresh(1) => "{{other_session}}".to_owned(),
        SessionName::Fresh(n) => format!("{{{{uuid}}}}-{n}"),
        SessionName::Child { of, suffix } => {
            format!("{}-{suffix}", session_template(model, *of))
        }
    }
}

fn key_template(who: Who) -> &'static str {
    match who {
        Who::Main => "{{api_key}}",
        Who::Other => "{{other_api_key}}",
    }
}

fn id(label: Label) -> Value {
    Value::String(format!("{{{{o{label}}}}}"))
}

fn forged(kind: ObjectKind, number: u64) -> String {
    pizzastack_spec::ids::ObjectId::from_parts(kind, number).to_string()
}

fn foreign_id(foreign: &Foreign) -> Value {
    match foreign {
        Foreign::Object(l) => id(*l),
        Foreign::Extended(l) => Value::String(format!("{{{{o{l}}}}}0")),
        Foreign::Forged(kind, n) => Value::String(forged(*kind, *n)),
    }
}

const VARIETIES: [&str; 5] = ["San Marzano", "Roma", "Cherry", "Heirloom", "Beefsteak"];
const TOPPINGS: [&str; 6] = [
    "mozzarella",
    "basil",
    "oregano",
    "pepperoni",
    "mushrooms",
    "olives",
];

/// The request a step sends, and the guessed endpoint it aims at if any.
pub(super) fn request(
    model: &Model,
    step: &Step,
    learned: &Learned,
) -> Option<(Templated, Option<ObjectKind>)> {
    use ObjectKind as K;
    let writer = Writer { model };
    let templated = match step {
        Step::Log { session, header } => writer.log(*session, *header),
        Step::BadKey { session, aim, key } => writer.bad_key(*session, *aim, *key),
        Step::NoSession { aim } => no_session(*aim),
        Step::Expire => return None,
        _ => {
            let (kind, session, body) = tomato_creation(step).or_else(|| pizza_creation(step))?;
            writer.post(kind, session, body)
        }
    };
    let guessed = match step {
        Step::Squeeze { .. } => Some(K::Juice),
        Step::Roast { .. } => Some(K::Roasted),
        Step::Assemble { .. } => Some(K::Assembled),
        Step::Foreign { aim, .. } if crate::oracle::guessed_body(*aim) => Some(*aim),
        _ => None,
    };
    let mut templated = templated;
    if let Some((kind, body)) = guessed.zip(templated.body.take_if(|_| guessed.is_some())) {
        let mut shapes = vec![body.clone()];
        shapes.extend(
            crate::runner::shapes::other_shapes(kind.endpoint(), &body)
                .into_iter()
                .map(|(_, b)| b),
        );
        let slot = Learned::slot(kind).unwrap_or(0);
        let learned_shape = learned.shapes[slot].load(Ordering::Relaxed);
        let index = if learned_shape == UNKNOWN_SHAPE {
            usize::from(shape_of(step))
        } else {
            usize::from(learned_shape)
        };
        templated.body = Some(shapes.swap_remove(index % shapes.len()));
    }
    Some((templated, guessed.filter(|_| step.makes().is_some())))
}

/// Requests in the sessions of one workflow.
struct Writer<'m> {
    model: &'m Model,
}

impl Writer<'_> {
    fn session_of(&self, session: usize) -> String {
        session_template(self.model, session)
    }

    /// The headers of a request in `session`, with the other key for a
    /// session under it.
    fn in_session(&self, session: usize) -> Vec<(&'static str, Option<String>)> {
        let mut headers = vec![("X-Session-ID", Some(self.session_of(session)))];
        if self.model.sessions[session].who == Who::Other {
            headers.push(("X-API-Key", Some(key_template(Who::Other).to_owned())));
        }
        headers
    }

    fn post(&self, kind: ObjectKind, session: usize, body: Value) -> Templated {
        Templated {
            method: "POST",
            path: kind.endpoint().to_owned(),
            headers: self.in_session(session),
            body: Some(body),
        }
    }

    /// The session's log, with or without the session header.
    fn log(&self, session: usize, header: bool) -> Templated {
        let mut headers = self.in_session(session);
        if !header {
            headers.retain(|(n, _)| *n != "X-Session-ID");
            headers.push(("X-Session-ID", None));
        }
        Templated {
            method: "GET",
            path: format!("/v1/session/{}/log", self.session_of(session)),
            headers,
            body: None,
        }
    }

    /// A request with a key the target must refuse (AUTH-001).
    fn bad_key(&self, session: usize, aim: Aim, key: BadKey) -> Templated {
        let mut templated = match aim {
            Aim::Log => Templated {
                method: "GET",
                path: format!("/v1/session/{}/log", self.session_of(session)),
                headers: vec![("X-Session-ID", Some(self.session_of(session)))],
                body: None,
            },
            Aim::Create(kind) => {
                let forged = Value::String(forged(slot_kind(kind), 7));
                let mut t = self.post(kind, session, body_naming(kind, forged));
                t.headers.retain(|(n, _)| *n != "X-API-Key");
                t
            }
        };
        let value = match key {
            BadKey::Missing => None,
            BadKey::Appended => Some("{{api_key}}x".to_owned()),
            BadKey::Prepended => Some("x{{api_key}}".to_owned()),
            BadKey::Swapcase => Some("{{api_key_swapcase}}".to_owned()),
            BadKey::Chopped => Some("{{api_key_chopped}}".to_owned()),
            BadKey::Spaced => Some("{{api_key}} x".to_owned()),
        };
        templated.headers.push(("X-API-Key", value));
        templated
    }
}

/// A creation without the session header (SESS-001).
fn no_session(aim: ObjectKind) -> Templated {
    let forged = Value::String(forged(slot_kind(aim), 7));
    Templated {
        method: "POST",
        path: aim.endpoint().to_owned(),
        headers: vec![("X-Session-ID", None)],
        body: Some(body_naming(aim, forged)),
    }
}

/// What a tomato or cooking step makes, in which session, from which body.
fn tomato_creation(step: &Step) -> Option<(ObjectKind, usize, Value)> {
    use ObjectKind as K;
    let ingredient = |id: Value| json!({"id": id, "name": "tomato", "amount": 400, "unit": "g"});
    Some(match step {
        Step::Acquire {
            session,
            variety,
            ripeness,
            weight,
            ..
        } => (
            K::Raw,
            *session,
            json!({
                "variety": VARIETIES[usize::from(*variety) % VARIETIES.len()],
                "ripeness": f64::from(*ripeness) / 100.0,
                "weight": weight,
            }),
        ),
        Step::Slice {
            session, tomatoes, ..
        } => (
            K::Sliced,
            *session,
            slice_body(tomatoes.iter().map(|t| id(*t)).collect()),
        ),
        Step::Squeeze {
            session, tomatoes, ..
        } => (
            K::Juice,
            *session,
            json!({"tomato_ids": tomatoes.iter().map(|t| id(*t)).collect::<Vec<_>>()}),
        ),
        Step::Simmer {
            session,
            ingredients,
            garlic,
            temperature,
            duration,
            ..
        } => {
            let mut list: Vec<Value> = ingredients.iter().map(|i| ingredient(id(*i))).collect();
            if *garlic {
                list.push(
                    json!({"id": "generic", "name": "garlic", "amount": 3, "unit": "cloves"}),
                );
            }
            (
                K::Sauce,
                *session,
                json!({
                    "ingredients": list,
                    "temperature": temperature,
                    "duration": pick_of(&["30m", "1h", "45m"], *duration),
                }),
            )
        }
        Step::Roast {
            session,
            ingredients,
            ..
        } => (
            K::Roasted,
            *session,
            json!({
                "ingredients": ingredients.iter().map(|i| ingredient(id(*i))).collect::<Vec<_>>(),
                "temperature": 200,
                "duration": "20m",
            }),
        ),
        _ => return None,
    })
}

/// What a pizza, tasting or foreign-ID step makes, in which session, from
/// which body.
fn pizza_creation(step: &Step) -> Option<(ObjectKind, usize, Value)> {
    use ObjectKind as K;
    Some(match step {
        Step::Base {
            session,
            thickness,
            size,
            style,
            hydration,
            ..
        } => {
            let mut body = json!({
                "thickness": pick_of(&["thin", "medium", "thick"], *thickness),
                "size": pick_of(&["10inch", "12inch", "14inch", "18inch"], *size),
                "style": pick_of(&["neapolitan", "new_york", "chicago", "roman"], *style),
            });
            if let Some(h) = hydration {
                body["hydration"] = json!(f64::from(*h) / 100.0);
            }
            (K::Base, *session, body)
        }
        Step::Assemble {
            session,
            base,
            sauce,
            toppings,
            ..
        } => {
            let toppings: Vec<Value> = toppings
                .iter()
                .map(|t| match t {
                    Topping::Name(n) => json!(TOPPINGS[usize::from(*n) % TOPPINGS.len()]),
                    Topping::Object(l) => json!({"name": "roasted tomato", "id": id(*l)}),
                })
                .collect();
            (
                K::Assembled,
                *session,
                json!({"base_id": id(*base), "sauce_id": id(*sauce), "toppings": toppings}),
            )
        }
        Step::Bake { session, pizza, .. } => (K::Baked, *session, json!({"pizza_id": id(*pizza)})),
        Step::BakeWrong { session, what } => (K::Baked, *session, json!({"pizza_id": id(*what)})),
        Step::Analyze {
            session,
            dish,
            depth,
            aroma,
            texture,
        } => (
            K::Analysis,
            *session,
            json!({
                "dish_id": id(*dish),
                "depth": pick_of(&["basic", "comprehensive"], *depth),
                "include_aroma": aroma,
                "include_texture": texture,
            }),
        ),
        Step::Compare { session, dishes } => (
            K::Comparison,
            *session,
            json!({"dish_ids": dishes.iter().map(|d| id(*d)).collect::<Vec<_>>()}),
        ),
        Step::Foreign {
            session,
            aim,
            id: foreign,
        } => {
            let id = foreign_id(foreign);
            (*aim, *session, body_naming(*aim, id))
        }
        _ => return None,
    })
}

/// The kind of ID an endpoint's main slot takes.
fn slot_kind(aim: ObjectKind) -> ObjectKind {
    super::model::slot_kinds(aim)
        .first()
        .copied()
        .unwrap_or(ObjectKind::Raw)
}

/// The `n`-th of `values`, round.
fn pick_of(values: &[&'static str], n: u8) -> &'static str {
    values[usize::from(n) % values.len()]
}

fn slice_body(ids: Vec<Value>) -> Value {
    json!({"tomato_ids": ids, "method": "dice", "size": "medium", "consistency": "uniform"})
}

/// A valid body for `aim` whose ID slots all hold `id`.
fn body_naming(aim: ObjectKind, id: Value) -> Value {
    use ObjectKind as K;
    let ingredient = json!({"id": id, "name": "tomato", "amount": 400, "unit": "g"});
    match aim {
        K::Raw => json!({"variety": "Roma", "ripeness": 0.8, "weight": 150}),
        K::Base => json!({"thickness": "thin", "size": "10inch", "style": "roman"}),
        K::Sliced => slice_body(vec![id]),
        K::Juice => json!({"tomato_ids": [id]}),
        K::Sauce => json!({"ingredients": [ingredient], "temperature": 100, "duration": "30m"}),
        K::Roasted => json!({"ingredients": [ingredient], "temperature": 200, "duration": "20m"}),
        K::Assembled => {
            let base = Value::String(forged(K::Base, 11));
            json!({"base_id": base, "sauce_id": id, "toppings": ["basil"]})
        }
        K::Baked => json!({"pizza_id": id}),
        K::Analysis => json!({"dish_id": id}),
        K::Comparison => {
            let other = Value::String(forged(K::Raw, 13));
            json!({"dish_ids": [id, other]})
        }
    }
}
