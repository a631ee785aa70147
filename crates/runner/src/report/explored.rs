//! What `explore` found, for the terminal: the seed (so the run can be
//! repeated), the figures, and each failure with its shrunk case.

use std::fmt::Write as _;

use crate::explore::Explored;
use crate::runner::assert::printable;

/// The summary of an exploration.
pub fn render(explored: &Explored, strict: bool) -> String {
    let mut out = String::new();
    let seconds = explored.elapsed.as_secs_f64().max(1e-9);
    let _ = writeln!(
        out,
        "explore: seed {} · {} requests in {:.1} s ({:.0}/s) · {} workflows · {} sessions · {} rules and details exercised",
        explored.seed,
        explored.steps,
        seconds,
        explored.steps as f64 / seconds,
        explored.workflows,
        explored.sessions,
        explored.tally.len()
    );
    if explored.found.is_empty() {
        let _ = writeln!(out, "explore: no documented rule broken");
        return out;
    }
    for found in &explored.found {
        let counts = if found.level.fails_run(strict) {
            "FAIL"
        } else {
            "warning"
        };
        let replay = if found.replays_failed > 0 {
            "its replay fails too".to_owned()
        } else {
            "its replay passed 3 times (the failure hangs on values drawn at random)".to_owned()
        };
        let _ = writeln!(
            out,
            "explore: {counts} {} ({}) in {} step(s); {replay}{}",
            found.rule,
            found.level.as_str(),
            found.steps,
            found
                .file
                .as_ref()
                .map(|f| format!("; saved as {}", printable(&f.display().to_string())))
                .unwrap_or_else(|| "; --save DIR writes it as a case file".to_owned())
        );
    }
    let _ = writeln!(
        out,
        "explore: repeat this run with --seed {}",
        explored.seed
    );
    out
}

/// Prints the summary to stdout.
pub fn print(explored: &Explored, strict: bool) {
    print!("{}", render(explored, strict));
}
