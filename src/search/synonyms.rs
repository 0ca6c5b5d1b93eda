//! Words people use for the same thing: abbreviations and the common German, French,
//! Spanish, Italian, Dutch, Polish and Swedish words, mapped onto English ones. Users extend
//! the list in the `[search.synonyms]` configuration section.

use crate::classify::words::{fold, split_identifier};
use std::collections::{BTreeMap, HashMap, HashSet};

const BUILT_IN: &[(&str, &str)] = &[
    ("cust", "customer"),
    ("custs", "customer"),
    ("client", "customer"),
    ("kunde", "customer"),
    ("kunden", "customer"),
    ("cliente", "customer"),
    ("clientes", "customer"),
    ("clienti", "customer"),
    ("klant", "customer"),
    ("klanten", "customer"),
    ("klient", "customer"),
    ("klienci", "customer"),
    ("kund", "customer"),
    ("kunder", "customer"),
    ("addr", "address"),
    ("adresse", "address"),
    ("adress", "address"),
    ("direccion", "address"),
    ("indirizzo", "address"),
    ("adres", "address"),
    ("anschrift", "address"),
    ("dob", "date of birth"),
    ("birthdate", "date of birth"),
    ("birthday", "date of birth"),
    ("geburtsdatum", "date of birth"),
    ("naissance", "birth"),
    ("nacimiento", "birth"),
    ("nascita", "birth"),
    ("geboortedatum", "date of birth"),
    ("urodzenia", "birth"),
    ("fodelsedatum", "date of birth"),
    ("born", "birth"),
    ("bday", "birthday"),
    ("qty", "quantity"),
    ("menge", "quantity"),
    ("anzahl", "quantity"),
    ("quantite", "quantity"),
    ("cantidad", "quantity"),
    ("amt", "amount"),
    ("betrag", "amount"),
    ("montant", "amount"),
    ("importe", "amount"),
    ("importo", "amount"),
    ("bedrag", "amount"),
    ("kwota", "amount"),
    ("belopp", "amount"),
    ("email", "email"),
    ("mail", "email"),
    ("courriel", "email"),
    ("correo", "email"),
    ("epost", "email"),
    ("tel", "phone"),
    ("telephone", "phone"),
    ("telefon", "phone"),
    ("telefono", "phone"),
    ("mobile", "phone"),
    ("handy", "phone"),
    ("movil", "phone"),
    ("cellulare", "phone"),
    ("telefoon", "phone"),
    ("vorname", "first name"),
    ("prenom", "first name"),
    ("nombre", "name"),
    ("nome", "name"),
    ("voornaam", "first name"),
    ("imie", "first name"),
    ("fornamn", "first name"),
    ("fname", "first name"),
    ("nachname", "last name"),
    ("surname", "last name"),
    ("apellido", "last name"),
    ("cognome", "last name"),
    ("achternaam", "last name"),
    ("nazwisko", "last name"),
    ("efternamn", "last name"),
    ("lname", "last name"),
    ("plz", "postal code"),
    ("zip", "postal code"),
    ("zipcode", "postal code"),
    ("postcode", "postal code"),
    ("ort", "city"),
    ("stadt", "city"),
    ("ville", "city"),
    ("ciudad", "city"),
    ("citta", "city"),
    ("miasto", "city"),
    ("strasse", "street"),
    ("rue", "street"),
    ("calle", "street"),
    ("straat", "street"),
    ("ulica", "street"),
    ("bestellung", "order"),
    ("commande", "order"),
    ("pedido", "order"),
    ("ordine", "order"),
    ("bestelling", "order"),
    ("zamowienie", "order"),
    ("order", "order"),
    ("orders", "order"),
    ("preis", "price"),
    ("prix", "price"),
    ("precio", "price"),
    ("prezzo", "price"),
    ("prijs", "price"),
    ("cena", "price"),
    ("umsatz", "revenue"),
    ("sales", "revenue"),
    ("turnover", "revenue"),
    ("chiffre", "revenue"),
    ("netto", "net"),
    ("brutto", "gross"),
    ("mwst", "vat"),
    ("ust", "vat"),
    ("tva", "vat"),
    ("iva", "vat"),
    ("tax", "vat"),
    ("mitarbeiter", "employee"),
    ("employe", "employee"),
    ("empleado", "employee"),
    ("dipendente", "employee"),
    ("emp", "employee"),
    ("staff", "employee"),
    ("geschlecht", "gender"),
    ("sexe", "gender"),
    ("sexo", "gender"),
    ("sesso", "gender"),
    ("sex", "gender"),
    ("desc", "description"),
    ("descr", "description"),
    ("beschreibung", "description"),
    ("num", "number"),
    ("nr", "number"),
    ("no", "number"),
    ("nummer", "number"),
    ("numero", "number"),
    ("id", "identifier"),
    ("ident", "identifier"),
    ("ts", "timestamp"),
    ("dt", "date"),
    ("datum", "date"),
    ("fecha", "date"),
    ("data", "date"),
    ("cnt", "count"),
    ("pct", "percent"),
    ("avg", "average"),
    ("acct", "account"),
    ("konto", "account"),
    ("compte", "account"),
    ("cuenta", "account"),
    ("ip", "ip address"),
    ("lat", "latitude"),
    ("lon", "longitude"),
    ("lng", "longitude"),
    ("ssn", "social security number"),
    ("pw", "password"),
    ("pwd", "password"),
    ("passwort", "password"),
    ("artikel", "product"),
    ("produkt", "product"),
    ("produit", "product"),
    ("producto", "product"),
    ("prodotto", "product"),
    ("rechnung", "invoice"),
    ("rechnung", "billing"),
    ("facture", "invoice"),
    ("factura", "invoice"),
    ("fattura", "invoice"),
    ("faktura", "invoice"),
    ("zahlung", "payment"),
    ("paiement", "payment"),
    ("pago", "payment"),
    ("pagamento", "payment"),
    ("dauer", "duration"),
    ("duree", "duration"),
    ("duracion", "duration"),
    ("durata", "duration"),
    ("land", "country"),
    ("pays", "country"),
    ("pais", "country"),
    ("paese", "country"),
];

/// Word -> the words it also means (each a sequence of folded words).
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    map: HashMap<String, Vec<Vec<String>>>,
    /// Every word the list knows, either side: what compounds are split into.
    vocabulary: HashSet<String>,
}

/// Shortest part of a compound: shorter words (`nr`, `id`) would split almost anything.
const MIN_PART_CHARS: usize = 3;
/// Most parts a compound is split into.
const MAX_PARTS: usize = 4;
/// What joins the parts of a German, Dutch or Swedish compound (Rechnung-s-adresse,
/// Kunde-n-nummer, Geburt-s-datum), tried between parts and at the end.
const LINKS: &[&str] = &["", "s", "n", "en", "e", "es", "er"];

/// A token of letters and digits kept whole (`b2b`, `e164`, `ipv6`, `sha256`): split at the
/// digits, its parts mean nothing (`b`, `2`).
pub fn mixed_token(token: &str) -> Option<String> {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric());
    let ok = (2..=16).contains(&t.chars().count())
        && t.chars().all(char::is_alphanumeric)
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars().any(char::is_alphabetic);
    ok.then(|| fold(t))
}

/// The tokens of `text` made of letters and digits (see [`mixed_token`]).
pub fn mixed_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter_map(mixed_token).collect()
}

fn words(s: &str) -> Vec<String> {
    split_identifier(s)
}

/// Most alternatives one word stands for: each becomes clauses of every search with the word.
pub const MAX_SYNONYMS_PER_WORD: usize = 16;
/// Most words in one alternative.
pub const MAX_SYNONYM_WORDS: usize = 8;

impl Synonyms {
    /// The built-in list plus configured entries (`cust = ["customer"]`).
    pub fn new(extra: &BTreeMap<String, Vec<String>>) -> Self {
        let mut map: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        let mut add = |from: &str, to: &str| {
            let key = fold(from.trim());
            let target = words(to);
            if key.is_empty() || target.is_empty() || target.len() > MAX_SYNONYM_WORDS || target == [key.clone()] {
                return;
            }
            let list = map.entry(key).or_default();
            // Reverse entries of configured synonyms can pile up on one word: kept bounded.
            if !list.contains(&target) && list.len() < MAX_SYNONYMS_PER_WORD {
                list.push(target);
            }
        };
        for (from, to) in BUILT_IN {
            add(from, to);
        }
        for (from, tos) in extra {
            for to in tos {
                add(from, to);
                // Configured synonyms work both ways for single words.
                if words(to).len() == 1 {
                    add(to, from);
                }
            }
        }
        let mut vocabulary = HashSet::new();
        for (key, targets) in &map {
            vocabulary.insert(key.clone());
            vocabulary.extend(targets.iter().flatten().cloned());
        }
        vocabulary.retain(|w| w.chars().count() >= MIN_PART_CHARS);
        Synonyms { map, vocabulary }
    }

    /// The parts of a compound made of words the list knows (`telefonnummer` -> `telefon`,
    /// `nummer`; `rechnungsadresse` -> `rechnung`, `adresse`), for the languages the list
    /// covers; None for a word the list knows or that does not split wholly. Fewest parts
    /// win, then the longest first part.
    pub fn decompound(&self, word: &str) -> Option<Vec<String>> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 2 * MIN_PART_CHARS || chars.len() > 64 || self.map.contains_key(word) || self.vocabulary.contains(word) {
            return None;
        }
        self.split_from(&chars, 0, MAX_PARTS).filter(|parts| parts.len() >= 2)
    }

    /// The split of `chars[start..]` into at most `budget` known parts, each followed by a
    /// link; None when there is none.
    fn split_from(&self, chars: &[char], start: usize, budget: usize) -> Option<Vec<String>> {
        if budget == 0 {
            return None;
        }
        let mut best: Option<Vec<String>> = None;
        for end in (start + MIN_PART_CHARS..=chars.len()).rev() {
            let part: String = chars[start..end].iter().collect();
            if !self.vocabulary.contains(&part) {
                continue;
            }
            for link in LINKS {
                let after = end + link.chars().count();
                if after > chars.len() || chars[end..after].iter().copied().ne(link.chars()) {
                    continue;
                }
                let candidate = if after == chars.len() {
                    Some(vec![part.clone()])
                } else {
                    self.split_from(chars, after, budget - 1).map(|rest| std::iter::once(part.clone()).chain(rest).collect())
                };
                if let Some(c) = candidate {
                    if best.as_ref().is_none_or(|b| c.len() < b.len()) {
                        best = Some(c);
                    }
                }
            }
        }
        best
    }

    /// What `word` also means.
    pub fn expand(&self, word: &str) -> &[Vec<String>] {
        self.map.get(word).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The words of a name or text plus the words its synonyms add, for indexing.
    pub fn index_words(&self, text: &str) -> Vec<String> {
        let base = words(text);
        let mut out = base.clone();
        out.extend(mixed_tokens(text));
        for w in &base {
            for alt in self.expand(w) {
                out.extend(alt.iter().cloned());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_abbreviations_and_foreign_words() {
        let s = Synonyms::new(&BTreeMap::new());
        assert_eq!(s.expand("cust"), &[vec!["customer".to_string()]]);
        assert_eq!(s.expand("dob"), &[vec!["date".to_string(), "of".to_string(), "birth".to_string()]]);
        assert!(s.index_words("custEmailAddr").contains(&"address".to_string()));
        let extra = BTreeMap::from([
            ("gmv".to_string(), vec!["gross merchandise value".to_string()]),
            ("sku".to_string(), vec!["article".to_string()]),
        ]);
        let s = Synonyms::new(&extra);
        assert_eq!(s.expand("gmv").len(), 1);
        assert_eq!(s.expand("article"), &[vec!["sku".to_string()]]);
    }

    #[test]
    fn splits_compounds_over_the_vocabulary_and_keeps_mixed_tokens_whole() {
        let s = Synonyms::new(&BTreeMap::new());
        let split = |w: &str| s.decompound(w).map(|p| p.join("+"));
        assert_eq!(split("telefonnummer").as_deref(), Some("telefon+nummer"));
        assert_eq!(split("rechnungsadresse").as_deref(), Some("rechnung+adresse"));
        assert_eq!(split("kundennummer").as_deref(), Some("kunden+nummer"));
        assert_eq!(split("lieferadresse"), None, "an unknown part: no split");
        assert_eq!(split("telefon"), None, "a known word is not split");
        assert_eq!(split("customer"), None);
        assert_eq!(split(&"a".repeat(10_000)), None);
        assert_eq!(mixed_tokens("B2B and B2C, ISO-8859-1, e164 numbers"), ["b2b", "b2c", "e164"]);
        assert!(s.index_words("B2B accounts").contains(&"b2b".to_string()));
    }
}
