//! Colours for the words a reader scans for: verdicts, labels and the
//! progress words, each from its typed verdict.

use anstyle::{AnsiColor, Style};

use crate::summary::{CaseVerdict, RuleVerdict};

/// Colours for the words a reader scans for, or none.
#[derive(Clone, Copy)]
pub(super) struct Paint(pub(super) bool);

impl Paint {
    pub(super) fn paint(self, style: Style, text: &str) -> String {
        if self.0 {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    pub(super) fn verdict(self, verdict: RuleVerdict, padded: &str) -> String {
        let color = match verdict {
            RuleVerdict::Pass => AnsiColor::Green,
            RuleVerdict::Fail => AnsiColor::Red,
            RuleVerdict::Warn => AnsiColor::Yellow,
            RuleVerdict::Error => AnsiColor::Magenta,
            RuleVerdict::Info => AnsiColor::Cyan,
            RuleVerdict::Known => AnsiColor::Blue,
            RuleVerdict::Skipped | RuleVerdict::NotCovered => return padded.to_owned(),
        };
        let style = Style::new().fg_color(Some(color.into()));
        let style = if verdict == RuleVerdict::Fail {
            style.bold()
        } else {
            style
        };
        self.paint(style, padded)
    }

    pub(super) fn label(self, verdict: CaseVerdict) -> String {
        let color = match verdict {
            CaseVerdict::Fail => AnsiColor::Red,
            CaseVerdict::Warn => AnsiColor::Yellow,
            _ => AnsiColor::Cyan,
        };
        self.paint(
            Style::new().fg_color(Some(color.into())).bold(),
            verdict.label(),
        )
    }

    /// The coloured word of a progress line.
    pub(super) fn word(self, verdict: CaseVerdict) -> String {
        let color = match verdict {
            CaseVerdict::Fail => AnsiColor::Red,
            CaseVerdict::Warn => AnsiColor::Yellow,
            CaseVerdict::Error => AnsiColor::Magenta,
            CaseVerdict::Info => AnsiColor::Cyan,
            CaseVerdict::Known => AnsiColor::Blue,
            CaseVerdict::Pass => AnsiColor::Green,
            CaseVerdict::Skip => AnsiColor::White,
        };
        let style = Style::new().fg_color(Some(color.into()));
        let style = if verdict == CaseVerdict::Fail {
            style.bold()
        } else {
            style
        };
        self.paint(style, &format!("{:<5}", verdict.word()))
    }
}
