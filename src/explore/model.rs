//! What `explore` generates: workflows as proptest-state-machine
//! transitions over a reference model of what the generator asked for.
//!
//! The model knows only what the requests would make if the server does
//! as the docs say (which sessions exist, which objects of which kind
//! live in which session); the oracle judges what the server did. Objects
//! are named by labels fixed when a step is generated, so shrinking that
//! deletes a step can tell, by the preconditions, which later steps named
//! what it made.

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::strategy::Union;
use proptest_state_machine::ReferenceStateMachine;

use crate::ids::ObjectKind;

/// An object the generator asked for, named before it exists.
pub type Label = u32;

/// Which valid key a session is used with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// `--api-key`.
    Main,
    /// `--other-api-key`.
    Other,
}

/// How a session's ID is made, so that a case file can spell it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionName {
    /// A fresh UUID (`{{session}}`, `{{other_session}}`, `{{uuid}}-n`).
    Fresh(u8),
    /// Another session's ID with `-` and a digit after it: siblings differ
    /// in one character, and share their parent's whole ID as a prefix.
    Child {
        /// The parent session.
        of: usize,
        /// The digit.
        suffix: u8,
    },
}

/// A session of the workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSpec {
    pub who: Who,
    pub name: SessionName,
}

/// An object the model expects to exist.
#[derive(Debug, Clone)]
pub struct Made {
    pub label: Label,
    pub kind: ObjectKind,
    pub session: usize,
    /// Its session has not expired since it was made.
    pub alive: bool,
}

/// The reference model.
#[derive(Debug, Clone)]
pub struct Model {
    pub sessions: Vec<SessionSpec>,
    pub made: Vec<Made>,
    pub next: Label,
    pub expiries: u8,
}

/// A topping: a name, or an object of the session.
#[derive(Debug, Clone)]
pub enum Topping {
    Name(u8),
    Object(Label),
}

/// An ID that is not an object of the request's session.
#[derive(Debug, Clone)]
pub enum Foreign {
    /// An object of another session (or of this one, before it expired).
    Object(Label),
    /// A well-formed ID of this kind that names nothing.
    Forged(ObjectKind, u64),
    /// An object's ID with one more character: a known prefix, an unknown
    /// suffix.
    Extended(Label),
}

/// A key that is not a valid one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadKey {
    Missing,
    /// The valid key with a character after it.
    Appended,
    /// A character, then the valid key.
    Prepended,
    /// The valid key with its letters' case swapped.
    Swapcase,
    /// The valid key without its last character.
    Chopped,
    /// The valid key, a space, a character.
    Spaced,
}

/// An endpoint, for the steps that can aim at any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aim {
    Create(ObjectKind),
    Log,
}

/// One step of a workflow.
#[derive(Debug, Clone)]
pub enum Step {
    Acquire {
        label: Label,
        session: usize,
        variety: u8,
        ripeness: u8,
        weight: u16,
    },
    Slice {
        label: Label,
        session: usize,
        tomatoes: Vec<Label>,
    },
    Squeeze {
        label: Label,
        session: usize,
        tomatoes: Vec<Label>,
        shape: u8,
    },
    Simmer {
        label: Label,
        session: usize,
        ingredients: Vec<Label>,
        garlic: bool,
        temperature: u16,
        duration: u8,
    },
    Roast {
        label: Label,
        session: usize,
        ingredients: Vec<Label>,
        shape: u8,
    },
    Base {
        label: Label,
        session: usize,
        thickness: u8,
        size: u8,
        style: u8,
        hydration: Option<u8>,
    },
    Assemble {
        label: Label,
        session: usize,
        base: Label,
        sauce: Label,
        toppings: Vec<Topping>,
        shape: u8,
    },
    Bake {
        label: Label,
        session: usize,
        pizza: Label,
    },
    Analyze {
        session: usize,
        dish: Label,
        depth: u8,
        aroma: bool,
        texture: bool,
    },
    Compare {
        session: usize,
        dishes: Vec<Label>,
    },
    /// Read a session's log (with or without `X-Session-ID`).
    Log {
        session: usize,
        header: bool,
    },
    /// A request at `aim` that names an ID not of the session.
    Foreign {
        session: usize,
        aim: ObjectKind,
        id: Foreign,
    },
    /// A request with a key that is not valid.
    BadKey {
        session: usize,
        aim: Aim,
        key: BadKey,
    },
    /// A request without `X-Session-ID`.
    NoSession {
        aim: ObjectKind,
    },
    /// Bake something that is not an assembled pizza.
    BakeWrong {
        session: usize,
        what: Label,
    },
    /// Let every session expire.
    Expire,
}

impl Step {
    /// The object the step makes, if it makes one.
    pub fn makes(&self) -> Option<(Label, ObjectKind, usize)> {
        use ObjectKind as K;
        Some(match *self {
            Step::Acquire { label, session, .. } => (label, K::Raw, session),
            Step::Slice { label, session, .. } => (label, K::Sliced, session),
            Step::Squeeze { label, session, .. } => (label, K::Juice, session),
            Step::Simmer { label, session, .. } => (label, K::Sauce, session),
            Step::Roast { label, session, .. } => (label, K::Roasted, session),
            Step::Base { label, session, .. } => (label, K::Base, session),
            Step::Assemble { label, session, .. } => (label, K::Assembled, session),
            Step::Bake { label, session, .. } => (label, K::Baked, session),
            _ => return None,
        })
    }
}

impl Model {
    fn find(&self, label: Label) -> Option<&Made> {
        self.made.iter().find(|m| m.label == label)
    }

    /// Whether `label` is a live object of `session` of one of `kinds`.
    fn own(&self, label: Label, session: usize, kinds: &[ObjectKind]) -> bool {
        self.find(label)
            .is_some_and(|m| m.session == session && m.alive && kinds.contains(&m.kind))
    }

    fn live(&self, session: usize, kinds: &[ObjectKind]) -> Vec<Label> {
        self.made
            .iter()
            .filter(|m| m.session == session && m.alive && kinds.contains(&m.kind))
            .map(|m| m.label)
            .collect()
    }

    /// Sessions that hold a live object of one of `kinds`.
    fn holding(&self, kinds: &[ObjectKind]) -> Vec<usize> {
        let mut sessions: Vec<usize> = self
            .made
            .iter()
            .filter(|m| m.alive && kinds.contains(&m.kind))
            .map(|m| m.session)
            .collect();
        sessions.sort_unstable();
        sessions.dedup();
        sessions
    }
}

/// The generator, as proptest-state-machine's reference state machine.
pub struct Workflows;

const PIPELINE: [ObjectKind; 8] = [
    ObjectKind::Raw,
    ObjectKind::Sliced,
    ObjectKind::Juice,
    ObjectKind::Sauce,
    ObjectKind::Roasted,
    ObjectKind::Base,
    ObjectKind::Assembled,
    ObjectKind::Baked,
];

impl ReferenceStateMachine for Workflows {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        proptest::collection::vec((any::<u8>(), prop::bool::weighted(0.3), 1u8..4), 0..4)
            .prop_map(|extra| {
                let mut sessions = vec![SessionSpec {
                    who: Who::Main,
                    name: SessionName::Fresh(0),
                }];
                for (pick, other_key, suffix) in extra {
                    let n = sessions.len();
                    let name = if pick % 3 == 0 {
                        SessionName::Fresh(u8::try_from(n).unwrap_or(u8::MAX))
                    } else {
                        SessionName::Child {
                            of: usize::from(pick) % n,
                            suffix,
                        }
                    };
                    let who = if other_key { Who::Other } else { Who::Main };
                    sessions.push(SessionSpec { who, name });
                }
                Model {
                    sessions,
                    made: Vec::new(),
                    next: 0,
                    expiries: 0,
                }
            })
            .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        transitions(state)
    }

    fn apply(mut state: Model, step: &Step) -> Model {
        if let Some((label, kind, session)) = step.makes() {
            state.made.push(Made {
                label,
                kind,
                session,
                alive: true,
            });
            state.next = state.next.max(label + 1);
        }
        if matches!(step, Step::Expire) {
            state.made.iter_mut().for_each(|m| m.alive = false);
            state.expiries += 1;
        }
        state
    }

    fn preconditions(state: &Model, step: &Step) -> bool {
        use ObjectKind as K;
        let sessions = state.sessions.len();
        let fresh = |label: Label| state.find(label).is_none();
        match step {
            Step::Acquire { label, session, .. } | Step::Base { label, session, .. } => {
                *session < sessions && fresh(*label)
            }
            Step::Slice {
                label,
                session,
                tomatoes,
            }
            | Step::Squeeze {
                label,
                session,
                tomatoes,
                ..
            } => {
                fresh(*label)
                    && !tomatoes.is_empty()
                    && tomatoes.iter().all(|t| state.own(*t, *session, &[K::Raw]))
            }
            Step::Simmer {
                label,
                session,
                ingredients,
                ..
            }
            | Step::Roast {
                label,
                session,
                ingredients,
                ..
            } => {
                fresh(*label)
                    && !ingredients.is_empty()
                    && ingredients
                        .iter()
                        .all(|i| state.own(*i, *session, &[K::Raw, K::Sliced, K::Sauce]))
            }
            Step::Assemble {
                label,
                session,
                base,
                sauce,
                toppings,
                ..
            } => {
                fresh(*label)
                    && state.own(*base, *session, &[K::Base])
                    && state.own(*sauce, *session, &[K::Sauce])
                    && toppings.iter().all(|t| match t {
                        Topping::Name(_) => true,
                        Topping::Object(l) => state.own(*l, *session, &PIPELINE),
                    })
            }
            Step::Bake {
                label,
                session,
                pizza,
            } => fresh(*label) && state.own(*pizza, *session, &[K::Assembled]),
            Step::Analyze { session, dish, .. } => state.own(*dish, *session, &PIPELINE),
            Step::Compare { session, dishes } => {
                dishes.len() >= 2 && dishes.iter().all(|d| state.own(*d, *session, &PIPELINE))
            }
            Step::Log { session, .. } | Step::BadKey { session, .. } => *session < sessions,
            Step::NoSession { .. } => true,
            Step::BakeWrong { session, what } => {
                state.own(*what, *session, &PIPELINE)
                    && state.find(*what).is_some_and(|m| m.kind != K::Assembled)
            }
            Step::Foreign { session, aim, id } => {
                *session < sessions
                    && match id {
                        Foreign::Forged(..) => true,
                        Foreign::Object(l) | Foreign::Extended(l) => {
                            state.find(*l).is_some_and(|m| {
                                let fits = slot_kinds(*aim).contains(&m.kind);
                                let foreign = m.session != *session || !m.alive;
                                fits && (foreign || matches!(id, Foreign::Extended(_)))
                            })
                        }
                    }
            }
            Step::Expire => state.expiries == 0 && !state.made.is_empty(),
        }
    }
}

/// The kinds an endpoint's main ID slot takes, for a foreign ID that
/// should pass any body check but the lookup.
pub fn slot_kinds(aim: ObjectKind) -> &'static [ObjectKind] {
    use ObjectKind as K;
    match aim {
        K::Sliced | K::Juice => &[K::Raw],
        K::Sauce | K::Roasted => &[K::Raw, K::Sliced],
        K::Assembled => &[K::Sauce],
        K::Baked => &[K::Assembled],
        K::Analysis | K::Comparison => &PIPELINE,
        K::Raw | K::Base => &[],
    }
}

/// The next steps that make sense in `state`, weighted.
fn transitions(state: &Model) -> BoxedStrategy<Step> {
    use ObjectKind as K;
    let label = state.next;
    let n = state.sessions.len();
    let mut arms: Vec<(u32, BoxedStrategy<Step>)> = vec![
        (
            8,
            (0..n, any::<u8>(), 1u8..=100, 1u16..500)
                .prop_map(move |(session, variety, ripeness, weight)| Step::Acquire {
                    label,
                    session,
                    variety,
                    ripeness,
                    weight,
                })
                .boxed(),
        ),
        (
            4,
            (0..n, 0u8..3, 0u8..4, 0u8..4, prop::option::of(40u8..=80))
                .prop_map(
                    move |(session, thickness, size, style, hydration)| Step::Base {
                        label,
                        session,
                        thickness,
                        size,
                        style,
                        hydration,
                    },
                )
                .boxed(),
        ),
        (
            2,
            (0..n, any::<bool>())
                .prop_map(|(session, header)| Step::Log {
                    session,
                    header: header || session % 2 == 0,
                })
                .boxed(),
        ),
        (
            1,
            (0..n, aim(), bad_key())
                .prop_map(|(session, aim, key)| Step::BadKey { session, aim, key })
                .boxed(),
        ),
        (
            1,
            select(PIPELINE.to_vec())
                .prop_flat_map(|k| {
                    select(vec![k, K::Analysis, K::Comparison])
                        .prop_map(|aim| Step::NoSession { aim })
                })
                .boxed(),
        ),
    ];
    fn add(
        arms: &mut Vec<(u32, BoxedStrategy<Step>)>,
        weight: u32,
        strategy: Option<BoxedStrategy<Step>>,
    ) {
        if let Some(s) = strategy {
            arms.push((weight, s));
        }
    }
    add(
        &mut arms,
        6,
        pick(state, &[K::Raw], move |state, session, raw| {
            let tomatoes = state.live(session, &[K::Raw]);
            (
                subsequence(tomatoes.clone(), 1..=tomatoes.len().min(3)),
                Just(raw),
            )
                .prop_map(move |(tomatoes, _)| Step::Slice {
                    label,
                    session,
                    tomatoes,
                })
                .boxed()
        }),
    );
    add(
        &mut arms,
        2,
        pick(state, &[K::Raw], move |state, session, _| {
            let tomatoes = state.live(session, &[K::Raw]);
            (
                subsequence(tomatoes.clone(), 1..=tomatoes.len().min(2)),
                0u8..4,
            )
                .prop_map(move |(tomatoes, shape)| Step::Squeeze {
                    label,
                    session,
                    tomatoes,
                    shape,
                })
                .boxed()
        }),
    );
    add(
        &mut arms,
        6,
        pick(
            state,
            &[K::Raw, K::Sliced, K::Sauce],
            move |state, session, _| {
                // Mostly one kind at a time, so that correct sauces (sliced only)
                // and degraded ones (raw) are both common, then mixes.
                let mut pools: Vec<(u32, Vec<Label>)> = Vec::new();
                for (weight, kinds) in [
                    (3, &[K::Sliced][..]),
                    (2, &[K::Raw][..]),
                    (1, &[K::Sauce][..]),
                    (1, &[K::Raw, K::Sliced, K::Sauce][..]),
                ] {
                    let pool = state.live(session, kinds);
                    if !pool.is_empty() {
                        pools.push((weight, pool));
                    }
                }
                let inputs = Union::new_weighted(
                    pools
                        .into_iter()
                        .map(|(w, pool)| {
                            let most = pool.len().min(3);
                            (w, subsequence(pool, 1..=most).boxed())
                        })
                        .collect(),
                );
                (
                    inputs,
                    any::<bool>(),
                    prop_oneof![Just(100u16), 60u16..200],
                    0u8..3,
                )
                    .prop_map(
                        move |(ingredients, garlic, temperature, duration)| Step::Simmer {
                            label,
                            session,
                            ingredients,
                            garlic,
                            temperature,
                            duration,
                        },
                    )
                    .boxed()
            },
        ),
    );
    add(
        &mut arms,
        2,
        pick(
            state,
            &[K::Raw, K::Sliced, K::Sauce],
            move |state, session, _| {
                let inputs = state.live(session, &[K::Raw, K::Sliced, K::Sauce]);
                (subsequence(inputs.clone(), 1..=inputs.len().min(2)), 0u8..4)
                    .prop_map(move |(ingredients, shape)| Step::Roast {
                        label,
                        session,
                        ingredients,
                        shape,
                    })
                    .boxed()
            },
        ),
    );
    // Assemble needs a base and a sauce in one session.
    let both: Vec<usize> = (0..n)
        .filter(|s| {
            !state.live(*s, &[K::Base]).is_empty() && !state.live(*s, &[K::Sauce]).is_empty()
        })
        .collect();
    if !both.is_empty() {
        let sessions = both.clone();
        let model = state.clone();
        arms.push((
            7,
            select(sessions)
                .prop_flat_map(move |session| {
                    let bases = model.live(session, &[K::Base]);
                    let sauces = model.live(session, &[K::Sauce]);
                    let objects = model.live(session, &[K::Roasted, K::Sliced, K::Sauce]);
                    let topping = if objects.is_empty() {
                        (0u8..6).prop_map(Topping::Name).boxed()
                    } else {
                        prop_oneof![
                            3 => (0u8..6).prop_map(Topping::Name),
                            1 => select(objects).prop_map(Topping::Object),
                        ]
                        .boxed()
                    };
                    // Mostly the session's first base, so that pizzas
                    // correct and degraded share one (QLT-003's twins).
                    let first = bases[0];
                    (
                        prop_oneof![2 => Just(first), 1 => select(bases)],
                        select(sauces),
                        proptest::collection::vec(topping, 1..3),
                        0u8..4,
                    )
                        .prop_map(move |(base, sauce, toppings, shape)| {
                            Step::Assemble {
                                label,
                                session,
                                base,
                                sauce,
                                toppings,
                                shape,
                            }
                        })
                })
                .boxed(),
        ));
    }
    add(
        &mut arms,
        7,
        pick(state, &[K::Assembled], move |state, session, _| {
            select(state.live(session, &[K::Assembled]))
                .prop_map(move |pizza| Step::Bake {
                    label,
                    session,
                    pizza,
                })
                .boxed()
        }),
    );
    add(
        &mut arms,
        3,
        pick(state, &PIPELINE, move |state, session, _| {
            (
                select(state.live(session, &PIPELINE)),
                0u8..2,
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(move |(dish, depth, aroma, texture)| Step::Analyze {
                    session,
                    dish,
                    depth,
                    aroma,
                    texture,
                })
                .boxed()
        }),
    );
    let comparable: Vec<usize> = (0..n)
        .filter(|s| state.live(*s, &PIPELINE).len() >= 2)
        .collect();
    if !comparable.is_empty() {
        let model = state.clone();
        arms.push((
            2,
            select(comparable)
                .prop_flat_map(move |session| {
                    let dishes = model.live(session, &PIPELINE);
                    subsequence(dishes.clone(), 2..=dishes.len().min(6))
                        .prop_map(move |dishes| Step::Compare { session, dishes })
                })
                .boxed(),
        ));
    }
    add(
        &mut arms,
        1,
        pick(
            state,
            &[K::Raw, K::Sliced, K::Sauce, K::Base, K::Baked],
            move |state, session, _| {
                select(state.live(session, &[K::Raw, K::Sliced, K::Sauce, K::Base, K::Baked]))
                    .prop_map(move |what| Step::BakeWrong { session, what })
                    .boxed()
            },
        ),
    );
    arms.push((3, foreign(state)));
    // Expiry moves every session of the target (the admin clock is one),
    // so a workflow that lets sessions expire runs alone: about one
    // workflow in ten does.
    for (weight, _) in &mut arms {
        *weight *= 10;
    }
    if state.expiries == 0 && !state.made.is_empty() {
        arms.push((1, Just(Step::Expire).boxed()));
    }
    Union::new_weighted(arms).boxed()
}

/// A strategy over the sessions holding one of `kinds`, each turned into
/// steps by `then`; `None` when no session holds one.
fn pick(
    state: &Model,
    kinds: &[ObjectKind],
    then: impl Fn(&Model, usize, Label) -> BoxedStrategy<Step> + 'static,
) -> Option<BoxedStrategy<Step>> {
    let sessions = state.holding(kinds);
    if sessions.is_empty() {
        return None;
    }
    let model = state.clone();
    let kinds = kinds.to_vec();
    Some(
        select(sessions)
            .prop_flat_map(move |session| {
                let first = model.live(session, &kinds)[0];
                then(&model, session, first)
            })
            .boxed(),
    )
}

fn aim() -> impl Strategy<Value = Aim> {
    prop_oneof![
        select(ObjectKind::ALL.to_vec()).prop_map(Aim::Create),
        Just(Aim::Log),
    ]
}

fn bad_key() -> impl Strategy<Value = BadKey> {
    select(vec![
        BadKey::Missing,
        BadKey::Appended,
        BadKey::Prepended,
        BadKey::Swapcase,
        BadKey::Chopped,
        BadKey::Spaced,
    ])
}

/// A request naming an ID that is not the session's.
fn foreign(state: &Model) -> BoxedStrategy<Step> {
    use ObjectKind as K;
    let n = state.sessions.len();
    let aims = vec![
        K::Sliced,
        K::Juice,
        K::Sauce,
        K::Roasted,
        K::Assembled,
        K::Baked,
        K::Analysis,
        K::Comparison,
    ];
    let model = state.clone();
    (0..n, select(aims), any::<u64>(), 0u8..3)
        .prop_flat_map(move |(session, aim, number, how)| {
            let kinds = slot_kinds(aim);
            let others: Vec<Label> = model
                .made
                .iter()
                .filter(|m| kinds.contains(&m.kind) && (m.session != session || !m.alive))
                .map(|m| m.label)
                .collect();
            let any_of_kind: Vec<Label> = model
                .made
                .iter()
                .filter(|m| kinds.contains(&m.kind))
                .map(|m| m.label)
                .collect();
            let forged = select(kinds.to_vec())
                .prop_map(move |k| Foreign::Forged(k, number))
                .boxed();
            let id = match how {
                0 if !others.is_empty() => select(others).prop_map(Foreign::Object).boxed(),
                1 if !any_of_kind.is_empty() => {
                    select(any_of_kind).prop_map(Foreign::Extended).boxed()
                }
                _ => forged,
            };
            id.prop_map(move |id| Step::Foreign { session, aim, id })
        })
        .boxed()
}
