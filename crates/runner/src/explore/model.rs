//! What `explore` generates: workflows as proptest-state-machine
//! transitions over a reference model of what the generator asked for.
//!
//! The model knows only what the requests would make if the server does
//! as the docs say (which sessions exist, which objects of which kind
//! live in which session); the oracle judges what the server did. Objects
//! are named by labels fixed when a step is generated, so shrinking that
//! deletes a step can tell, by the preconditions, which later steps named
//! what it made.

use pizzastack_spec::ids::ObjectKind;

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

impl Step {
    /// The objects named in the step's lists (ingredients, tomatoes,
    /// toppings, dishes): those it can do without while one is left.
    pub fn listed(&self) -> Vec<Label> {
        match self {
            Step::Slice { tomatoes: l, .. }
            | Step::Squeeze { tomatoes: l, .. }
            | Step::Simmer { ingredients: l, .. }
            | Step::Roast { ingredients: l, .. }
            | Step::Compare { dishes: l, .. } => l.clone(),
            Step::Assemble { toppings, .. } => toppings
                .iter()
                .filter_map(|t| match t {
                    Topping::Object(l) => Some(*l),
                    Topping::Name(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The step with only the listed objects `keep` says yes to.
    pub fn keeping(&self, keep: impl Fn(Label) -> bool) -> Step {
        let mut step = self.clone();
        match &mut step {
            Step::Slice { tomatoes: l, .. }
            | Step::Squeeze { tomatoes: l, .. }
            | Step::Simmer { ingredients: l, .. }
            | Step::Roast { ingredients: l, .. }
            | Step::Compare { dishes: l, .. } => l.retain(|x| keep(*x)),
            Step::Assemble { toppings, .. } => toppings.retain(|t| match t {
                Topping::Object(l) => keep(*l),
                Topping::Name(_) => true,
            }),
            _ => {}
        }
        step
    }
}

impl Model {
    /// The model after `step`.
    pub fn after(mut self, step: &Step) -> Model {
        if let Some((label, kind, session)) = step.makes() {
            self.made.push(Made {
                label,
                kind,
                session,
                alive: true,
            });
            self.next = self.next.max(label + 1);
        }
        if matches!(step, Step::Expire) {
            self.made.iter_mut().for_each(|m| m.alive = false);
            self.expiries += 1;
        }
        self
    }

    /// Whether `step` makes sense in this state (proptest-state-machine's
    /// preconditions).
    pub fn allows(&self, step: &Step) -> bool {
        use ObjectKind as K;
        let sessions = self.sessions.len();
        let fresh = |label: Label| self.find(label).is_none();
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
                    && tomatoes.iter().all(|t| self.own(*t, *session, &[K::Raw]))
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
                        .all(|i| self.own(*i, *session, &COOKABLE))
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
                    && self.own(*base, *session, &[K::Base])
                    && self.own(*sauce, *session, &[K::Sauce])
                    && toppings.iter().all(|t| match t {
                        Topping::Name(_) => true,
                        Topping::Object(l) => self.own(*l, *session, PIPELINE),
                    })
            }
            Step::Bake {
                label,
                session,
                pizza,
            } => fresh(*label) && self.own(*pizza, *session, &[K::Assembled]),
            Step::Analyze { session, dish, .. } => self.own(*dish, *session, PIPELINE),
            Step::Compare { session, dishes } => {
                dishes.len() >= 2 && dishes.iter().all(|d| self.own(*d, *session, PIPELINE))
            }
            Step::Log { session, .. } | Step::BadKey { session, .. } => *session < sessions,
            Step::NoSession { .. } => true,
            Step::BakeWrong { session, what } => {
                self.own(*what, *session, PIPELINE)
                    && self.find(*what).is_some_and(|m| m.kind != K::Assembled)
            }
            Step::Foreign { session, aim, id } => {
                *session < sessions && self.allows_foreign(*session, *aim, id)
            }
            Step::Expire => self.expiries == 0 && !self.made.is_empty(),
        }
    }

    /// `steps` made a workflow again after some were left out: a step whose
    /// lists name an object no step made any more loses it from them, and a
    /// step that the model's preconditions still refuse is left out too.
    pub fn repair(&self, steps: Vec<Step>) -> Vec<Step> {
        let mut state = self.clone();
        let mut kept = Vec::with_capacity(steps.len());
        for step in steps {
            let step = if state.allows(&step) {
                step
            } else {
                let narrowed = step.keeping(|l| state.find(l).is_some());
                if !state.allows(&narrowed) {
                    continue;
                }
                narrowed
            };
            state = state.after(&step);
            kept.push(step);
        }
        kept
    }

    /// Whether a foreign ID for `aim` in `session` names what it should: a
    /// forged one always; an object that fits the slot, of another session
    /// or expired (or any, extended).
    fn allows_foreign(&self, session: usize, aim: ObjectKind, id: &Foreign) -> bool {
        match id {
            Foreign::Forged(..) => true,
            Foreign::Object(l) | Foreign::Extended(l) => self.find(*l).is_some_and(|m| {
                let fits = slot_kinds(aim).contains(&m.kind);
                let foreign = m.session != session || !m.alive;
                fits && (foreign || matches!(id, Foreign::Extended(_)))
            }),
        }
    }

    fn find(&self, label: Label) -> Option<&Made> {
        self.made.iter().find(|m| m.label == label)
    }

    /// Whether `label` is a live object of `session` of one of `kinds`.
    fn own(&self, label: Label, session: usize, kinds: &[ObjectKind]) -> bool {
        self.find(label)
            .is_some_and(|m| m.session == session && m.alive && kinds.contains(&m.kind))
    }

    pub(super) fn live(&self, session: usize, kinds: &[ObjectKind]) -> Vec<Label> {
        self.made
            .iter()
            .filter(|m| m.session == session && m.alive && kinds.contains(&m.kind))
            .map(|m| m.label)
            .collect()
    }

    /// Sessions that hold a live object of one of `kinds`.
    pub(super) fn holding(&self, kinds: &[ObjectKind]) -> Vec<usize> {
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

/// Every kind the pipeline makes: all kinds but the two tasting results.
pub(super) const PIPELINE: &[ObjectKind] = ObjectKind::ALL.split_at(8).0;
const _: () = assert!(matches!(PIPELINE.last(), Some(ObjectKind::Baked)));

/// What a simmer or a roast takes as an ingredient.
pub(super) const COOKABLE: [ObjectKind; 3] =
    [ObjectKind::Raw, ObjectKind::Sliced, ObjectKind::Sauce];

/// The kinds an endpoint's main ID slot takes, for a foreign ID that
/// should pass any body check but the lookup.
pub fn slot_kinds(aim: ObjectKind) -> &'static [ObjectKind] {
    use ObjectKind as K;
    match aim {
        K::Sliced | K::Juice => &[K::Raw],
        K::Sauce | K::Roasted => &[K::Raw, K::Sliced],
        K::Assembled => &[K::Sauce],
        K::Baked => &[K::Assembled],
        K::Analysis | K::Comparison => PIPELINE,
        K::Raw | K::Base => &[],
    }
}
