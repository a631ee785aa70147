//! Snapshots waiting for review (`.snap.new` beside the stored `.snap`):
//! `pizzastack snapshots review|accept|reject DIR`, without cargo-insta.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use super::file::{self, FileError, PENDING_SUFFIX};

/// One snapshot waiting for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// This run's exchanges, `….snap.new`.
    pub new: PathBuf,
    /// The accepted snapshot it would replace, `….snap` (which may not exist).
    pub stored: PathBuf,
}

impl Pending {
    /// Makes the new snapshot the accepted one.
    ///
    /// # Errors
    /// The file cannot be moved.
    pub fn accept(&self) -> Result<(), FileError> {
        std::fs::rename(&self.new, &self.stored).map_err(|source| FileError::Write {
            path: self.stored.clone(),
            source,
        })
    }

    /// Drops the new snapshot; the accepted one stays.
    ///
    /// # Errors
    /// The file cannot be removed.
    pub fn reject(&self) -> Result<(), FileError> {
        file::remove(&self.new)
    }

    /// The case's snapshot name, e.g. `tomato__acquire@mock`.
    pub fn name(&self) -> String {
        self.stored
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
    }

    /// The diff from the accepted snapshot to the new one.
    ///
    /// # Errors
    /// Either file cannot be read.
    pub fn diff(&self) -> Result<String, FileError> {
        let stored = file::read_contents(&self.stored)?.unwrap_or_default();
        let new = file::read_contents(&self.new)?.unwrap_or_default();
        Ok(file::diff(
            &stored,
            &new,
            &self.stored.display().to_string(),
        ))
    }
}

/// The snapshots of `dir` waiting for review, by name.
///
/// # Errors
/// `dir` cannot be listed.
pub fn find(dir: &Path) -> Result<Vec<Pending>, FileError> {
    let failed = |source| FileError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut pending = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(failed)? {
        let path = entry.map_err(failed)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some(stem) = name.strip_suffix(PENDING_SUFFIX) {
            pending.push(Pending {
                stored: path.with_file_name(format!("{stem}.snap")),
                new: path,
            });
        }
    }
    pending.sort_by(|a, b| a.new.cmp(&b.new));
    Ok(pending)
}

/// What a review did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reviewed {
    pub accepted: usize,
    pub rejected: usize,
    pub skipped: usize,
}

/// Shows each pending snapshot's diff on `out` and asks on `input` whether
/// to accept, reject or skip it; the end of `input` skips the rest.
///
/// # Errors
/// A file cannot be read, moved or removed, or `out` written.
pub fn review(
    pending: &[Pending],
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<Reviewed, ReviewError> {
    let mut reviewed = Reviewed::default();
    for (index, snapshot) in pending.iter().enumerate() {
        writeln!(
            out,
            "\n[{}/{}] {}\n{}",
            index + 1,
            pending.len(),
            snapshot.name(),
            snapshot.diff()?
        )?;
        loop {
            write!(out, "accept (a), reject (r) or skip (s)? ")?;
            out.flush()?;
            let mut answer = String::new();
            if input.read_line(&mut answer)? == 0 {
                writeln!(out)?;
                reviewed.skipped += pending.len() - index;
                return Ok(reviewed);
            }
            match answer.trim() {
                "a" | "accept" => {
                    snapshot.accept()?;
                    reviewed.accepted += 1;
                }
                "r" | "reject" => {
                    snapshot.reject()?;
                    reviewed.rejected += 1;
                }
                "s" | "skip" => reviewed.skipped += 1,
                _ => continue,
            }
            break;
        }
    }
    Ok(reviewed)
}

/// Why a review stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("cannot talk to the terminal: {0}")]
    Terminal(#[from] io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::file::{render, Header};

    fn header() -> Header {
        Header {
            source: "cases.yaml".to_owned(),
            description: "d".to_owned(),
            case: "c".to_owned(),
            target: "t".to_owned(),
            rules: vec![],
        }
    }

    #[test]
    fn review_accepts_rejects_and_skips_as_answered() {
        let dir = std::env::temp_dir().join(format!("pending-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["a", "b", "c"] {
            let stored = dir.join(format!("{name}@t.snap"));
            file::write(&stored, &render(&header(), "old")).unwrap();
            file::write(
                &dir.join(format!("{name}@t.snap.new")),
                &render(&header(), "new"),
            )
            .unwrap();
        }
        let pending = find(&dir).unwrap();
        assert_eq!(pending.len(), 3);
        let mut out = Vec::new();
        // An unknown answer is asked again; the input ends before `c`.
        let reviewed = review(&pending, &mut "x\na\nr\n".as_bytes(), &mut out).unwrap();
        assert_eq!(
            reviewed,
            Reviewed {
                accepted: 1,
                rejected: 1,
                skipped: 1
            }
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("-old") && text.contains("+new"), "{text}");
        let contents = |name: &str| file::read_contents(&dir.join(name)).unwrap();
        assert_eq!(contents("a@t.snap").as_deref(), Some("new"));
        assert_eq!(contents("b@t.snap").as_deref(), Some("old"));
        assert!(!dir.join("a@t.snap.new").exists() && !dir.join("b@t.snap.new").exists());
        assert_eq!(find(&dir).unwrap().len(), 1, "c is still pending");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
