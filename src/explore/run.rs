//! Runs one generated workflow against a target: each step becomes a
//! request written with the case files' `{{templates}}` (so that a saved
//! case sends exactly what was sent), is sent, and its answer is judged by
//! the oracle.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use serde_json::{json, Value};

use super::model::{Aim, BadKey, Foreign, Label, Model, SessionName, Step, Topping, Who};
use crate::case::template::{render, render_json, Vars};
use crate::ids::ObjectKind;
use crate::oracle::{Exchange, Finding, Oracle};
use crate::runner::outcome::{ReceivedResponse, SentRequest};
use crate::runner::{Expiry, SendError, Target};

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

/// One step as it ran.
#[derive(Debug, Clone)]
pub struct Exchanged {
    /// Its index in the workflow.
    pub step: usize,
    /// `None` for letting sessions expire.
    pub request: Option<Templated>,
    pub sent: Option<SentRequest>,
    pub response: Option<ReceivedResponse>,
    pub findings: Vec<Finding>,
    /// The label of the object it made, when it made one.
    pub made: Option<Label>,
}

/// Which guessed body shape a target took, per guessed endpoint, shared
/// by every worker of a run.
#[derive(Debug, Default)]
pub struct Learned {
    shapes: [AtomicU8; 3],
}

const UNKNOWN_SHAPE: u8 = u8::MAX;

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

    fn slot(kind: ObjectKind) -> Option<usize> {
        match kind {
            ObjectKind::Juice => Some(0),
            ObjectKind::Roasted => Some(1),
            ObjectKind::Assembled => Some(2),
            _ => None,
        }
    }
}

/// Everything one workflow run needs.
pub struct Runner<'a> {
    pub client: &'a reqwest::Client,
    pub target: &'a Target,
    pub learned: &'a Learned,
    pub steps_sent: &'a AtomicUsize,
}

/// What stops a workflow early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopAt {
    /// Stop at the first failure (MUST or SHOULD) of a rule not in the list.
    NewFailure,
    /// Stop at the first failure of this rule (shrinking).
    Rule(&'static str),
}

/// A workflow's run.
#[derive(Debug, Default)]
pub struct Ran {
    pub exchanges: Vec<Exchanged>,
    /// The failure it stopped at: the rule, and the exchange's index.
    pub failure: Option<(&'static str, usize)>,
    /// No answer came: why.
    pub transport: Option<String>,
    /// Sessions it named.
    pub sessions: usize,
}

/// How one run of a workflow goes: where it stops, and what it may do.
pub struct How<'a> {
    pub stop: StopAt,
    /// Rules already found, not stopped at again.
    pub known: &'a dyn Fn(&str) -> bool,
    /// Counts each step reached (for proptest-state-machine's shrinking).
    pub seen: Option<&'a AtomicUsize>,
    /// Whether sessions may be let expire now.
    pub expire: &'a dyn Fn() -> bool,
}

impl Runner<'_> {
    /// Runs `steps` from `model`'s sessions, judging each answer with
    /// `oracle`; stops as `how` says.
    pub async fn run(
        &self,
        oracle: &mut Oracle,
        model: &Model,
        steps: &[Step],
        how: &How<'_>,
    ) -> Ran {
        let How {
            stop,
            known,
            seen,
            expire,
        } = *how;
        let mut vars = self.vars();
        let mut ran = Ran {
            sessions: model.sessions.len(),
            ..Ran::default()
        };
        for (index, step) in steps.iter().enumerate() {
            if let Some(seen) = seen {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            if matches!(step, Step::Expire) {
                if !expire() || !self.expire().await {
                    continue;
                }
                oracle.sessions_expired();
                ran.exchanges.push(Exchanged {
                    step: index,
                    request: None,
                    sent: None,
                    response: None,
                    findings: Vec::new(),
                    made: None,
                });
                continue;
            }
            let Some((templated, guessed)) = request(model, step, self.learned) else {
                continue;
            };
            let Some(sent) = self.render(&templated, &vars) else {
                continue;
            };
            self.steps_sent.fetch_add(1, Ordering::Relaxed);
            let response = match crate::runner::exec::send(self.client, self.target, &sent).await {
                Ok(response) => response,
                Err(error) => {
                    ran.transport = Some(describe(&error));
                    return ran;
                }
            };
            let body = sent
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok());
            let session = sent
                .headers
                .iter()
                .find(|(n, _)| n == "X-Session-ID")
                .map(|(_, v)| v.as_str());
            let key = sent
                .headers
                .iter()
                .find(|(n, _)| n == "X-API-Key")
                .map(|(_, v)| v.as_str());
            let content_type = response
                .headers
                .iter()
                .find(|(n, _)| n == "content-type")
                .map(|(_, v)| v.as_str());
            let path = sent.path.split('?').next().unwrap_or_default();
            let findings = oracle.observe(&Exchange {
                method: &sent.method,
                path,
                api_key: key,
                session,
                request: body.as_ref(),
                status: response.status,
                content_type,
                answer: response.json.as_ref(),
            });
            let success = response.status / 100 == 2;
            if let (Some(kind), true) = (guessed, success) {
                let shape = shape_of(step);
                if let Some(slot) = Learned::slot(kind) {
                    let _ = self.learned.shapes[slot].compare_exchange(
                        UNKNOWN_SHAPE,
                        shape,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                }
            }
            let mut made = None;
            if let Some((label, _, _)) = step.makes() {
                let id = response
                    .json
                    .as_ref()
                    .and_then(|j| j.get("id"))
                    .and_then(Value::as_str);
                if let (true, Some(id)) = (success, id) {
                    vars.set(&format!("o{label}"), json!(id));
                    made = Some(label);
                }
            }
            let failed = findings.iter().find(|f| {
                !f.passed
                    && f.level >= crate::case::Level::Should
                    && match stop {
                        StopAt::NewFailure => !known(f.rule),
                        StopAt::Rule(rule) => f.rule == rule,
                    }
            });
            let failure = failed.map(|f| f.rule);
            ran.exchanges.push(Exchanged {
                step: index,
                request: Some(templated),
                sent: Some(sent),
                response: Some(response),
                findings,
                made,
            });
            if let Some(rule) = failure {
                ran.failure = Some((rule, ran.exchanges.len() - 1));
                return ran;
            }
        }
        ran
    }

    fn vars(&self) -> Vars {
        let mut vars = Vars::default();
        for (name, value) in &self.target.variables {
            vars.set(name, value.clone());
        }
        for name in ["session", "other_session", "uuid"] {
            vars.set(name, json!(uuid::Uuid::new_v4().to_string()));
        }
        vars.set("api_key", json!(self.target.api_key));
        for (name, value) in crate::case::key_variants(&self.target.api_key) {
            vars.set(name, json!(value));
        }
        if let Some(other) = &self.target.other_api_key {
            vars.set("other_api_key", json!(other));
        }
        vars
    }

    /// The request as it will be sent; `None` when it names something that
    /// does not exist (an object whose creation was refused, the second
    /// key where there is none) or would be a valid key after all.
    fn render(&self, templated: &Templated, vars: &Vars) -> Option<SentRequest> {
        let path = render(&templated.path, vars).ok()?;
        let mut headers = vec![
            ("X-API-Key".to_owned(), self.target.api_key.clone()),
            ("X-Session-ID".to_owned(), render("{{session}}", vars).ok()?),
        ];
        let body = match &templated.body {
            Some(b) => Some(render_json(b, vars).ok()?.to_string()),
            None => None,
        };
        if body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        for (name, value) in &templated.headers {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            if let Some(value) = value {
                let rendered = render(value, vars).ok()?;
                if *name == "X-API-Key" && value != "{{api_key}}" && value != "{{other_api_key}}" {
                    // A variant that is empty or a valid key after all tells nothing.
                    let valid = rendered == self.target.api_key
                        || self.target.other_api_key.as_deref() == Some(rendered.as_str());
                    if valid || rendered.trim().is_empty() {
                        return None;
                    }
                }
                headers.push(((*name).to_owned(), rendered));
            }
        }
        Some(SentRequest {
            method: templated.method.to_owned(),
            url: format!("{}{path}", self.target.base_url),
            path,
            headers,
            body,
        })
    }

    /// Lets every session expire; whether it could.
    async fn expire(&self) -> bool {
        match self.target.expiry {
            Expiry::AdminClock { ttl } => {
                let by = humantime::format_duration(ttl + std::time::Duration::from_secs(1));
                let url = format!("{}/__admin/clock/advance", self.target.base_url);
                self.client
                    .post(&url)
                    .timeout(self.target.timeout)
                    .header("Content-Type", "application/json")
                    .body(json!({ "by": by.to_string() }).to_string())
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
            Expiry::Wait { ttl } => {
                let margin = (ttl / 10).clamp(
                    std::time::Duration::from_millis(50),
                    std::time::Duration::from_secs(1),
                );
                tokio::time::sleep(ttl + margin).await;
                true
            }
            Expiry::Unavailable => false,
        }
    }
}

fn describe(error: &SendError) -> String {
    error.to_string()
}

fn shape_of(step: &Step) -> u8 {
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
    crate::ids::ObjectId::from_parts(kind, number).to_string()
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
fn request(
    model: &Model,
    step: &Step,
    learned: &Learned,
) -> Option<(Templated, Option<ObjectKind>)> {
    use ObjectKind as K;
    let session_of = |s: usize| session_template(model, s);
    let in_session = |s: usize| -> Vec<(&'static str, Option<String>)> {
        let mut headers = vec![("X-Session-ID", Some(session_of(s)))];
        if model.sessions[s].who == Who::Other {
            headers.push(("X-API-Key", Some(key_template(Who::Other).to_owned())));
        }
        headers
    };
    let post = |kind: ObjectKind, session: usize, body: Value| Templated {
        method: "POST",
        path: kind.endpoint().to_owned(),
        headers: in_session(session),
        body: Some(body),
    };
    let ingredient = |id: Value| json!({"id": id, "name": "tomato", "amount": 400, "unit": "g"});
    let templated = match step {
        Step::Acquire {
            session,
            variety,
            ripeness,
            weight,
            ..
        } => post(
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
        } => post(
            K::Sliced,
            *session,
            slice_body(tomatoes.iter().map(|t| id(*t)).collect()),
        ),
        Step::Squeeze {
            session, tomatoes, ..
        } => post(
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
            post(
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
        } => post(
            K::Roasted,
            *session,
            json!({
                "ingredients": ingredients.iter().map(|i| ingredient(id(*i))).collect::<Vec<_>>(),
                "temperature": 200,
                "duration": "20m",
            }),
        ),
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
            post(K::Base, *session, body)
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
            post(
                K::Assembled,
                *session,
                json!({"base_id": id(*base), "sauce_id": id(*sauce), "toppings": toppings}),
            )
        }
        Step::Bake { session, pizza, .. } => {
            post(K::Baked, *session, json!({"pizza_id": id(*pizza)}))
        }
        Step::BakeWrong { session, what } => {
            post(K::Baked, *session, json!({"pizza_id": id(*what)}))
        }
        Step::Analyze {
            session,
            dish,
            depth,
            aroma,
            texture,
        } => post(
            K::Analysis,
            *session,
            json!({
                "dish_id": id(*dish),
                "depth": pick_of(&["basic", "comprehensive"], *depth),
                "include_aroma": aroma,
                "include_texture": texture,
            }),
        ),
        Step::Compare { session, dishes } => post(
            K::Comparison,
            *session,
            json!({"dish_ids": dishes.iter().map(|d| id(*d)).collect::<Vec<_>>()}),
        ),
        Step::Log { session, header } => {
            let mut headers = in_session(*session);
            if !header {
                headers.retain(|(n, _)| *n != "X-Session-ID");
                headers.push(("X-Session-ID", None));
            }
            Templated {
                method: "GET",
                path: format!("/v1/session/{}/log", session_of(*session)),
                headers,
                body: None,
            }
        }
        Step::Foreign {
            session,
            aim,
            id: foreign,
        } => {
            let id = foreign_id(foreign);
            post(*aim, *session, body_naming(*aim, id))
        }
        Step::BadKey { session, aim, key } => {
            let mut templated = match aim {
                Aim::Log => Templated {
                    method: "GET",
                    path: format!("/v1/session/{}/log", session_of(*session)),
                    headers: vec![("X-Session-ID", Some(session_of(*session)))],
                    body: None,
                },
                Aim::Create(kind) => {
                    let forged = Value::String(forged(slot_kind(*kind), 7));
                    let mut t = post(*kind, *session, body_naming(*kind, forged));
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
        Step::NoSession { aim } => {
            let forged = Value::String(forged(slot_kind(*aim), 7));
            Templated {
                method: "POST",
                path: aim.endpoint().to_owned(),
                headers: vec![("X-Session-ID", None)],
                body: Some(body_naming(*aim, forged)),
            }
        }
        Step::Expire => return None,
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
