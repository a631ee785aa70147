//! Snapshot files in insta's `.snap` format — a YAML header between `---`
//! lines, then the contents — read and written here without insta's
//! assertion machinery, so that they work in any folder (no Cargo.toml, no
//! cargo-insta) and a difference is a value, not a panic. `cargo insta
//! review` still reads them inside a cargo project.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use insta::internals::TextSnapshotContents;
use insta::TextSnapshotKind;

/// The extension of a snapshot waiting for review, as insta names it.
pub const PENDING_SUFFIX: &str = ".snap.new";

/// Where a run writes a snapshot's changed form for review: beside it,
/// `….snap.new`.
pub fn pending_path(stored: &Path) -> PathBuf {
    let mut pending = stored.as_os_str().to_owned();
    pending.push(".new");
    PathBuf::from(pending)
}

/// What a snapshot file says about its case, in its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The case file, as the run named it.
    pub source: String,
    /// The case's title and rule IDs.
    pub description: String,
    /// The case ID.
    pub case: String,
    /// The snapshot set's name, e.g. the implementation's.
    pub target: String,
    pub rules: Vec<String>,
}

/// Why a snapshot file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} is not a snapshot file: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// The file text of a snapshot: the header (JSON strings are YAML
/// double-quoted scalars, so any text is safe in it), then the contents.
pub fn render(header: &Header, contents: &str) -> String {
    let quote = |text: &str| serde_json::Value::from(text).to_string();
    let info = serde_json::json!({
        "case": header.case,
        "target": header.target,
        "rules": header.rules,
    });
    format!(
        "---\nsource: {}\ndescription: {}\ninfo: {info}\n---\n{}\n",
        quote(&header.source),
        quote(&header.description),
        contents.trim_end()
    )
}

/// The contents of a stored snapshot, or `None` when there is none.
///
/// # Errors
/// The file exists but cannot be read or parsed.
pub fn read_contents(path: &Path) -> Result<Option<String>, FileError> {
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(FileError::Read {
                path: path.to_owned(),
                source,
            })
        }
        Ok(_) => {}
    }
    let snapshot = insta::Snapshot::from_file(path).map_err(|e| FileError::Malformed {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    match snapshot.contents().as_text() {
        Some(text) => Ok(Some(text.to_string())),
        None => Err(FileError::Malformed {
            path: path.to_owned(),
            message: "it is a binary snapshot".to_owned(),
        }),
    }
}

/// Whether two snapshot contents are the same by insta's rule (trailing
/// whitespace and line endings aside).
pub fn same(stored: &str, new: &str) -> bool {
    let normal = |text: &str| TextSnapshotContents::new(text.to_owned(), TextSnapshotKind::File);
    normal(stored).matches_latest(&normal(new))
}

/// Writes `text` to `path` whole: through a temporary file renamed into
/// place, so a reader (or an interrupted run) never sees half a snapshot.
///
/// # Errors
/// The folder cannot be made or the file written.
pub fn write(path: &Path, text: &str) -> Result<(), FileError> {
    let failed = |source| FileError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(failed)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    fs::write(&temporary, text).map_err(failed)?;
    fs::rename(&temporary, path).map_err(failed)
}

/// Removes `path` if it exists.
///
/// # Errors
/// It exists and cannot be removed.
pub fn remove(path: &Path) -> Result<(), FileError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(FileError::Write {
            path: path.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// A unified diff from the stored contents to this run's, whole.
pub fn diff(stored: &str, new: &str, stored_name: &str) -> String {
    similar::TextDiff::from_lines(stored.trim_end(), new.trim_end())
        .unified_diff()
        .context_radius(3)
        .header(stored_name, "this run")
        .missing_newline_hint(false)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            source: "specs/cases/tomato.yaml".to_owned(),
            description: "Acquire \"quoted\": a: b # c [TOM-001]".to_owned(),
            case: "tomato/acquire".to_owned(),
            target: "mine".to_owned(),
            rules: vec!["TOM-001".to_owned(), "ERR-001".to_owned()],
        }
    }

    #[test]
    fn insta_reads_back_what_is_written() {
        let dir = std::env::temp_dir().join(format!("snapfile-{}", std::process::id()));
        let path = dir.join("tomato__acquire@mine.snap");
        let contents = "{\n  \"a\": 1\n}";
        write(&path, &render(&header(), contents)).unwrap();
        let snapshot = insta::Snapshot::from_file(&path).unwrap();
        let metadata = snapshot.metadata();
        assert_eq!(metadata.source(), Some("specs/cases/tomato.yaml"));
        assert_eq!(metadata.description(), Some(header().description.as_str()));
        assert!(
            format!("{:?}", metadata.private_info()).contains("TOM-001"),
            "{metadata:?}"
        );
        assert_eq!(read_contents(&path).unwrap().as_deref(), Some(contents));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_file_is_none_and_a_broken_one_an_error() {
        let dir = std::env::temp_dir().join(format!("snapbroken-{}", std::process::id()));
        assert!(read_contents(&dir.join("none.snap")).unwrap().is_none());
        let path = dir.join("broken.snap");
        write(&path, "---\nsource: [unclosed\n---\n{}\n").unwrap();
        let error = read_contents(&path).unwrap_err();
        assert!(error.to_string().contains("not a snapshot file"), "{error}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn contents_compare_without_trailing_whitespace_or_crlf() {
        assert!(same("{\n  \"a\": 1\n}\n\n", "{\r\n  \"a\": 1\r\n}"));
        assert!(!same("{\n  \"a\": 1\n}", "{\n  \"a\": 2\n}"));
    }

    #[test]
    fn the_diff_marks_what_changed() {
        let text = diff("a\nb\nc\n", "a\nB\nc\n", "stored");
        assert!(
            text.contains("--- stored") && text.contains("+++ this run"),
            "{text}"
        );
        assert!(text.contains("-b\n") && text.contains("+B\n"), "{text}");
    }
}
