//! Runs one generated workflow against a target: each step becomes a
//! request written with the case files' `{{templates}}` (so that a saved
//! case sends exactly what was sent), is sent, and its answer is judged by
//! the oracle.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use super::model::{Label, Model, Step};
use super::request::{request, shape_of, Learned, Templated, UNKNOWN_SHAPE};
use crate::case::template::{render, render_json, Vars};
use crate::oracle::{Exchange, Finding, Oracle};
use crate::runner::outcome::{ReceivedResponse, SentRequest};
use crate::runner::{Expiry, SendError, Target};
use pizzastack_spec::ids::ObjectKind;

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
            let response = match crate::runner::send(self.client, self.target, &sent).await {
                Ok(response) => response,
                Err(error) => {
                    ran.transport = Some(describe(&error));
                    return ran;
                }
            };
            let findings = observe(oracle, &sent, &response);
            let success = response.status / 100 == 2;
            if let (Some(kind), true) = (guessed, success) {
                self.learn(kind, shape_of(step));
            }
            let made = step.makes().filter(|_| success).and_then(|(label, _, _)| {
                let id = response.json.as_ref()?.get("id")?.as_str()?;
                vars.set(&format!("o{label}"), json!(id));
                Some(label)
            });
            let failure = stops_at(&findings, stop, known);
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

    /// The first guessed body shape a target took, for every worker.
    fn learn(&self, kind: ObjectKind, shape: u8) {
        if let Some(slot) = Learned::slot(kind) {
            let _ = self.learned.shapes[slot].compare_exchange(
                UNKNOWN_SHAPE,
                shape,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
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

/// The oracle's findings on one exchange, as it was sent and answered.
fn observe(oracle: &mut Oracle, sent: &SentRequest, response: &ReceivedResponse) -> Vec<Finding> {
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
    oracle.observe(&Exchange {
        method: &sent.method,
        path,
        api_key: key,
        session,
        request: body.as_ref(),
        status: response.status,
        content_type,
        answer: response.json.as_ref(),
    })
}

/// The rule a run stops at among `findings`: a SHOULD or MUST failure that
/// is new, or of the rule being shrunk.
fn stops_at(
    findings: &[Finding],
    stop: StopAt,
    known: &dyn Fn(&str) -> bool,
) -> Option<&'static str> {
    findings
        .iter()
        .find(|f| {
            !f.passed
                && f.level >= crate::case::Level::Should
                && match stop {
                    StopAt::NewFailure => !known(f.rule),
                    StopAt::Rule(rule) => f.rule == rule,
                }
        })
        .map(|f| f.rule)
}
