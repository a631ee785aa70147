//! The files of `specs/` this binary carries, so that `pizzastack` runs
//! its suite and validates against its schemas from any directory. The
//! whole folder is embedded: a new schema or case file needs no list kept
//! by hand. (`build.rs` asks cargo to rebuild when the folder changes,
//! which `include_dir` cannot ask on stable Rust.)

use include_dir::{include_dir, Dir, File};

static SPECS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../specs");

/// The text of `specs/<path>`.
///
/// # Panics
/// If the file is not there or not UTF-8: a build that lost one of its
/// own specification files, which the test suite rules out.
pub fn text(path: &str) -> &'static str {
    SPECS
        .get_file(path)
        .and_then(File::contents_utf8)
        .unwrap_or_else(|| panic!("specs/{path} is not embedded as UTF-8 text"))
}

/// Every file under `specs/<dir>/` (recursively) whose name ends in one of
/// `extensions`, as (path relative to that folder, text), in path order.
pub fn files_under(dir: &str, extensions: &[&str]) -> Vec<(&'static str, &'static str)> {
    let mut files = Vec::new();
    if let Some(root) = SPECS.get_dir(dir) {
        collect(root, dir, extensions, &mut files);
    }
    files.sort();
    files
}

fn collect(
    dir: &'static Dir<'static>,
    root: &str,
    extensions: &[&str],
    out: &mut Vec<(&'static str, &'static str)>,
) {
    for file in dir.files() {
        let path = file.path();
        let wanted = path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x));
        let relative = path.strip_prefix(root).unwrap_or(path).to_str();
        if let (true, Some(relative), Some(text)) = (wanted, relative, file.contents_utf8()) {
            out.push((relative, text));
        }
    }
    for sub in dir.dirs() {
        collect(sub, root, extensions, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_and_schema_file_on_disk_is_embedded() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../specs");
        for (dir, extensions) in [("cases", &["yaml", "yml"][..]), ("schemas", &["json"][..])] {
            let embedded = files_under(dir, extensions);
            let mut on_disk = 0;
            let mut stack = vec![std::path::PathBuf::from(format!("{root}/{dir}"))];
            while let Some(path) = stack.pop() {
                for entry in std::fs::read_dir(&path).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path
                        .extension()
                        .is_some_and(|e| extensions.iter().any(|x| e == *x))
                    {
                        on_disk += 1;
                        let relative = path.strip_prefix(format!("{root}/{dir}/")).unwrap();
                        let text = std::fs::read_to_string(&path).unwrap();
                        assert!(
                            embedded
                                .iter()
                                .any(|(p, t)| std::path::Path::new(p) == relative && *t == text),
                            "{} is not embedded as it is on disk",
                            path.display()
                        );
                    }
                }
            }
            assert_eq!(embedded.len(), on_disk, "{dir}");
        }
    }
}
