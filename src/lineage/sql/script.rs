//! How a script is cut into statements (at semicolons outside quotes, comments and dollar
//! quotes), how a statement is fingerprinted, and how parser messages name the script's lines.

use super::SqlDialect;
use sha2::{Digest, Sha256};
use sqlparser::tokenizer::Token;

/// SHA-256 (hex) of a statement's tokens without whitespace and comments: the same statement
/// laid out or commented otherwise has the same fingerprint.
pub(super) fn token_hash(tokens: &[sqlparser::tokenizer::TokenWithSpan]) -> String {
    use std::fmt::Write as _;
    struct Feed(Sha256);
    impl std::fmt::Write for Feed {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.update(s.as_bytes());
            Ok(())
        }
    }
    let mut feed = Feed(Sha256::new());
    for t in tokens {
        if !matches!(t.token, Token::Whitespace(_) | Token::EOF) {
            let _ = write!(feed, "{} ", t.token);
        }
    }
    feed.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A parser or tokenizer message with its `Line: N` moved down by `shift` lines: statements are
/// read on their own, the message names the line of the whole script.
pub(super) fn shift_lines(message: &str, shift: u64) -> String {
    const MARK: &str = "Line: ";
    let mut out = String::with_capacity(message.len() + 4);
    let mut rest = message;
    while let Some(i) = rest.find(MARK) {
        let (head, tail) = rest.split_at(i + MARK.len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        match tail[..digits].parse::<u64>() {
            Ok(n) => out.push_str(&(n + shift).to_string()),
            Err(_) => out.push_str(&tail[..digits]),
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// Byte ranges of a script's statements: split at semicolons outside quoted text and names,
/// comments and (PostgreSQL) dollar quotes. Unterminated quoting runs to the end of the text.
pub(super) fn split_statements(sql: &str, dialect: SqlDialect) -> Vec<std::ops::Range<usize>> {
    let b = sql.as_bytes();
    let (pg, mysql, sqlite) = (dialect == SqlDialect::Postgres, dialect == SqlDialect::MySql, dialect == SqlDialect::Sqlite);
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let end_of_line = |from: usize| b[from..].iter().position(|&c| c == b'\n').map(|p| from + p).unwrap_or(b.len());
    let mut out = Vec::new();
    let (mut i, mut start) = (0usize, 0usize);
    while i < b.len() {
        let next = b.get(i + 1).copied();
        i = match b[i] {
            b';' => {
                out.push(start..i);
                start = i + 1;
                i + 1
            }
            b'\'' => {
                // MySQL strings, and PostgreSQL's E'...' strings, take backslash escapes.
                let e_string = pg && i > 0 && matches!(b[i - 1], b'E' | b'e') && (i < 2 || !ident(b[i - 2]));
                skip_quoted(b, i, b'\'', mysql || e_string)
            }
            b'"' => skip_quoted(b, i, b'"', mysql),
            b'`' if !pg => skip_quoted(b, i, b'`', false),
            b'[' if sqlite => b[i..].iter().position(|&c| c == b']').map(|p| i + p + 1).unwrap_or(b.len()),
            b'-' if next == Some(b'-') => end_of_line(i),
            b'#' if mysql => end_of_line(i),
            b'/' if next == Some(b'*') => {
                // PostgreSQL nests block comments; the others end at the first `*/`.
                let mut depth = 0usize;
                let mut j = i;
                loop {
                    if j + 1 >= b.len() {
                        break b.len();
                    }
                    if b[j] == b'/' && b[j + 1] == b'*' && (pg || depth == 0) {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b[j + 1] == b'/' {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break j;
                        }
                    } else {
                        j += 1;
                    }
                }
            }
            b'$' if pg => {
                // $tag$ ... $tag$ (the tag may be empty); `$1` is a parameter.
                let tag_len = b[i + 1..].iter().take_while(|&&c| ident(c)).count();
                let starts_ok = tag_len == 0 || !b[i + 1].is_ascii_digit();
                if starts_ok && b.get(i + 1 + tag_len) == Some(&b'$') {
                    let tag = &b[i..i + tag_len + 2];
                    let body = i + tag.len();
                    b[body..].windows(tag.len()).position(|w| w == tag).map(|p| body + p + tag.len()).unwrap_or(b.len())
                } else {
                    i + 1
                }
            }
            _ => i + 1,
        };
    }
    out.push(start..b.len());
    out
}

/// The end of the quoted text starting at `i` (after its closing quote; a doubled quote is
/// one quote character).
fn skip_quoted(b: &[u8], i: usize, quote: u8, backslash: bool) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        if backslash && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == quote {
            if b.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}
