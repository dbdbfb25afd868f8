//! `targets/*.toml`: one data file per supported target. Adding a target is
//! adding a file; this module reads them.
//!
//! The files use a small TOML subset that this module parses itself (keeping
//! the xtask free of dependencies): `key = "string"`, `key = true|false`,
//! `key = 123`, `key = ["a", "b"]` (may span lines), `#` comments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One value in a target file.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Bool(bool),
    Int(i64),
    List(Vec<String>),
}

/// A parsed `targets/NAME.toml`.
#[derive(Clone, Debug)]
pub struct Target {
    /// File stem: what `--target` selects.
    pub name: String,
    #[allow(dead_code)]
    pub path: PathBuf,
    pub fields: BTreeMap<String, Value>,
}

impl Target {
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.fields.get(key) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.fields.get(key) {
            Some(Value::List(l)) => l.clone(),
            Some(Value::Str(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
    pub fn bool(&self, key: &str) -> bool {
        matches!(self.fields.get(key), Some(Value::Bool(true)))
    }
    #[allow(dead_code)]
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.fields.get(key) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }
    /// The Rust target triple.
    pub fn triple(&self) -> &str {
        self.str("triple").unwrap_or("?")
    }
    /// What kind of target this is: `linux-user` (freestanding Linux ELF run
    /// natively and/or under QEMU user mode) or `qemu-system` (microcontroller).
    pub fn kind(&self) -> &str {
        self.str("kind").unwrap_or("linux-user")
    }
    /// The runner command line (program and arguments).
    pub fn runner(&self) -> Vec<String> {
        self.list("runner")
    }
    /// The Debian package that provides the runner.
    pub fn runner_package(&self) -> Option<&str> {
        self.str("runner-package")
    }
    /// Whether programs for this target also run directly on this machine.
    pub fn runs_natively(&self) -> bool {
        let arch = self.str("arch").unwrap_or("");
        self.bool("native") && arch == std::env::consts::ARCH
    }
}

pub fn targets_dir(root: &Path) -> PathBuf {
    root.join("targets")
}

/// All targets, sorted by name.
pub fn load_all(root: &Path) -> Result<Vec<Target>, String> {
    let dir = targets_dir(root);
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        out.push(load(&path)?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Finds a target by name (file stem) or by Rust triple.
pub fn find(root: &Path, name: &str) -> Result<Target, String> {
    let all = load_all(root)?;
    let names: Vec<_> = all.iter().map(|t| t.name.clone()).collect();
    all.into_iter()
        .find(|t| t.name == name || t.triple() == name)
        .ok_or_else(|| format!("unknown target `{name}`; known: {}", names.join(", ")))
}

pub fn load(path: &Path) -> Result<Target, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let fields = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    Ok(Target {
        name,
        path: path.to_owned(),
        fields,
    })
}

/// Parses the TOML subset described in the module docs.
pub fn parse(text: &str) -> Result<BTreeMap<String, Value>, String> {
    let mut fields = BTreeMap::new();
    let mut lines = text.lines().enumerate();
    while let Some((no, raw)) = lines.next() {
        let line = strip_comment(raw).trim().to_owned();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected `key = value`", no + 1))?;
        let key = key.trim().to_owned();
        let mut value = value.trim().to_owned();
        if value.starts_with('[') {
            // Arrays may continue over several lines until the closing bracket.
            while !value.ends_with(']') {
                let (_, more) = lines
                    .next()
                    .ok_or_else(|| format!("line {}: unterminated array", no + 1))?;
                value.push(' ');
                value.push_str(strip_comment(more).trim());
            }
            let inner = &value[1..value.len() - 1];
            let mut items = Vec::new();
            let mut rest = inner.trim();
            while !rest.is_empty() {
                let (item, tail) = parse_string(rest)
                    .ok_or_else(|| format!("line {}: array items must be strings", no + 1))?;
                items.push(item);
                rest = tail.trim_start().trim_start_matches(',').trim_start();
            }
            fields.insert(key, Value::List(items));
        } else if value.starts_with('"') {
            let (s, tail) =
                parse_string(&value).ok_or_else(|| format!("line {}: bad string", no + 1))?;
            if !tail.trim().is_empty() {
                return Err(format!("line {}: trailing characters", no + 1));
            }
            fields.insert(key, Value::Str(s));
        } else if value == "true" || value == "false" {
            fields.insert(key, Value::Bool(value == "true"));
        } else if let Ok(i) = value.replace('_', "").parse::<i64>() {
            fields.insert(key, Value::Int(i));
        } else if let Some(hex) = value.strip_prefix("0x") {
            let i = i64::from_str_radix(&hex.replace('_', ""), 16)
                .map_err(|_| format!("line {}: bad number", no + 1))?;
            fields.insert(key, Value::Int(i));
        } else {
            return Err(format!("line {}: cannot parse value `{value}`", no + 1));
        }
    }
    Ok(fields)
}

fn strip_comment(line: &str) -> &str {
    // A `#` outside a string starts a comment.
    let mut in_str = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '#' if !in_str => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Parses a leading `"..."` (with `\"` and `\\` escapes); returns it and the rest.
fn parse_string(s: &str) -> Option<(String, &str)> {
    let s = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 1..])),
            '\\' => out.push(chars.next()?.1),
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_subset() {
        let f = parse(
            "# c\nname = \"x#y\" # trailing\nnative = true\nram = 0x2000_0000\nflags = [\"-C\",\n  \"a=b\", # c\n]\nn = 5\n",
        )
        .unwrap();
        assert_eq!(f["name"], Value::Str("x#y".into()));
        assert_eq!(f["native"], Value::Bool(true));
        assert_eq!(f["ram"], Value::Int(0x2000_0000));
        assert_eq!(f["flags"], Value::List(vec!["-C".into(), "a=b".into()]));
        assert_eq!(f["n"], Value::Int(5));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse("novalue\n").is_err());
        assert!(parse("a = [\"x\"\n").is_err());
        assert!(parse("a = what\n").is_err());
    }

    #[test]
    fn every_target_file_parses() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let all = load_all(root).unwrap();
        assert!(!all.is_empty());
        for t in all {
            assert!(t.str("triple").is_some(), "{} has no triple", t.name);
        }
    }
}
