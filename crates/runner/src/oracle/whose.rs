//! Where an ID a request names lives, as the oracle's shadow of the
//! target's sessions tells it: what both the pipeline's judgement and the
//! content checks ask of each named ID.

use pizzastack_spec::ids::ObjectKind;

/// Where an ID a request names lives, as far as the oracle knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Whose {
    /// An object of the request's own session.
    Own(ObjectKind),
    /// An object of the request's session from before it expired.
    Expired,
    /// Another session's, or no object the server gave out.
    Foreign,
    /// An object of the session of this ID under another key: AUTH-003 (a
    /// MOCK rule) says that is another session, a server may share it.
    OtherKey,
}

/// The kinds of the named IDs that are the session's own.
pub(super) fn own_kinds(whose: &[(String, Whose)]) -> Vec<ObjectKind> {
    whose
        .iter()
        .filter_map(|(_, w)| match w {
            Whose::Own(k) => Some(*k),
            _ => None,
        })
        .collect()
}
