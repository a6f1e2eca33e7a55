//! The one case fold used wherever SCIM compares strings whose attribute is not `caseExact`.
//!
//! Filter evaluation, the SQL translation in `scim-store` (which keeps folded copies of such
//! values) and uniqueness checks must all agree on what "equal ignoring case" means; they agree
//! because they all call [`fold_case`].

use std::borrow::Cow;

/// Folds `text` for case-insensitive comparison: every character is replaced by its Unicode
/// lowercase mapping ([`char::to_lowercase`]).
///
/// The fold is applied character by character on purpose. [`str::to_lowercase`] also applies the
/// context-dependent rule for Greek final sigma, which makes the fold of a string differ from the
/// concatenation of the folds of its pieces; folding character by character keeps
/// `fold(a + b) == fold(a) + fold(b)`, so `co`, `sw` and `ew` on folded strings mean what they
/// say. Two strings are equal ignoring case exactly when their folds are equal, and case-insensitive
/// ordering (`gt`, `lt`...) is the byte order of the folded strings, which for UTF-8 is Unicode
/// code point order.
///
/// The result borrows `text` when folding changes nothing.
///
/// ```
/// use scim_core::fold_case;
///
/// assert_eq!(fold_case("BJensen@Example.COM"), "bjensen@example.com");
/// assert_eq!(fold_case("ÅSA"), "åsa");
/// assert_eq!(fold_case("ΟΔΟΣ"), "οδοσ");
/// assert!(matches!(fold_case("already folded"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn fold_case(text: &str) -> Cow<'_, str> {
    let unchanged = |c: char| {
        let mut lower = c.to_lowercase();
        lower.next() == Some(c) && lower.next().is_none()
    };
    if text.bytes().all(|b| !b.is_ascii_uppercase())
        && (text.is_ascii() || text.chars().all(unchanged))
    {
        Cow::Borrowed(text)
    } else if text.is_ascii() {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Owned(text.chars().flat_map(char::to_lowercase).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_is_compositional() {
        let pieces = ["ΟΔΟ", "Σ", "İstanbul", "ǅ", "STRASSE", "ß"];
        for a in pieces {
            for b in pieces {
                let joined = format!("{a}{b}");
                assert_eq!(
                    fold_case(&joined),
                    format!("{}{}", fold_case(a), fold_case(b))
                );
            }
        }
    }

    #[test]
    fn fold_is_idempotent_and_borrows_when_possible() {
        for text in ["", "abc", "ÅSA", "İ", "ǅ", "Ⅻ", "日本"] {
            let once = fold_case(text).into_owned();
            assert_eq!(fold_case(&once), once.as_str());
            assert!(matches!(fold_case(&once), Cow::Borrowed(_)), "{text:?}");
        }
        assert!(matches!(fold_case("ǅ"), Cow::Owned(_)));
    }
}
