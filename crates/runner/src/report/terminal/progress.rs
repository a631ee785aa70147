//! What a run shows while it runs: a line per case as it ends, the waits
//! for a target's TTL under way, and the list of cases.

use super::paint::Paint;
use crate::runner::{CaseOutcome, CaseStatus};
use crate::summary::CaseVerdict;

/// Whether a wait status line stands on the terminal, unfinished.
static STATUS_SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What the run is waiting for, if anything: on a terminal one status
/// line redrawn in place (cleared before the next case line), elsewhere a
/// plain line each time this is called.
pub fn print_waits(waits: &[crate::runner::Wait], terminal: bool) {
    use std::io::Write as _;
    use std::sync::atomic::Ordering;
    let Some(longest) = waits.first() else {
        if terminal && STATUS_SHOWN.swap(false, Ordering::Relaxed) {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
        return;
    };
    let elapsed = longest.started.elapsed().min(longest.length);
    let left = longest.length - elapsed;
    let left = humantime::format_duration(std::time::Duration::from_secs(left.as_secs()));
    let others = match waits.len() {
        1 => String::new(),
        n => format!(" (and {} other case(s))", n - 1),
    };
    let line = format!(
        "waiting for the target's TTL: {} \"{}\", {left} of {} left{others}",
        longest.case,
        longest.step,
        humantime::format_duration(std::time::Duration::from_secs(longest.length.as_secs()))
    );
    let mut stderr = std::io::stderr().lock();
    if terminal {
        const WIDTH: usize = 30;
        let done = (elapsed.as_secs_f64() / longest.length.as_secs_f64().max(1e-9) * WIDTH as f64)
            as usize;
        let bar = format!(
            "[{}{}]",
            "#".repeat(done.min(WIDTH)),
            " ".repeat(WIDTH - done.min(WIDTH))
        );
        let _ = write!(stderr, "\r\x1b[K{bar} {line}");
        STATUS_SHOWN.store(true, Ordering::Relaxed);
    } else {
        let _ = writeln!(stderr, "{line}");
    }
    let _ = stderr.flush();
}

/// One line for a case that has just ended, printed as it ends: its
/// verdict for the run, its ID and rules, and how long it took (why, for a
/// skipped case). The failures follow in the summary, once.
pub fn print_progress(outcome: &CaseOutcome, strict: bool, took: std::time::Duration) {
    let word = Paint(true).word(CaseVerdict::of(outcome, strict));
    if STATUS_SHOWN.swap(false, std::sync::atomic::Ordering::Relaxed) {
        eprint!("\r\x1b[K");
    }
    let tail = match &outcome.status {
        CaseStatus::Skipped { reason } => format!(": {reason}"),
        _ => format!(" ({} ms)", took.as_millis()),
    };
    anstream::println!("{word} {} [{}]{tail}", outcome.id, outcome.rules.join(", "));
}

/// The cases, one per line, with their rules and levels.
pub fn print_list(cases: &[crate::case::Case]) {
    for case in cases {
        println!(
            "{} [{}] ({}): {}",
            case.id(),
            case.rules.join(", "),
            case.level.as_str(),
            case.name
        );
    }
}
