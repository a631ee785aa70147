//! What every endpoint's rule shares: the error, the lookups in ERR-004's
//! order (every ID first, kinds second), and the writing of answers.

use std::cell::RefCell;

use super::quality::Degradation;
use crate::store::{BuiltObject, ObjectRef, SessionObjects};
use pizzastack_spec::ids::ObjectKind;

/// What a recipe made: the answer's JSON and, if the object is degraded,
/// why. The store keeps the first and whether there is a second.
#[derive(Debug)]
pub struct Cooked {
    /// The response body, exactly as the client will see it.
    pub json: Vec<u8>,
    /// Why the object is degraded; `None` when it is not.
    pub degradation: Option<Degradation>,
}

impl Cooked {
    /// The object as the store keeps it, and the degradation apart.
    pub fn into_stored(self) -> (BuiltObject, Option<Degradation>) {
        let degraded = self.degradation.is_some();
        (
            BuiltObject {
                json: self.json,
                degraded,
            },
            self.degradation,
        )
    }
}

/// The degradation of an object made from `sources`: inherited if any is.
pub(super) fn inherited(sources: &[ObjectRef]) -> Option<Degradation> {
    sources
        .iter()
        .any(|s| s.degraded)
        .then_some(Degradation::Inherited)
}

/// Why a request that passed schema validation still cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KitchenError {
    /// An ID that is not an object of this session (SESS-005). The message
    /// is the exact string the docs give.
    #[error("Object not found in session")]
    NotInSession {
        /// The request field that held the ID, for logs.
        field: String,
    },
    /// An ID of the session that names the wrong kind of object, e.g. a base
    /// passed to bake (BAK-002).
    #[error("{field}: must be {expected}, but {id} is {actual}")]
    WrongKind {
        /// The request field, e.g. `pizza_id` or `tomato_ids[1]`.
        field: String,
        /// What the field accepts, in words.
        expected: &'static str,
        /// The ID given.
        id: String,
        /// What the ID names, in words.
        actual: &'static str,
    },
}

/// Looks up every `(field, id)` first, so that an unknown ID is reported
/// before any type rule (ERR-004).
pub(super) fn resolve_all(
    objects: &SessionObjects<'_>,
    ids: &[(String, &str)],
) -> Result<Vec<ObjectRef>, KitchenError> {
    ids.iter()
        .map(|(field, id)| {
            objects.get(id).ok_or_else(|| KitchenError::NotInSession {
                field: field.clone(),
            })
        })
        .collect()
}

/// `("tomato_ids[0]", id), ("tomato_ids[1]", id), …` for a list field.
pub(super) fn indexed_fields<'a>(name: &str, ids: &'a [String]) -> Vec<(String, &'a str)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("{name}[{i}]"), id.as_str()))
        .collect()
}

/// Resolves every ID of a list field, then checks each is an accepted kind.
pub(super) fn resolve_list_of_kinds(
    objects: &SessionObjects<'_>,
    name: &str,
    ids: &[String],
    accepted: &[ObjectKind],
    expected: &'static str,
) -> Result<Vec<ObjectRef>, KitchenError> {
    let fields = indexed_fields(name, ids);
    let found = resolve_all(objects, &fields)?;
    for ((field, id), object) in fields.iter().zip(&found) {
        expect_kind(field, id, object, accepted, expected)?;
    }
    Ok(found)
}

/// Checks that an object is one of the accepted kinds.
pub(super) fn expect_kind(
    field: &str,
    id: &str,
    object: &ObjectRef,
    accepted: &[ObjectKind],
    expected: &'static str,
) -> Result<(), KitchenError> {
    if accepted.contains(&object.kind) {
        Ok(())
    } else {
        Err(KitchenError::WrongKind {
            field: field.to_owned(),
            expected,
            id: id.to_owned(),
            actual: object.kind.described(),
        })
    }
}

/// Serializes an answer; our answer types always serialize.
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    render(|out| {
        if serde_json::to_writer(&mut *out, value).is_err() {
            out.clear();
            out.extend_from_slice(b"{}");
        }
    })
}

thread_local! {
    /// Where answers are written before being copied out at their size.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A scratch buffer kept by a thread no larger than this after use.
pub(super) const SCRATCH_KEPT: usize = 64 * 1024;

/// Runs `write` on a per-thread scratch buffer and returns an exact-size
/// copy of what it wrote. The copy becomes the response body as it is
/// (`Bytes` takes a `Vec` whose length is its capacity without allocating
/// a control block), and the store copies it again into a box of its own;
/// the scratch buffer spares each answer the growth of a fresh `Vec`.
pub(super) fn render(write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    SCRATCH.with_borrow_mut(|scratch| {
        scratch.clear();
        write(scratch);
        let out = scratch.to_vec();
        if scratch.capacity() > SCRATCH_KEPT {
            *scratch = Vec::new();
        }
        out
    })
}

/// Kinds that can go into a pot or onto a pizza as an ingredient.
pub(super) const INGREDIENT_KINDS: &[ObjectKind] = &[
    ObjectKind::Raw,
    ObjectKind::Sliced,
    ObjectKind::Juice,
    ObjectKind::Sauce,
    ObjectKind::Roasted,
];

/// How error messages describe [`INGREDIENT_KINDS`].
pub(super) const INGREDIENT_EXPECTED: &str =
    "an ingredient: a tomato, slice, juice, sauce or roasted ingredient of the session";
