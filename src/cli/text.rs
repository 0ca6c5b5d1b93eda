//! Text from sources (names, comments, descriptions, view SQL) shown on a terminal. Any of it
//! may hold escape sequences that would retitle the window, clear the screen or hide what
//! follows (`\e]0;...\a`, `\e[2J`), or bidirectional overrides that reorder what is shown.
//! Human-facing output passes it through [`escaped`]; JSON output stays exact.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: control characters (C0, DEL, C1) and the
/// bidirectional embedding, override and isolate marks.
fn unsafe_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character unsafe on a terminal written as a Rust escape (`\u{1b}`,
/// `\n`, `\t`); other characters, accents and scripts included, stay as they are.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_on_terminal(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_reach_the_terminal_as_text() {
        assert_eq!(escaped("\u{1b}]0;pwned\u{7}name"), "\\u{1b}]0;pwned\\u{7}name");
        assert_eq!(escaped("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escaped("line\nbreak\ttab\r"), "line\\nbreak\\ttab\\r");
        assert_eq!(escaped("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escaped("evil\u{202E}txt.exe"), "evil\\u{202e}txt.exe");
        assert!(matches!(escaped("Müller 東京 🙂"), Cow::Borrowed("Müller 東京 🙂")));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn terminal_text_holds_no_control_characters(v in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a-z ]{0,40}") {
            let shown = escaped(&v);
            prop_assert!(!shown.chars().any(unsafe_on_terminal), "{:?}", shown);
            // Nothing is lost: text without unsafe characters is shown as it is.
            if !v.chars().any(unsafe_on_terminal) {
                prop_assert_eq!(shown.as_ref(), v.as_str());
            }
        }
    }
}
