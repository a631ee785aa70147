//! What a shared store fetched of a session before a build.
//!
//! A build asks for objects by ID while it runs, and cannot wait for a
//! round trip to Redis in between. So the shared store runs it against
//! what it has fetched so far: an ID not fetched yet is recorded and
//! answered with a stand-in, so that one run names every ID the build
//! needs; the store fetches those in one round trip and runs the build
//! again. The kitchen looks every ID up before it judges any (ERR-004),
//! so the second run is the last.

use std::cell::RefCell;

use super::model::{ObjectLookup, ObjectRef, SessionObjects};
use pizzastack_spec::ids::ObjectId;

#[derive(Default)]
pub(super) struct Fetched {
    /// IDs known, with what the store holds under each (`None`: nothing),
    /// and whether that was remembered rather than read in this request.
    known: Vec<(Box<str>, Option<ObjectRef>, bool)>,
    /// IDs the last build asked for that were not fetched.
    missed: RefCell<Vec<Box<str>>>,
}

impl ObjectLookup for Fetched {
    fn get(&self, id: &str) -> Option<ObjectRef> {
        Fetched::get(self, id)
    }
}

impl Fetched {
    /// The view a build gets.
    pub(super) fn objects(&self) -> SessionObjects<'_> {
        SessionObjects::new(self)
    }

    pub(super) fn get(&self, id: &str) -> Option<ObjectRef> {
        if let Some((_, known, _)) = self.known.iter().find(|(k, _, _)| **k == *id) {
            return *known;
        }
        // Not an ID any store gives out: no round trip can find it.
        let parsed = ObjectId::parse(id)?;
        let mut missed = self.missed.borrow_mut();
        if !missed.iter().any(|m| **m == *id) {
            missed.push(id.into());
        }
        Some(ObjectRef {
            kind: parsed.kind(),
            degraded: false,
        })
    }

    /// The IDs the last build asked for and did not find fetched.
    pub(super) fn take_missed(&mut self) -> Vec<Box<str>> {
        std::mem::take(self.missed.get_mut())
    }

    /// Records what the store holds under `id`, as read in this request.
    pub(super) fn learn(&mut self, id: Box<str>, object: Option<ObjectRef>) {
        self.known.push((id, object, false));
    }

    /// Records an object remembered from an earlier request: objects never
    /// change, but the session may have expired since, so a creation
    /// checks it still holds them ([`Self::assumptions`]).
    pub(super) fn recall(&mut self, id: Box<str>, object: ObjectRef) {
        self.known.push((id, Some(object), true));
    }

    /// Whether anything known was remembered rather than read.
    pub(super) fn any_remembered(&self) -> bool {
        self.known.iter().any(|(_, _, remembered)| *remembered)
    }

    /// Every ID known, to read again.
    pub(super) fn ids(&self) -> Vec<Box<str>> {
        self.known.iter().map(|(id, _, _)| id.clone()).collect()
    }

    /// What the build relied on: each ID it looked up, and what it found.
    pub(super) fn assumptions(&self) -> impl Iterator<Item = (&str, Option<ObjectRef>)> {
        self.known.iter().map(|(id, object, _)| (&**id, *object))
    }

    /// Forgets everything fetched, after the session changed under it.
    pub(super) fn clear(&mut self) {
        self.known.clear();
        self.missed.get_mut().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pizzastack_spec::ids::ObjectKind;

    #[test]
    fn an_unfetched_id_is_recorded_once_and_answered_with_a_stand_in() {
        let mut fetched = Fetched::default();
        let id = ObjectId::from_parts(ObjectKind::Sauce, 7).text();
        let stand_in = fetched.get(&id).unwrap();
        assert_eq!(stand_in.kind, ObjectKind::Sauce);
        fetched.get(&id);
        assert!(fetched.get("not-an-id").is_none());
        assert_eq!(fetched.take_missed(), vec![Box::<str>::from(&*id)]);
        fetched.learn(id.as_str().into(), None);
        assert!(fetched.get(&id).is_none(), "what was fetched is the answer");
        assert!(fetched.take_missed().is_empty());
    }
}
