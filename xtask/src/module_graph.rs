//! "Modules must not import each other in circles": a check of the house
//! rules, run by `cargo xtask lint`.
//!
//! For each checked directory module (a folder of `src/` with a `mod.rs`),
//! every file is a node, and a file that names a sibling (`super::x`, or
//! `crate::<dir>::x`, in a `use` or inline in code) has an edge to it. Names
//! that are not sibling files are items of `mod.rs` (its own or re-exported),
//! so they are an edge to `mod`; `mod.rs` has an edge to every file it
//! declares (so a file that imports an item back through `mod.rs` closes a
//! circle: import it from the file that defines it). Paths inside comments, strings and `$crate`
//! macro bodies do not count, and `super::` inside an inline `mod tests { }`
//! means the file itself. Any cycle fails the check, printed as a path.

use std::collections::BTreeMap;
use std::path::Path;

/// The directory modules checked, relative to the repository root.
const DIRS: &[&str] = &["src/executor", "src/fiber"];

/// Checks every directory in [`DIRS`]; one summary line each.
pub fn run(root: &Path, summary: &mut crate::summary::Summary) {
    for dir in DIRS {
        let r = check_dir(&root.join(dir), dir.trim_start_matches("src/"));
        summary.record(&format!("[lint] no import circles in {dir}"), r);
    }
}

/// Reads the `.rs` files of `dir` (the module `crate::<name>`) and fails
/// with the first cycle found.
fn check_dir(dir: &Path, name: &str) -> Result<(), String> {
    let mut files = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        // A child directory module (`x/mod.rs`) is one node, named `x`.
        if path.is_dir() && path.join("mod.rs").is_file() {
            let stem = path.file_name().unwrap_or_default().to_string_lossy();
            let text = std::fs::read_to_string(path.join("mod.rs"))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            files.insert(stem.into_owned(), text);
            continue;
        }
        if path.extension().is_some_and(|e| e == "rs") {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            files.insert(stem.into_owned(), text);
        }
    }
    match find_cycle(&graph(&files, name)) {
        None => Ok(()),
        Some(c) => Err(format!("import circle: {}", c.join(" -> "))),
    }
}

/// File → the sibling files it names (`mod` for items of `mod.rs`).
fn graph(files: &BTreeMap<String, String>, dir_name: &str) -> BTreeMap<String, Vec<String>> {
    let crate_prefix = format!("crate::{dir_name}::");
    files
        .iter()
        .map(|(file, text)| {
            let code = code_only(text);
            let mut deps = Vec::new();
            let mut names = sibling_names(&code, &crate_prefix);
            if file == "mod" {
                // The parent reaches every child it declares.
                names.extend(declared_mods(&code));
            }
            for first in names {
                let to = if files.contains_key(&first) && first != "mod" {
                    first
                } else {
                    "mod".to_owned()
                };
                if &to != file && !deps.contains(&to) {
                    deps.push(to);
                }
            }
            (file.clone(), deps)
        })
        .collect()
}

/// The text with comments, string and char literals blanked out (lengths
/// kept), and `$crate` turned into `$_____` so macro bodies do not count.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(if b[i] == b'\n' { b'\n' } else { b' ' });
                    i += 1;
                }
            }
        } else if b[i] == b'"' {
            out.push(b' ');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                let n = if b[i] == b'\\' { 2 } else { 1 };
                for _ in 0..n.min(b.len() - i) {
                    out.push(if b[i] == b'\n' { b'\n' } else { b' ' });
                    i += 1;
                }
            }
            out.push(b' ');
            i += 1;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '"') or a lifetime ('a).
            let len = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else if b.get(i + 2) == Some(&b'\'') {
                Some(3)
            } else {
                None
            };
            let len = len.unwrap_or(1).min(b.len() - i);
            out.extend(std::iter::repeat_n(b' ', len));
            i += len;
        } else if b[i..].starts_with(b"$crate") {
            out.extend_from_slice(b"$_____");
            i += 6;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The file modules `code` declares (`mod name;`, any visibility).
fn declared_mods(code: &str) -> Vec<String> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    for (i, _) in code.match_indices("mod ") {
        if i > 0 && is_ident(b[i - 1]) {
            continue;
        }
        let rest = &code[i + 4..];
        let n = rest.bytes().take_while(|&c| is_ident(c)).count();
        if n > 0 && rest[n..].trim_start().starts_with(';') {
            out.push(rest[..n].to_owned());
        }
    }
    out
}

/// The first path segments after every `super::` (that leaves the file)
/// and every `crate_prefix` in `code`, expanding `{a, b::c}` groups.
fn sibling_names(code: &str, crate_prefix: &str) -> Vec<String> {
    let b = code.as_bytes();
    let mut names = Vec::new();
    // Brace depths at which an inline `mod name {` opened, innermost last.
    let mut mods: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let at_word = i == 0 || !is_ident(b[i - 1]);
        if b[i] == b'{' {
            depth += 1;
        } else if b[i] == b'}' {
            if mods.last() == Some(&depth) {
                mods.pop();
            }
            depth = depth.saturating_sub(1);
        } else if at_word && b[i..].starts_with(b"mod ") {
            // `mod name {` (inline) or `mod name;` (a file: nothing to track).
            let rest = &code[i + 4..];
            let name_len = rest.bytes().take_while(|&c| is_ident(c)).count();
            if rest[name_len..].trim_start().starts_with('{') {
                mods.push(depth + 1);
            }
        } else if at_word && b[i..].starts_with(b"super::") {
            let mut j = i;
            let mut ups = 0;
            while code[j..].starts_with("super::") {
                ups += 1;
                j += 7;
            }
            // `super` inside inline modules first climbs out of them.
            if ups > mods.len() {
                names.extend(group_heads(&code[j..]));
            }
            i = j;
            continue;
        } else if at_word && b[i..].starts_with(crate_prefix.as_bytes()) {
            let j = i + crate_prefix.len();
            names.extend(group_heads(&code[j..]));
            i = j;
            continue;
        }
        i += 1;
    }
    names
}

/// The first segment of the path at the start of `rest`, or of each
/// element of a leading `{...}` group.
fn group_heads(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(inner) = rest.strip_prefix('{') {
        let mut heads = Vec::new();
        let mut depth = 0;
        let mut start = 0;
        for (k, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    heads.extend(head(&inner[start..k]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    heads.extend(head(&inner[start..k]));
                    start = k + 1;
                }
                _ => {}
            }
        }
        heads
    } else {
        head(rest).into_iter().collect()
    }
}

/// The leading identifier of `s` (`*` counts as `mod`; `self` as nothing).
fn head(s: &str) -> Option<String> {
    let s = s.trim_start();
    if s.starts_with('*') {
        return Some("mod".to_owned());
    }
    let n = s.bytes().take_while(|&c| is_ident(c)).count();
    let id = &s[..n];
    (!id.is_empty() && id != "self").then(|| id.to_owned())
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// A cycle of `g` as a path that starts and ends at the same node, if any.
fn find_cycle(g: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit<'a>(
        n: &'a str,
        g: &'a BTreeMap<String, Vec<String>>,
        mark: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        mark.insert(n, Mark::Open);
        path.push(n);
        for m in g.get(n).into_iter().flatten() {
            match mark.get(m.as_str()).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = path.iter().position(|p| p == m).unwrap_or(0);
                    let mut c: Vec<String> = path[from..].iter().map(|s| s.to_string()).collect();
                    c.push(m.clone());
                    return Some(c);
                }
                Mark::New => {
                    if let Some(c) = visit(m, g, mark, path) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        mark.insert(n, Mark::Done);
        None
    }
    let mut mark = BTreeMap::new();
    for n in g.keys() {
        if mark.get(n.as_str()).copied().unwrap_or(Mark::New) == Mark::New
            && let Some(c) = visit(n, g, &mut mark, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn a_two_file_circle_is_found() {
        let f = files(&[
            ("mod", "mod a; mod b;"),
            ("a", "use super::b::X;"),
            (
                "b",
                "use super::{a::{self, Y}, c};\nfn f() { super::a::z() }",
            ),
        ]);
        let c = find_cycle(&graph(&f, "executor")).expect("a cycle");
        assert_eq!(c.first(), c.last());
        assert!(c.contains(&"a".to_owned()) && c.contains(&"b".to_owned()));
    }

    #[test]
    fn a_chain_with_tests_comments_and_macros_is_not_a_circle() {
        let f = files(&[
            ("mod", "mod a; mod b; pub use a::A; pub use b::B;"),
            ("a", "use crate::executor::b::B; // super::mod_item\n"),
            (
                "b",
                "/* use super::a; */ const S: &str = \"super::a\";\n\
                 macro_rules! m { () => { $crate::executor::a::A } }\n\
                 #[cfg(test)] mod tests { use super::*; fn t() { super::super::b::x() } }",
            ),
        ]);
        let g = graph(&f, "executor");
        assert_eq!(g["a"], vec!["b".to_owned()]);
        assert!(g["b"].is_empty(), "{g:?}");
        assert_eq!(find_cycle(&g), None);
    }

    #[test]
    fn the_checked_directories_have_no_circles() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for dir in DIRS {
            let name = dir.trim_start_matches("src/");
            assert_eq!(check_dir(&root.join(dir), name), Ok(()), "{dir}");
        }
    }

    #[test]
    fn importing_a_mod_rs_item_back_is_a_circle() {
        let f = files(&[
            ("mod", "mod a; pub use a::A; pub enum E {}"),
            ("a", "use super::E;"),
        ]);
        assert!(find_cycle(&graph(&f, "executor")).is_some());
    }
}
