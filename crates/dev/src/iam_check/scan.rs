//! The source read as text: each `fn` with its owner (the `impl`'s type),
//! the SDK operations it calls and the functions it calls by name, and what
//! is reachable from a Lambda function's entry points.
use std::collections::BTreeSet;

/// Client methods that are not AWS operations.
const NOT_OPERATIONS: &[&str] = &["config", "clone"];

/// One `fn` of the source.
#[derive(Debug, Clone)]
struct Item {
    file: String,
    owner: String,
    name: String,
    body: String,
}

impl Item {
    fn id(&self) -> String {
        format!("{}::{}", self.owner, self.name)
    }
}

fn strip_line_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Index of the `}` matching the `{` at `open`.
fn matching_brace(bytes: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    bytes.len()
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Positions of the keyword `word` as a whole word.
fn word_positions(text: &str, word: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    text.match_indices(word)
        .map(|(i, _)| i)
        .filter(|&i| {
            (i == 0 || !is_ident(bytes[i - 1]))
                && bytes.get(i + word.len()).is_none_or(|&b| !is_ident(b))
        })
        .collect()
}

fn ident_at(text: &str, from: usize) -> String {
    text[from..]
        .trim_start()
        .bytes()
        .take_while(|&b| is_ident(b))
        .map(char::from)
        .collect()
}

/// The `fn`s of one file, with the type of the `impl` around each.
fn items_of(file: &str, source: &str) -> Vec<Item> {
    let text = strip_line_comments(source);
    let bytes = text.as_bytes();
    let mut impls: Vec<(usize, usize, String)> = Vec::new();
    for at in word_positions(&text, "impl") {
        let Some(open) = text[at..].find(['{', ';']).map(|o| at + o) else {
            continue;
        };
        if bytes[open] != b'{' {
            continue;
        }
        let header = &text[at + 4..open];
        // `impl<T> Trait for Type<T>` -> Type; `impl<T> Type<T>` -> Type.
        let target = match header.rfind(" for ") {
            Some(f) => &header[f + 5..],
            None if header.trim_start().starts_with('<') => {
                &header[header.find('>').map_or(0, |g| g + 1)..]
            }
            None => header,
        };
        let path = target.trim().split('<').next().unwrap_or_default();
        let name = path
            .rsplit("::")
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        impls.push((open, matching_brace(bytes, open), name));
    }
    let mut items = Vec::new();
    for at in word_positions(&text, "fn") {
        let name = ident_at(&text, at + 2);
        let Some(open) = text[at..].find(['{', ';']).map(|o| at + o) else {
            continue;
        };
        if bytes[open] != b'{' {
            continue; // a trait method's declaration
        }
        let close = matching_brace(bytes, open);
        let owner = impls
            .iter()
            .filter(|(o, c, _)| *o < at && at < *c)
            .max_by_key(|(o, _, _)| *o)
            .map(|(_, _, n)| n.clone())
            .unwrap_or_default();
        items.push(Item {
            file: file.to_string(),
            owner,
            name,
            body: text[open..=close.min(text.len() - 1)].to_string(),
        });
    }
    items
}

/// SDK operations called directly in `body`.
fn operations_in(body: &str) -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    for at in word_positions(body, "client") {
        let rest = body[at + "client".len()..].trim_start();
        if let Some(after_dot) = rest.strip_prefix('.') {
            let op = ident_at(after_dot, 0);
            let called = after_dot.trim_start()[op.len()..]
                .trim_start()
                .starts_with('(');
            if called && !op.is_empty() && !NOT_OPERATIONS.contains(&op.as_str()) {
                ops.insert(op);
            }
        }
    }
    for kind in ["Put", "Update", "Delete", "ConditionCheck"] {
        if !word_positions(body, &format!("{kind}::builder")).is_empty()
            || body.contains(&format!(" {kind}::builder("))
        {
            ops.insert(format!("transact:{kind}"));
        }
    }
    ops
}

/// Names called in `body` (`name(`, `.name(`, `::name(`).
fn calls_in(body: &str) -> BTreeSet<String> {
    let bytes = body.as_bytes();
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if is_ident(bytes[i]) && (i == 0 || !is_ident(bytes[i - 1])) {
            let name = ident_at(body, i);
            let after = i + name.len();
            if body[after..].trim_start().starts_with('(') {
                names.insert(name.clone());
            }
            i = after.max(i + 1);
        } else {
            i += 1;
        }
    }
    names
}

pub(super) struct Scan {
    items: Vec<Item>,
}

impl Scan {
    pub(super) fn from_sources(sources: &[(String, String)]) -> Self {
        let items = sources
            .iter()
            .flat_map(|(file, text)| items_of(file, text))
            .collect();
        Self { items }
    }

    fn matches(item: &Item, pattern: &str) -> bool {
        let (owner, name) = pattern.split_once("::").unwrap_or(("", pattern));
        item.owner == owner && (name == "*" || item.name == name)
    }

    /// SDK operations reachable from the items matching `entries`.
    pub(super) fn reachable(&self, entries: &[&str]) -> (BTreeSet<String>, BTreeSet<usize>) {
        let mut seen: BTreeSet<usize> = BTreeSet::new();
        let mut todo: Vec<usize> = (0..self.items.len())
            .filter(|&i| entries.iter().any(|e| Self::matches(&self.items[i], e)))
            .collect();
        let mut ops = BTreeSet::new();
        while let Some(i) = todo.pop() {
            if !seen.insert(i) {
                continue;
            }
            let item = &self.items[i];
            ops.extend(operations_in(&item.body));
            let called = calls_in(&item.body);
            for (j, other) in self.items.iter().enumerate() {
                let related = other.file == item.file
                    || (!other.owner.is_empty() && other.owner == item.owner);
                if j != i && related && called.contains(&other.name) {
                    todo.push(j);
                }
            }
        }
        (ops, seen)
    }

    /// Functions that call AWS but run in no Lambda function and are not local-only.
    pub(super) fn unclassified(
        &self,
        lambda_entries: &[&[&str]],
        local_only: &[&str],
    ) -> Vec<String> {
        let mut covered = BTreeSet::new();
        for entries in lambda_entries {
            covered.extend(self.reachable(entries).1);
        }
        self.items
            .iter()
            .enumerate()
            .filter(|(i, item)| {
                !covered.contains(i)
                    && !operations_in(&item.body).is_empty()
                    && !local_only.iter().any(|l| {
                        item.file.starts_with(l) || item.file == *l || Self::matches(item, l)
                    })
            })
            .map(|(_, item)| format!("{} ({})", item.id(), item.file))
            .collect()
    }
}
