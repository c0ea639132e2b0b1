//! Rename local variables whose names are not valid Python identifiers
//! (`'/ * && '`, `'with ^ raise '`), keeping the mapping. Arguments (callers
//! may pass them by keyword) and cell/free variables (nested code objects
//! name them) keep their names.

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "exec", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "print", "raise", "return",
    "try", "while", "with", "yield",
];

/// Whether `name` can be written in Python source as an identifier.
pub fn is_valid_identifier(name: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(name) else {
        return false;
    };
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !(first == '_' || first.is_alphabetic()) {
        return false;
    }
    if !chars.all(|c| c == '_' || c.is_alphanumeric()) {
        return false;
    }
    !KEYWORDS.contains(&s)
}

/// New names for the renamable entries of `names` (index, old, new); `fixed`
/// is how many leading entries are arguments, `keep` marks other entries
/// that must keep their names.
pub fn plan(names: &[Vec<u8>], fixed: usize, keep: &[bool]) -> Vec<(usize, Vec<u8>, String)> {
    let taken: std::collections::HashSet<&[u8]> = names.iter().map(|n| n.as_slice()).collect();
    let mut out = Vec::new();
    let mut counter = 0usize;
    for (i, n) in names.iter().enumerate() {
        if i < fixed || keep.get(i).copied().unwrap_or(false) || is_valid_identifier(n) {
            continue;
        }
        let new = loop {
            let cand = format!("_var{counter}");
            counter += 1;
            if !taken.contains(cand.as_bytes()) {
                break cand;
            }
        };
        out.push((i, n.clone(), new));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_garbage_only() {
        assert!(is_valid_identifier(b"total"));
        assert!(!is_valid_identifier(b"/ * && "));
        assert!(!is_valid_identifier(b"with ^ raise "));
        assert!(!is_valid_identifier(b"class"));
        let names = vec![
            b"a".to_vec(),
            b"/ * && ".to_vec(),
            b"ok".to_vec(),
            b"with ^ raise ".to_vec(),
            b"x y".to_vec(),
        ];
        let p = plan(&names, 1, &[false, false, false, false, true]);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].2, "_var0");
        assert_eq!(p[1].0, 3);
        // an argument keeps its name
        assert!(plan(&names, 2, &[]).iter().all(|r| r.0 >= 2));
    }
}
