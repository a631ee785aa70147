//! The next steps of a workflow, drawn from the model: weighted so that
//! creations dominate (long sessions), correct and degraded sauces are both
//! common, pizzas share a base (QLT-003's twins), and adversarial steps and
//! expiry are mixed in.

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::strategy::Union;
use proptest_state_machine::ReferenceStateMachine;

use super::model::{
    slot_kinds, Aim, BadKey, Foreign, Label, Model, SessionName, SessionSpec, Step, Topping, Who,
    COOKABLE, PIPELINE,
};
use pizzastack_spec::ids::ObjectKind;

/// The generator, as proptest-state-machine's reference state machine:
/// workflows drawn here, kept to what the model allows.
pub struct Workflows;

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

    fn apply(state: Model, step: &Step) -> Model {
        state.after(step)
    }

    fn preconditions(state: &Model, step: &Step) -> bool {
        state.allows(step)
    }
}

/// The next steps that make sense in `state`, weighted.
fn transitions(state: &Model) -> BoxedStrategy<Step> {
    use ObjectKind as K;
    let mut arms = always(state);
    tomato_steps(state, &mut arms);
    cooking_steps(state, &mut arms);
    pizza_steps(state, &mut arms);
    tasting_steps(state, &mut arms);
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

/// The steps any state allows: acquire, a base, the log, a bad key, a
/// request with no session.
fn always(state: &Model) -> Vec<(u32, BoxedStrategy<Step>)> {
    use ObjectKind as K;
    let label = state.next;
    let n = state.sessions.len();
    vec![
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
    ]
}

/// Adds an arm of `weight`, when there is one.
fn add(
    arms: &mut Vec<(u32, BoxedStrategy<Step>)>,
    weight: u32,
    strategy: Option<BoxedStrategy<Step>>,
) {
    if let Some(s) = strategy {
        arms.push((weight, s));
    }
}

/// Slicing and squeezing the session's tomatoes.
fn tomato_steps(state: &Model, arms: &mut Vec<(u32, BoxedStrategy<Step>)>) {
    use ObjectKind as K;
    let label = state.next;
    add(
        arms,
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
        arms,
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
}

/// Simmering and roasting what the session can cook.
fn cooking_steps(state: &Model, arms: &mut Vec<(u32, BoxedStrategy<Step>)>) {
    use ObjectKind as K;
    let label = state.next;
    add(
        arms,
        6,
        pick(state, &COOKABLE, move |state, session, _| {
            // Mostly one kind at a time, so that correct sauces (sliced only)
            // and degraded ones (raw) are both common, then mixes.
            let mut pools: Vec<(u32, Vec<Label>)> = Vec::new();
            for (weight, kinds) in [
                (3, &[K::Sliced][..]),
                (2, &[K::Raw][..]),
                (1, &[K::Sauce][..]),
                (1, &COOKABLE[..]),
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
        }),
    );
    add(
        arms,
        2,
        pick(state, &COOKABLE, move |state, session, _| {
            let inputs = state.live(session, &COOKABLE);
            (subsequence(inputs.clone(), 1..=inputs.len().min(2)), 0u8..4)
                .prop_map(move |(ingredients, shape)| Step::Roast {
                    label,
                    session,
                    ingredients,
                    shape,
                })
                .boxed()
        }),
    );
}

/// Assembling a pizza from a base and a sauce of one session, and baking it.
fn pizza_steps(state: &Model, arms: &mut Vec<(u32, BoxedStrategy<Step>)>) {
    use ObjectKind as K;
    let label = state.next;
    let n = state.sessions.len();
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
        arms,
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
}

/// Analyzing a dish, and comparing two or more of one session.
fn tasting_steps(state: &Model, arms: &mut Vec<(u32, BoxedStrategy<Step>)>) {
    let n = state.sessions.len();
    add(
        arms,
        3,
        pick(state, PIPELINE, move |state, session, _| {
            (
                select(state.live(session, PIPELINE)),
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
        .filter(|s| state.live(*s, PIPELINE).len() >= 2)
        .collect();
    if !comparable.is_empty() {
        let model = state.clone();
        arms.push((
            2,
            select(comparable)
                .prop_flat_map(move |session| {
                    let dishes = model.live(session, PIPELINE);
                    subsequence(dishes.clone(), 2..=dishes.len().min(6))
                        .prop_map(move |dishes| Step::Compare { session, dishes })
                })
                .boxed(),
        ));
    }
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
