//! Words people use for the same thing: abbreviations and the common German, French,
//! Spanish, Italian, Dutch, Polish and Swedish words, mapped onto English ones. Users extend
//! the list in the `[search.synonyms]` configuration section.

use crate::classify::words::{fold, split_identifier};
use std::collections::{BTreeMap, HashMap};

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
        Synonyms { map }
    }

    /// What `word` also means.
    pub fn expand(&self, word: &str) -> &[Vec<String>] {
        self.map.get(word).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The words of a name or text plus the words its synonyms add, for indexing.
    pub fn index_words(&self, text: &str) -> Vec<String> {
        let base = words(text);
        let mut out = base.clone();
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
}
