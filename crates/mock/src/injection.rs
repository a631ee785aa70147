//! Latency and fault rules as `serve --latency` and `--fault` spell them
//! (and `/__admin/latency`, `/__admin/faults`): parsed and checked here,
//! below both the configuration and the server that applies them.

use std::time::Duration;

/// A latency or fault rule that does not read, with what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("unknown fault `{0}`: one of 429, 500, 502, 503, 504, reset, hang")]
    UnknownFault(String),
    #[error("`{text}`: {reason} (expected e.g. 50ms)")]
    Duration { text: String, reason: String },
    #[error("`{0}`: the range runs backwards")]
    Backwards(String),
    #[error("`{0}`: expected KIND:RATE[:PATH], e.g. 503:0.1")]
    NoRate(String),
    #[error("`{0}`: a rate is a number from 0 to 1")]
    Rate(String),
    #[error("`{0}`: a path starts with /")]
    Path(String),
}

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Answers with this status (429, 500, 502, 503 or 504) in the API's
    /// error shape; 429 and 503 with `Retry-After`.
    Status(u16),
    /// Drops the connection without an answer.
    Reset,
    /// Answers nothing for the hang time, then drops the connection.
    Hang,
}

impl FaultKind {
    /// Reads `429`, `500`, `502`, `503`, `504`, `reset` or `hang`.
    ///
    /// # Errors
    /// Any other word.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        match text {
            "reset" => Ok(Self::Reset),
            "hang" => Ok(Self::Hang),
            "429" | "500" | "502" | "503" | "504" => Ok(Self::Status(
                text.parse().expect("one of the listed numbers"),
            )),
            other => Err(RuleError::UnknownFault(other.to_owned())),
        }
    }

    /// The fault's name as the options spell it.
    pub fn name(self) -> String {
        match self {
            Self::Status(code) => code.to_string(),
            Self::Reset => "reset".to_owned(),
            Self::Hang => "hang".to_owned(),
        }
    }
}

/// Whether `path` is `pattern`, or lies under it when `pattern` ends in
/// `*`: the rules' paths and the journal's filter read them alike.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => path == pattern,
    }
}

/// Which requests a rule applies to: all, one path, or the paths under a
/// prefix written with a trailing `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern(pub Option<String>);

impl PathPattern {
    pub fn matches(&self, path: &str) -> bool {
        self.0
            .as_deref()
            .is_none_or(|pattern| path_matches(pattern, path))
    }

    fn parse(text: Option<&str>) -> Result<Self, RuleError> {
        match text {
            None => Ok(Self(None)),
            Some(path) if path.starts_with('/') => Ok(Self(Some(path.to_owned()))),
            Some(other) => Err(RuleError::Path(other.to_owned())),
        }
    }

    fn suffix(&self) -> String {
        self.0
            .as_ref()
            .map_or_else(String::new, |path| format!(":{path}"))
    }
}

/// `--latency 50ms`, `20ms..80ms` (uniform), optionally `:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyRule {
    pub min: Duration,
    pub max: Duration,
    pub paths: PathPattern,
}

impl LatencyRule {
    /// Reads `DURATION[..DURATION][:PATH]`.
    ///
    /// # Errors
    /// What is wrong with `text`, in words.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let (range, path) = match text.split_once(':') {
            Some((range, path)) => (range, Some(path)),
            None => (text, None),
        };
        let duration = |t: &str| {
            humantime::parse_duration(t.trim()).map_err(|e| RuleError::Duration {
                text: t.to_owned(),
                reason: e.to_string(),
            })
        };
        let (min, max) = match range.split_once("..") {
            Some((low, high)) => (duration(low)?, duration(high)?),
            None => {
                let exact = duration(range)?;
                (exact, exact)
            }
        };
        if min > max {
            return Err(RuleError::Backwards(range.to_owned()));
        }
        Ok(Self {
            min,
            max,
            paths: PathPattern::parse(path)?,
        })
    }

    pub fn spelled(&self) -> String {
        let range = if self.min == self.max {
            humantime::format_duration(self.min).to_string()
        } else {
            format!(
                "{}..{}",
                humantime::format_duration(self.min),
                humantime::format_duration(self.max)
            )
        };
        range + &self.paths.suffix()
    }
}

/// `--fault KIND:RATE[:PATH]`, e.g. `503:0.1` or `reset:0.05:/v1/pizza/bake`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub kind: FaultKind,
    /// From 0 to 1: the share of matching requests faulted.
    pub rate: f64,
    pub paths: PathPattern,
}

impl FaultRule {
    /// Reads `KIND:RATE[:PATH]`.
    ///
    /// # Errors
    /// What is wrong with `text`, in words.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let mut parts = text.splitn(3, ':');
        let kind = FaultKind::parse(parts.next().unwrap_or_default())?;
        let rate_text = parts
            .next()
            .ok_or_else(|| RuleError::NoRate(text.to_owned()))?;
        let rate: f64 = rate_text
            .parse()
            .ok()
            .filter(|r| (0.0..=1.0).contains(r))
            .ok_or_else(|| RuleError::Rate(rate_text.to_owned()))?;
        Ok(Self {
            kind,
            rate,
            paths: PathPattern::parse(parts.next())?,
        })
    }

    pub fn spelled(&self) -> String {
        format!("{}:{}{}", self.kind.name(), self.rate, self.paths.suffix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_the_options_spell_them() {
        let rule = LatencyRule::parse("20ms..80ms:/v1/pizza/bake").unwrap();
        assert_eq!(rule.min, Duration::from_millis(20));
        assert_eq!(rule.max, Duration::from_millis(80));
        assert!(rule.paths.matches("/v1/pizza/bake") && !rule.paths.matches("/v1/pizza/base"));
        assert_eq!(rule.spelled(), "20ms..80ms:/v1/pizza/bake");
        let fault = FaultRule::parse("reset:0.05:/v1/*").unwrap();
        assert_eq!(fault.kind, FaultKind::Reset);
        assert!(fault.paths.matches("/v1/tomato/acquire"));
        for (bad, says) in [
            ("418:0.5", "unknown fault"),
            ("503", "KIND:RATE"),
            ("503:2", "from 0 to 1"),
            ("503:0.1:v1", "starts with /"),
        ] {
            let error = FaultRule::parse(bad).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
        assert_eq!(
            LatencyRule::parse("80ms..20ms"),
            Err(RuleError::Backwards("80ms..20ms".into()))
        );
        assert!(LatencyRule::parse("soon").is_err());
    }
}
