//! Typed facts a handler attaches to its answer, as response extensions:
//! which operation it answered, what it made, which refusal it gave. The
//! layers around the handlers (deviations, freedoms) decide by these, never
//! by an answer's path or words.

use axum::http::Extensions;
use axum::response::Response;

use crate::kitchen::Degradation;
use pizzastack_spec::ids::ObjectKind;

/// The operation an answer is for, in the API's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// An object-creating endpoint, by the kind it creates.
    Make(ObjectKind),
    /// `GET /v1/session/{session_id}/log`, with the session it names.
    Log {
        /// The session's ID, as the path gave it.
        session_id: String,
    },
}

/// What a successful creation made, beside its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Made {
    /// Why the object is degraded; `None` when it is not.
    pub degradation: Option<Degradation>,
}

/// Which refusal an error answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `X-Session-ID` (SESS-001).
    MissingSessionId,
    /// The body was refused: its media type, its JSON or its fields (ERR-002).
    Body,
    /// An ID that is not an object of the session (SESS-005).
    NotInSession,
    /// An ID of the session naming the wrong kind of object (e.g. BAK-002).
    WrongKind,
    /// A session log of a session this key does not have (LOG-002).
    SessionNotFound,
    /// Any other refusal.
    Other,
}

impl Refusal {
    /// Whether the documentation quotes this refusal's text (Session
    /// Management, Error Handling); every other error's words are the
    /// mock's decision.
    pub fn text_is_documented(self) -> bool {
        matches!(self, Refusal::MissingSessionId | Refusal::NotInSession)
    }
}

/// The facts of one answer, as its handler attached them.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The operation answered; `None` for what no handler of the API
    /// answered (an unknown path, a refusal before the handler ran).
    pub operation: Option<Operation>,
    /// What was made, for a creation that succeeded.
    pub made: Option<Made>,
    /// Which refusal, for an answer of the API's error shape.
    pub refusal: Option<Refusal>,
}

impl Facts {
    /// The facts attached to a response's extensions.
    pub fn of(extensions: &Extensions) -> Facts {
        Facts {
            operation: extensions.get::<Operation>().cloned(),
            made: extensions.get::<Made>().copied(),
            refusal: extensions.get::<Refusal>().copied(),
        }
    }

    /// The kind the answer's endpoint creates, if it is a creating one.
    pub fn making(&self) -> Option<ObjectKind> {
        match self.operation {
            Some(Operation::Make(kind)) => Some(kind),
            _ => None,
        }
    }

    /// The session a log answer is for, if it is one.
    pub fn log_of(&self) -> Option<&str> {
        match &self.operation {
            Some(Operation::Log { session_id }) => Some(session_id),
            _ => None,
        }
    }

    /// Whether the answer's degradation is `degradation`.
    pub fn degraded_by(&self, degradation: Degradation) -> bool {
        self.made.and_then(|m| m.degradation) == Some(degradation)
    }

    /// Attaches these facts to `response`, e.g. to one a layer rebuilt.
    pub fn attach(self, response: &mut Response) {
        let extensions = response.extensions_mut();
        if let Some(operation) = self.operation {
            extensions.insert(operation);
        }
        if let Some(made) = self.made {
            extensions.insert(made);
        }
        if let Some(refusal) = self.refusal {
            extensions.insert(refusal);
        }
    }
}
