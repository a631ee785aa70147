//! The object endpoints: which answer the pages demand for a request, and
//! what the answer of a creation must say given the objects it was made of.

use serde_json::{json, Value};

use super::content::{analysis, assembled, baked, comparison, echo, sauce};
use super::whose::{own_kinds, Whose};
use super::{
    fingerprint, guessed_body, Expect, Findings, Refusal, SessionKey, Shadow, FOREIGN_ID_ERROR,
    MISSING_SESSION_ERROR,
};
use crate::case::{StatusPattern, ValueCheck};
use pizzastack_spec::ids::ObjectKind;

pub(super) fn judge(out: &mut Findings<'_, '_>, kind: ObjectKind, key: String) {
    let exchange = out.exchange;
    let guessed = guessed_body(kind);
    let Some(session) = exchange.session else {
        let (rule, status, error) = ("SESS-001", 400, MISSING_SESSION_ERROR);
        let exact_rule = exact(guessed, rule, "SESS-001/undocumented-bodies");
        out.refusal(&Refusal {
            rule,
            exact_rule,
            status,
            error,
        });
        return;
    };
    let skey: SessionKey = (key, session.to_owned());
    let shadow = out.oracle.sessions.entry(skey.clone()).or_default();
    shadow.named = true;
    shadow.mentioned = true;
    let (expired, accepted) = (shadow.expired && !shadow.reborn, shadow.accepted);
    let refs = referenced(kind, exchange.request);
    let whose: Vec<(String, Whose)> = refs
        .iter()
        .map(|id| (id.clone(), out.oracle.whose(id, &skey)))
        .collect();
    let success = exchange.status / 100 == 2;
    if expired {
        judge_expired(out, &whose);
        // The server may begin the ID anew (SESS-002) or keep it expired:
        // its log tells nothing now, until something succeeds in it.
        let shadow = out.oracle.sessions.entry(skey.clone()).or_default();
        shadow.touched = true;
        if success {
            (shadow.reborn, shadow.tainted) = (true, true);
            record(out, kind, &skey, &whose);
        }
        return;
    }
    let understood = understood(out, kind);
    if !understood {
        if guessed {
            judge_the_guess(out, kind, &whose);
        }
        if success {
            record(out, kind, &skey, &whose);
        }
        return;
    }
    if whose.iter().any(|(_, w)| *w == Whose::OtherKey) {
        out.oracle.taint(exchange);
        if success {
            record(out, kind, &skey, &whose);
        }
        return;
    }
    if whose.iter().any(|(_, w)| !matches!(w, Whose::Own(_))) {
        let (rule, status, error) = ("SESS-005", 400, FOREIGN_ID_ERROR);
        let exact_rule = exact(guessed, rule, "SESS-005/undocumented-bodies");
        out.refusal(&Refusal {
            rule,
            exact_rule,
            status,
            error,
        });
        if success {
            out.oracle.taint(exchange);
        }
        return;
    }
    let kinds = own_kinds(&whose);
    if kind == ObjectKind::Baked && judge_baking_a_non_pizza(out, &kinds) {
        return;
    }
    if demands_success(kind, exchange.request, &kinds) {
        let rule = success_rule(kind, &kinds, accepted, session);
        out.status(rule, &[StatusPattern::Class(2)]);
    }
    if success {
        record(out, kind, &skey, &whose);
    }
}

/// The rule a refusal answers to exactly: its detail for the bodies the
/// pages do not show, where a server may refuse for another reason first.
fn exact(guessed: bool, rule: &'static str, detail: &'static str) -> &'static str {
    if guessed {
        detail
    } else {
        rule
    }
}

/// BAK-002: a bake of anything but an assembled pizza is refused; whether
/// this one was.
fn judge_baking_a_non_pizza(out: &mut Findings<'_, '_>, kinds: &[ObjectKind]) -> bool {
    let Some(&wrong) = kinds.iter().find(|k| **k != ObjectKind::Assembled) else {
        return false;
    };
    let rule = if wrong == ObjectKind::Base {
        "BAK-002"
    } else {
        "BAK-002/any-non-pizza"
    };
    out.status(rule, &[StatusPattern::Code(400)]);
    if out.exchange.status / 100 == 2 {
        out.oracle.taint(out.exchange);
    }
    true
}

/// A body the pages do not show, which the server did not understand:
/// when it is the kit's own guess for objects the session owns, the guess
/// was to be taken (its detail).
fn judge_the_guess(out: &mut Findings<'_, '_>, kind: ObjectKind, whose: &[(String, Whose)]) {
    let exchange = out.exchange;
    let own = whose
        .iter()
        .all(|(_, w)| matches!(w, Whose::Own(_)))
        .then(|| own_kinds(whose));
    let promised = own.is_some_and(|kinds| demands_success(kind, exchange.request, &kinds));
    if promised && out.oracle.is_the_guess(exchange) {
        let detail = request_body_detail(kind);
        out.status(detail, &[StatusPattern::Class(2)]);
    }
}

/// The rule a creation's success answers to: the endpoint's (SIM-002 for
/// a raw tomato simmered) in a session already begun, else the beginning
/// of a session (SESS-002 for a UUID, SESS-003 for any other ID).
fn success_rule(
    kind: ObjectKind,
    kinds: &[ObjectKind],
    accepted: bool,
    session: &str,
) -> &'static str {
    if accepted {
        if kind == ObjectKind::Sauce && kinds.contains(&ObjectKind::Raw) {
            // SIM-002: accepted silently.
            "SIM-002"
        } else {
            endpoint_rule(kind)
        }
    } else if session_is_uuid(session) {
        "SESS-002"
    } else {
        "SESS-003"
    }
}

/// A request in a session that expired: naming an object from before is
/// refused (SESS-006: any 4xx; the mock's 400 and text are its detail).
fn judge_expired(out: &mut Findings<'_, '_>, whose: &[(String, Whose)]) {
    if whose.iter().any(|(_, w)| *w == Whose::Expired) {
        out.refusal(&Refusal {
            rule: "SESS-006",
            exact_rule: "SESS-006/expired-refusal",
            status: 400,
            error: FOREIGN_ID_ERROR,
        });
    } else if whose.iter().any(|(_, w)| *w == Whose::Foreign) {
        // Not in the session, whether or not the server began it anew.
        out.status("SESS-005", &[StatusPattern::Class(4)]);
    }
}

/// Whether the oracle knows the server reads this body as the docs (or a
/// shape it accepted before) say, so that its answer can be judged.
fn understood(out: &mut Findings<'_, '_>, kind: ObjectKind) -> bool {
    let exchange = out.exchange;
    let Some(body) = exchange.request else {
        return false;
    };
    if guessed_body(kind) {
        let shape = (exchange.path.to_owned(), fingerprint(body));
        if out.oracle.accepted_shapes.contains(&shape) {
            return true;
        }
        if exchange.status / 100 == 2 {
            out.oracle.accepted_shapes.insert(shape);
        }
        return false;
    }
    let spec = out.oracle.spec;
    spec.operation_for(exchange.method, exchange.path)
        .and_then(|op| op.request_schema.as_deref())
        .is_some_and(|file| spec.validate(file, body).is_ok())
}

/// The MOCK detail a guessed body's refusal counts against.
fn request_body_detail(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Juice => "SQZ-001/request-body",
        ObjectKind::Roasted => "RST-001/request-body",
        _ => "ASM-001/request-body",
    }
}

/// The rule of an endpoint's answer.
fn endpoint_rule(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Raw => "ACQ-001",
        ObjectKind::Sliced => "SLC-001",
        ObjectKind::Juice => "SQZ-001",
        ObjectKind::Sauce => "SIM-001",
        ObjectKind::Roasted => "RST-001",
        ObjectKind::Base => "BAS-001",
        ObjectKind::Assembled => "ASM-001",
        ObjectKind::Baked => "BAK-001",
        ObjectKind::Analysis => "TST-001",
        ObjectKind::Comparison => "CMP-001",
    }
}

fn session_is_uuid(session: &str) -> bool {
    uuid::Uuid::try_parse(session).is_ok()
}

/// Whether the pages promise a `200` for this (understood) request whose
/// IDs are all the session's own, of these kinds.
fn demands_success(kind: ObjectKind, body: Option<&Value>, kinds: &[ObjectKind]) -> bool {
    use ObjectKind::{Assembled, Base, Raw, Sauce, Sliced};
    let all = |allowed: &[ObjectKind]| kinds.iter().all(|k| allowed.contains(k));
    match kind {
        ObjectKind::Raw | ObjectKind::Base => true,
        ObjectKind::Sliced | ObjectKind::Juice => !kinds.is_empty() && all(&[Raw]),
        // Raw (SIM-002) and sliced (the Cooking Operations example)
        // ingredients, and a sauce simmered again (QLT-001's cases).
        ObjectKind::Sauce | ObjectKind::Roasted => all(&[Raw, Sliced, Sauce]),
        ObjectKind::Assembled => {
            let base = body.and_then(|b| b.get("base_id")).and_then(Value::as_str);
            let sauce = body.and_then(|b| b.get("sauce_id")).and_then(Value::as_str);
            base.is_some_and(|b| b.starts_with(Base.prefix()))
                && sauce.is_some_and(|s| s.starts_with(Sauce.prefix()))
        }
        ObjectKind::Baked => kinds == [Assembled],
        ObjectKind::Analysis => kinds.len() == 1,
        // One dish compared is a choice a server may refuse.
        ObjectKind::Comparison => kinds.len() >= 2,
    }
}

/// The object IDs a request body names, in the order it names them.
fn referenced(kind: ObjectKind, body: Option<&Value>) -> Vec<String> {
    let Some(body) = body else {
        return Vec::new();
    };
    let strings = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let ids_of = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|item| item.get("id").and_then(Value::as_str))
            .filter(|id| *id != "generic")
            .map(str::to_owned)
            .collect()
    };
    match kind {
        ObjectKind::Sliced | ObjectKind::Juice => strings(body.get("tomato_ids")),
        ObjectKind::Sauce | ObjectKind::Roasted => ids_of(body.get("ingredients")),
        ObjectKind::Assembled => {
            let mut ids = strings(body.get("base_id"));
            ids.extend(strings(body.get("sauce_id")));
            ids.extend(ids_of(body.get("toppings")));
            ids
        }
        ObjectKind::Baked => strings(body.get("pizza_id")),
        ObjectKind::Analysis => strings(body.get("dish_id")),
        ObjectKind::Comparison => strings(body.get("dish_ids")),
        ObjectKind::Raw | ObjectKind::Base => Vec::new(),
    }
}

impl super::Oracle {
    /// Whether the request body is the contract's guess (the mock's own
    /// request schema takes it).
    fn is_the_guess(&self, exchange: &super::Exchange<'_>) -> bool {
        let spec = self.spec;
        exchange.request.is_some_and(|body| {
            spec.operation_for(exchange.method, exchange.path)
                .and_then(|op| op.request_schema.as_deref())
                .is_some_and(|file| spec.validate(file, body).is_ok())
        })
    }

    fn whose(&self, id: &str, session: &SessionKey) -> Whose {
        if let Some(shadow) = self.objects.get(id) {
            if &shadow.session == session {
                return Whose::Own(shadow.kind);
            }
            if shadow.session.1 == session.1 {
                return Whose::OtherKey;
            }
        }
        if self.gone.get(id) == Some(session) {
            return Whose::Expired;
        }
        Whose::Foreign
    }
}

/// A successful creation: its ID, its schema, what its content must say,
/// and the object in the model.
fn record(
    out: &mut Findings<'_, '_>,
    kind: ObjectKind,
    skey: &SessionKey,
    whose: &[(String, Whose)],
) {
    let exchange = out.exchange;
    out.schema();
    let shadow = out.oracle.sessions.entry(skey.clone()).or_default();
    shadow.accepted = true;
    if matches!(kind, ObjectKind::Analysis | ObjectKind::Comparison) {
        shadow.other_operations = true;
        if kind == ObjectKind::Analysis {
            analysis(out);
        } else {
            comparison(out);
        }
        return;
    }
    let Some(id) = judge_new_id(out, kind) else {
        return;
    };
    let own = |k: ObjectKind| {
        whose
            .iter()
            .filter(move |(_, w)| *w == Whose::Own(k))
            .map(|(id, _)| id.as_str())
    };
    let mut shadow = Shadow {
        kind,
        session: skey.clone(),
        degraded: None,
        correct: false,
        logged: Vec::new(),
        base: None,
        sauce_degraded: None,
    };
    match kind {
        ObjectKind::Raw => echo(out, &["variety", "ripeness", "weight"], "ACQ-001"),
        ObjectKind::Sliced => shadow.correct = true,
        ObjectKind::Base => {
            echo(out, &["thickness", "size", "style"], "BAS-001");
            let hydration = exchange
                .request
                .and_then(|r| r.get("hydration"))
                .cloned()
                .unwrap_or(json!(0.6));
            out.body("BAS-001", "/hydration", ValueCheck::Equals(hydration));
            shadow.correct = true;
        }
        ObjectKind::Sauce => sauce(out, whose, &mut shadow),
        ObjectKind::Assembled => assembled(out, whose, &mut shadow),
        ObjectKind::Baked => {
            let pizza = own(ObjectKind::Assembled).next().map(str::to_owned);
            baked(out, pizza.as_deref());
        }
        _ => {}
    }
    if let Some(answer) = exchange.answer {
        for field in ["type", "sauce_quality", "assembly_quality"] {
            if let Some(v) = answer.get(field).filter(|v| v.is_string()) {
                shadow.logged.push((field, v.clone()));
            }
        }
    }
    let session = out.oracle.sessions.entry(skey.clone()).or_default();
    session.objects.push(id.to_owned());
    out.oracle.objects.insert(id.to_owned(), shadow);
}

/// ID-001 and ID-002 of a creation's answer: the new ID, when it has one
/// that no earlier answer gave.
fn judge_new_id(out: &mut Findings<'_, '_>, kind: ObjectKind) -> Option<String> {
    let exchange = out.exchange;
    out.body(
        "ID-001",
        "/id",
        ValueCheck::Prefix(kind.prefix().to_owned()),
    );
    let Some(id) = exchange
        .answer
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
    else {
        out.oracle.taint(exchange);
        return None;
    };
    let duplicate = !out.oracle.ids.insert(id.to_owned());
    if !duplicate {
        out.pass(
            "ID-002",
            Expect::Body {
                pointer: "/id".to_owned(),
                check: ValueCheck::Exists,
                bounds_from: Vec::new(),
            },
        );
    }
    if duplicate {
        out.body(
            "ID-002",
            "/id",
            ValueCheck::NotEquals(Value::String(id.to_owned())),
        );
        // The log cannot list two objects of one ID apart.
        out.oracle.taint(exchange);
        return None;
    }
    Some(id.to_owned())
}
