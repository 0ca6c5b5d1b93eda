//! Reads comments out of SQLite `CREATE TABLE` text, the only place SQLite keeps them.
//!
//! Convention understood: a comment before the first column (or before the opening
//! parenthesis) describes the table; a comment on the same line as a column definition,
//! or on its own lines just before it, describes that column.

use std::collections::HashMap;

/// Comments found in one `CREATE TABLE` statement.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct DdlComments {
    pub table: Option<String>,
    pub columns: HashMap<String, String>,
}

#[derive(Default)]
struct Item {
    text: String,
    leading: Vec<String>,
    inner: Vec<String>,
    trailing: Vec<String>,
    end_line: usize,
}

/// Extracts table and column comments from a `CREATE TABLE` statement.
pub(crate) fn comments(sql: &str) -> DdlComments {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = DdlComments::default();
    let mut table_comments: Vec<String> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    let mut current = Item::default();
    let mut depth = 0usize;
    let mut line = 0usize;
    let mut started = false; // seen the opening parenthesis
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // Comments
        let comment = if c == '-' && chars.get(i + 1) == Some(&'-') {
            let start = i + 2;
            let mut j = start;
            while j < chars.len() && chars[j] != '\n' {
                j += 1;
            }
            let text: String = chars[start..j].iter().collect();
            i = j;
            Some(text)
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let start = i + 2;
            let mut j = start;
            while j + 1 < chars.len() && !(chars[j] == '*' && chars[j + 1] == '/') {
                if chars[j] == '\n' {
                    line += 1;
                }
                j += 1;
            }
            let text: String = chars[start..j.min(chars.len())].iter().collect();
            i = (j + 2).min(chars.len());
            Some(text)
        } else {
            None
        };
        if let Some(text) = comment {
            // A comment separates tokens: `a/* x */b` is two words, never `ab`.
            if depth >= 1 {
                current.text.push(' ');
            }
            let text = text.trim().to_string();
            if text.is_empty() {
                continue;
            }
            if !started || depth == 0 {
                if !started {
                    table_comments.push(text);
                }
            } else if depth == 1 {
                let has_tokens = !current.text.trim().is_empty();
                if has_tokens {
                    current.inner.push(text);
                } else if let Some(prev) = items.last_mut().filter(|p| p.end_line == line) {
                    prev.trailing.push(text);
                } else if items.is_empty() {
                    table_comments.push(text);
                } else {
                    current.leading.push(text);
                }
            } else {
                current.inner.push(text);
            }
            continue;
        }
        match c {
            '\n' => {
                line += 1;
                if depth >= 1 {
                    current.text.push(' ');
                }
            }
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let mut j = i + 1;
                while j < chars.len() {
                    if chars[j] == close {
                        if close != ']' && chars.get(j + 1) == Some(&close) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    if chars[j] == '\n' {
                        line += 1;
                    }
                    j += 1;
                }
                let end = j.min(chars.len().saturating_sub(1));
                if depth >= 1 {
                    current.text.extend(&chars[i..=end]);
                }
                i = end + 1;
                continue;
            }
            '(' => {
                depth += 1;
                if depth == 1 && !started {
                    started = true;
                } else {
                    current.text.push(c);
                }
            }
            ')' => {
                if depth == 1 {
                    current.end_line = line;
                    if !current.text.trim().is_empty() {
                        items.push(std::mem::take(&mut current));
                    }
                } else if depth > 1 {
                    current.text.push(c);
                }
                depth = depth.saturating_sub(1);
            }
            ',' if depth == 1 => {
                current.end_line = line;
                items.push(std::mem::take(&mut current));
            }
            _ => {
                if depth >= 1 {
                    current.text.push(c);
                }
            }
        }
        i += 1;
    }

    if !table_comments.is_empty() {
        out.table = Some(table_comments.join(" "));
    }
    for item in items {
        let Some(name) = first_identifier(&item.text) else { continue };
        let upper = name.to_ascii_uppercase();
        if matches!(upper.as_str(), "CONSTRAINT" | "PRIMARY" | "FOREIGN" | "UNIQUE" | "CHECK")
            && !item.text.trim_start().starts_with(['"', '`', '['])
        {
            continue;
        }
        let parts: Vec<String> = item.leading.into_iter().chain(item.inner).chain(item.trailing).collect();
        if !parts.is_empty() {
            out.columns.insert(name, parts.join(" "));
        }
    }
    out
}

/// The first identifier of a column definition, unquoted.
pub(crate) fn first_identifier(text: &str) -> Option<String> {
    let t = text.trim_start();
    let first = t.chars().next()?;
    let close = match first {
        '"' => '"',
        '`' => '`',
        '[' => ']',
        _ => {
            let word: String = t.chars().take_while(|c| !c.is_whitespace() && *c != '(').collect();
            return (!word.is_empty()).then_some(word);
        }
    };
    let rest = &t[first.len_utf8()..];
    let mut name = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == close {
            if close != ']' && chars.peek() == Some(&close) {
                name.push(c);
                chars.next();
                continue;
            }
            break;
        }
        name.push(c);
    }
    Some(name)
}

/// The query of a `CREATE VIEW name [(cols)] AS query` statement.
pub(crate) fn view_query(sql: &str) -> String {
    let upper = sql.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i + 1 < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
        } else {
            match b {
                b'\'' | b'"' | b'`' => quote = Some(b),
                b'[' => quote = Some(b']'),
                b'(' => depth += 1,
                b')' => depth -= 1,
                b'A' if depth == 0
                    && bytes[i + 1] == b'S'
                    && i > 0
                    && !is_word(bytes[i - 1])
                    && bytes.get(i + 2).is_none_or(|c| !is_word(*c)) =>
                {
                    return sql[i + 2..].trim().trim_end_matches(';').trim().to_string();
                }
                _ => {}
            }
        }
        i += 1;
    }
    sql.trim().to_string()
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_column_comments() {
        let sql = "CREATE TABLE customers -- people who bought something\n(\n  -- one row per account\n  id INTEGER PRIMARY KEY, -- surrogate key\n  email TEXT NOT NULL, -- login e-mail, unique\n  -- date of birth as given at sign-up\n  birth_date DATE,\n  note TEXT DEFAULT 'a, b -- not a comment' /* free text */\n, CONSTRAINT x UNIQUE (email) -- ignored\n)";
        let c = comments(sql);
        assert_eq!(c.table.as_deref(), Some("people who bought something one row per account"));
        assert_eq!(c.columns.get("id").map(String::as_str), Some("surrogate key"));
        assert_eq!(c.columns.get("email").map(String::as_str), Some("login e-mail, unique"));
        assert_eq!(c.columns.get("birth_date").map(String::as_str), Some("date of birth as given at sign-up"));
        assert_eq!(c.columns.get("note").map(String::as_str), Some("free text"));
        assert_eq!(c.columns.len(), 4);
    }

    #[test]
    fn quoted_names_and_no_comments() {
        let c = comments("CREATE TABLE \"a b\" (\"first name\" TEXT, -- given name\n [x] INT)");
        assert_eq!(c.columns.get("first name").map(String::as_str), Some("given name"));
        assert_eq!(comments("CREATE TABLE t (a INT, b TEXT)"), DdlComments::default());
    }

    #[test]
    fn view_query_is_the_select() {
        assert_eq!(view_query("CREATE VIEW v AS SELECT a FROM t;"), "SELECT a FROM t");
        assert_eq!(view_query("CREATE VIEW \"as\"(x) AS\n select x as y from t"), "select x as y from t");
    }
}
