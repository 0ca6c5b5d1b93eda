//! Names into words, and words into category evidence: identifier splitting (snake, camel,
//! digits, accents folded) and matching against the multilingual vocabulary, which is data:
//! the files of [`super::languages`] (English, German, French, Spanish, Italian, Dutch, Polish,
//! Swedish, the other EU languages, Norwegian, Icelandic, and ERP and CRM field names).

use std::collections::HashMap;
use std::sync::OnceLock;

/// Splits an identifier or phrase into lower-case, accent-folded words:
/// `custEmailAddr` -> cust, email, addr; `IPAddress2` -> ip, address, 2; `date_de_naissance`.
pub fn split_identifier(input: &str) -> Vec<String> {
    // One pass, each word folded as it ends: this runs for every name, comment and
    // description indexed, and for every word a search result highlights.
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut flush = |cur: &mut String| {
        if !cur.is_empty() {
            let w = fold(cur);
            if !w.is_empty() {
                words.push(w);
            }
            cur.clear();
        }
    };
    let mut prev: Option<char> = None;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_alphanumeric() {
            flush(&mut cur);
            prev = None;
            continue;
        }
        if let Some(prev) = prev {
            let next = chars.peek().copied();
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_alphabetic() && c.is_ascii_digit())
                || (prev.is_ascii_digit() && c.is_alphabetic())
                || (prev.is_uppercase() && c.is_uppercase() && next.is_some_and(|n| n.is_lowercase()));
            if boundary {
                flush(&mut cur);
            }
        }
        cur.push(c);
        prev = Some(c);
    }
    flush(&mut cur);
    words
}

/// Lower-cases and removes diacritics (ä -> a, ß -> ss, ł -> l).
pub fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => out.push('a'),
            'ç' | 'ć' | 'č' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' | 'ů' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ś' | 'š' => out.push('s'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'ł' => out.push('l'),
            'ř' => out.push('r'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            // The other EU languages, Norwegian and Icelandic.
            'ă' | 'ā' => out.push('a'),
            'ē' | 'ė' => out.push('e'),
            'ī' | 'į' => out.push('i'),
            'ő' => out.push('o'),
            'ű' | 'ū' | 'ų' => out.push('u'),
            'ș' | 'ş' => out.push('s'),
            'ț' | 'ţ' | 'ť' => out.push('t'),
            'ď' | 'ð' | 'đ' => out.push('d'),
            'ķ' => out.push('k'),
            'ļ' | 'ľ' | 'ĺ' => out.push('l'),
            'ņ' => out.push('n'),
            'ģ' | 'ġ' => out.push('g'),
            'ŕ' => out.push('r'),
            'ċ' => out.push('c'),
            'ħ' => out.push('h'),
            'þ' => out.push_str("th"),
            // Greek accents (tonos, dialytika) and final sigma.
            'ά' => out.push('α'),
            'έ' => out.push('ε'),
            'ή' => out.push('η'),
            'ί' | 'ϊ' | 'ΐ' => out.push('ι'),
            'ό' => out.push('ο'),
            'ύ' | 'ϋ' | 'ΰ' => out.push('υ'),
            'ώ' => out.push('ω'),
            'ς' => out.push('σ'),
            c => out.push(c),
        }
    }
    out
}

/// How strongly a vocabulary term points at its category.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    pub category: &'static str,
    pub weight: f64,
}

pub(crate) const STRONG: f64 = 0.75;
pub(crate) const MEDIUM: f64 = 0.55;
pub(crate) const WEAK: f64 = 0.35;

/// Words that turn a name into something about personal data rather than the data itself:
/// `email_sent_count`, `phone_model`, `ip_pool_size`, `mail_server_host`.
pub const MODIFIERS: &[&str] = &[
    "style",
    "usage",
    "purpose",
    "count",
    "cnt",
    "counter",
    "size",
    "pool",
    "server",
    "host",
    "hostname",
    "model",
    "template",
    "format",
    "status",
    "sent",
    "opened",
    "clicked",
    "clicks",
    "bounce",
    "bounced",
    "verified",
    "verification",
    "valid",
    "validated",
    "enabled",
    "disabled",
    "flag",
    "provider",
    "length",
    "len",
    "max",
    "min",
    "avg",
    "sum",
    "total",
    "rate",
    "version",
    "port",
    "type",
    "kind",
    "domain",
    "config",
    "setting",
    "settings",
    "policy",
    "optin",
    "optout",
    "consent",
    "preference",
    "preferences",
    "subscribed",
    "campaign",
    "queue",
    "limit",
    "quota",
    "attempts",
    "retries",
    "timeout",
    "prefix",
    "extension",
    "brand",
    "manufacturer",
    "os",
    "range",
    "mask",
    "subnet",
    "gateway",
    "changed",
    "updated",
    "expiry",
    "expires",
    "expiration",
    "issuer",
    "network",
    "scheme",
    "last4",
    "masked",
    "hashed",
    "country",
    "code2",
    "language",
    "locale",
    "timezone",
    "currency",
    "bucket",
    "segment",
    "score",
    "tier",
    "level",
    "mode",
    "channel",
];

/// Words for a place: beside a birth or document term they name where (a place of birth,
/// the city a passport was issued in), not the date or the number.
pub const PLACE_WORDS: &[&str] = &[
    "place",
    "city",
    "town",
    "country",
    "location",
    "ort",
    "geburtsort",
    "stadt",
    "land",
    "lieu",
    "ville",
    "pays",
    "lugar",
    "ciudad",
    "pais",
    "luogo",
    "citta",
    "paese",
    "plaats",
    "stad",
    "miejsce",
    "miasto",
    "kraj",
    "orter",
    "sted",
    "paikka",
    "misto",
    "mesto",
    "local",
    "localidade",
    "loc",
];

/// Categories a place word beside their term cancels.
pub const PLACE_CANCELS: &[&str] = &[
    "user.demographic.date_of_birth",
    "user.government_id.passport_number",
    "user.government_id.national_id",
    "user.government_id.tax_id",
];

/// Entities that are not persons: their names and addresses are not personal data.
pub const NON_PERSON: &[&str] = &[
    "product",
    "item",
    "sku",
    "article",
    "company",
    "firm",
    "business",
    "organisation",
    "organization",
    "org",
    "store",
    "shop",
    "warehouse",
    "branch",
    "supplier",
    "vendor",
    "merchant",
    "category",
    "file",
    "host",
    "server",
    "database",
    "db",
    "table",
    "schema",
    "column",
    "project",
    "team",
    "department",
    "dept",
    "campaign",
    "app",
    "application",
    "service",
    "event",
    "job",
    "role",
    "title",
    "group",
    "plan",
    "bank",
    "carrier",
    "artist",
    "band",
    "album",
    "track",
    "genre",
    "playlist",
    "media",
    "course",
    "venue",
    "hotel",
    "airline",
    "airport",
    "station",
    "site",
    "facility",
    "office",
    "region",
    "state",
    "country",
    "currency",
    "language",
    "brand",
    "model",
    "library",
    "publisher",
    "label",
    "program",
    "tag",
    "metric",
    "report",
    "dashboard",
    "queue",
    "topic",
    "channel",
    "feature",
    "filiale",
    "lieferant",
    "firma",
    "magasin",
    "tienda",
    "negozio",
    "winkel",
    "sklep",
    "butik",
    "entrepot",
    "almacen",
    "magazzino",
    "magazijn",
    "lager",
    "produkt",
    "produit",
    "producto",
    "prodotto",
    "city",
    "street",
    "town",
    "ville",
];

/// Tables whose rows are persons (plural `s` is ignored).
pub const PERSON_ENTITIES: &[&str] = &[
    "partner",
    "headteacher",
    "principal",
    "director",
    "representative",
    "manager",
    "chairman",
    "chairperson",
    "mayor",
    "founder",
    "rector",
    "councillor",
    "councilor",
    "customer",
    "cust",
    "user",
    "usr",
    "employee",
    "emp",
    "staff",
    "person",
    "people",
    "contact",
    "client",
    "member",
    "patient",
    "owner",
    "holder",
    "recipient",
    "sender",
    "buyer",
    "applicant",
    "candidate",
    "student",
    "guest",
    "passenger",
    "driver",
    "subscriber",
    "account",
    "kunde",
    "kunden",
    "mitarbeiter",
    "cliente",
    "clienti",
    "utente",
    "utenti",
    "klant",
    "klanten",
    "klient",
    "medewerker",
    "empleado",
    "empleados",
    "dipendente",
    "dipendenti",
    "employe",
    "kund",
    "kunder",
    "anstalld",
    "pracownik",
    "pracownicy",
    "uzytkownik",
    "personal",
    "profile",
    "lead",
    "visitor",
    "shopper",
    "traveller",
    "traveler",
    "resident",
    "citizen",
    "teacher",
    "doctor",
    "nurse",
    "worker",
];

/// The vocabulary: the terms of the vocabulary files, read in [`super::languages::FILES`] order
/// (English first, then German, French, Spanish, Italian, Dutch, Polish, Swedish, the other
/// languages and ERP and CRM field names); a term keeps its first entry. Terms are written as
/// their words joined without separators, accents folded: `firstname` matches first_name,
/// FirstName, first-name.
fn vocabulary() -> &'static HashMap<String, Term> {
    static V: OnceLock<HashMap<String, Term>> = OnceLock::new();
    V.get_or_init(|| {
        let mut v: HashMap<String, Term> = HashMap::new();
        for (term, category, weight) in super::languages::terms() {
            v.entry(term).or_insert(Term { category, weight });
        }
        v
    })
}

/// A vocabulary match in a list of words.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMatch {
    pub term: String,
    pub category: String,
    pub weight: f64,
    /// Index range of the words matched.
    pub start: usize,
    pub end: usize,
}

/// Extra terms from the configuration: (joined term, category, weight).
pub type CustomTerms = [(String, String, f64)];

fn singular(w: &str) -> &str {
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
        &w[..w.len() - 1]
    } else {
        w
    }
}

/// Whether a word names a person entity (`customers`, `kunden`, `employee`).
pub fn is_person_word(w: &str) -> bool {
    PERSON_ENTITIES.contains(&w) || PERSON_ENTITIES.contains(&singular(w))
}

/// Entities of public registers and open data that are not persons, in the covered
/// languages (folded): schools, companies and business registers, procurement, air-quality
/// stations, parking. Open-data tables are often named in the country's language.
const PUBLIC_ENTITIES: &[&str] = &[
    // schools and universities
    "school",
    "schule",
    "schulen",
    "ecole",
    "ecoles",
    "etablissement",
    "etablissements",
    "scolaire",
    "scolaires",
    "escuela",
    "escuelas",
    "colegio",
    "colegios",
    "scuola",
    "scuole",
    "istituto",
    "istituti",
    "scholen",
    "szkola",
    "szkoly",
    "skola",
    "skolor",
    "skole",
    "skoler",
    "skoli",
    "skolar",
    "koulu",
    "koulut",
    "kool",
    "koolid",
    "mokykla",
    "mokyklos",
    "skolas",
    "iskola",
    "iskolak",
    "skoly",
    "sola",
    "sole",
    "scoala",
    "scoli",
    "scolare",
    "uchilishte",
    "uchilishta",
    "scholeio",
    "scholeia",
    "scholikes",
    "scoil",
    "scoileanna",
    "skejjel",
    "university",
    "universitat",
    "universite",
    "universidad",
    "universita",
    "universiteit",
    "uniwersytet",
    "yliopisto",
    "ulikool",
    // companies and business registers
    "enterprise",
    "entreprise",
    "entreprises",
    "unternehmen",
    "empresa",
    "empresas",
    "impresa",
    "imprese",
    "bedrijf",
    "bedrijven",
    "przedsiebiorstwo",
    "przedsiebiorstwa",
    "foretag",
    "virksomhed",
    "virksomheder",
    "yritys",
    "yritykset",
    "ettevote",
    "ettevotted",
    "imone",
    "imones",
    "uznemums",
    "uznemumi",
    "vallalat",
    "vallalatok",
    "podnik",
    "podniky",
    "podjetje",
    "podjetja",
    "poduzece",
    "poduzeca",
    "intreprindere",
    "intreprinderi",
    "etaireia",
    "etaireies",
    "comhlacht",
    "comhlachtai",
    "cuideachtai",
    "kumpanija",
    "corporation",
    "ariregister",
    "enhetsregisteret",
    "fyrirtaekjaskra",
    "handelsregister",
    "firmenbuch",
    "targovski",
    "juridiniu",
    "juridicas",
    "kbo",
    "cvr",
    "kvk",
    // public procurement
    "procurement",
    "tender",
    "tenders",
    "anskaffelser",
    "upphandling",
    "hankinnat",
    "riigihanked",
    "pirkimai",
    "iepirkumi",
    "kozbeszerzes",
    "zakazky",
    "narocila",
    "nabava",
    "achizitii",
    "porachki",
    "conarthai",
    "innkaup",
    "marches",
    "contratacion",
    "appalti",
    "aanbestedingen",
    "zamowienia",
    "vergabe",
    "ausschreibung",
    "symvaseis",
    // air quality and other measuring stations
    "quality",
    "qualite",
    "kvalitet",
    "luftkvalitet",
    "ohukvaliteet",
    "loftgaedi",
    "kokybe",
    "calitatea",
    "aerului",
    "poiotita",
    "aera",
    "caighdean",
    "aeir",
    "ilmanlaatu",
    "kakovost",
    "kvaliteta",
    "kvalita",
    "minoseg",
    "kwaliteit",
    "qualita",
    "calidad",
    "qualidade",
    "jakosc",
    "pollution",
    "emissions",
    "sensor",
    "sensors",
    "luftqualitat",
    "airquality",
    // parking
    "parking",
    "parkering",
    "parkeringsgebyrer",
    "parkimistrahvid",
    "stodubrot",
    "parkavimo",
    "stationnement",
    "pairceala",
    "parkirane",
    "parkovani",
    "parkolas",
    "aparcamiento",
    "parcheggio",
    "parcare",
    "pysakointi",
    "parkeren",
    "parkplatz",
];

/// Whether a word names a non-person entity (`product`, `stores`, `warehouse`, `skoler`).
pub fn is_non_person_word(w: &str) -> bool {
    NON_PERSON.contains(&w) || NON_PERSON.contains(&singular(w)) || PUBLIC_ENTITIES.contains(&w) || PUBLIC_ENTITIES.contains(&singular(w))
}

/// Finds vocabulary terms in `words`, longest first, left to right; also a strong term
/// ending a longer compound word (`kundentelefon`, `workemail`).
pub fn match_terms(words: &[String], custom: &CustomTerms) -> Vec<NameMatch> {
    let vocab = vocabulary();
    let lookup = |joined: &str| -> Option<(String, f64)> {
        if let Some((_, c, w)) = custom.iter().find(|(t, _, _)| t == joined) {
            return Some((c.clone(), *w));
        }
        vocab.get(joined).map(|t| (t.category.to_string(), t.weight))
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut matched = false;
        for j in (i + 1..=words.len().min(i + 5)).rev() {
            let joined: String = words[i..j].concat();
            if let Some((category, weight)) = lookup(&joined) {
                out.push(NameMatch { term: joined, category, weight, start: i, end: j });
                i = j;
                matched = true;
                break;
            }
        }
        if !matched {
            // Compound words: a long enough term at the end of a word.
            let w = &words[i];
            if w.len() >= 8 {
                for split in 1..w.len() - 4 {
                    if !w.is_char_boundary(split) {
                        continue;
                    }
                    let tail = &w[split..];
                    if let Some((category, weight)) = lookup(tail).filter(|(_, wt)| *wt >= STRONG && tail.len() >= 5) {
                        out.push(NameMatch { term: tail.to_string(), category, weight: weight * 0.9, start: i, end: i + 1 });
                        break;
                    }
                }
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(name: &str) -> Vec<String> {
        match_terms(&split_identifier(name), &[]).into_iter().map(|m| m.category).collect()
    }

    #[test]
    fn splits_snake_camel_digits_and_accents() {
        assert_eq!(split_identifier("custEmailAddr"), vec!["cust", "email", "addr"]);
        assert_eq!(split_identifier("IPAddress2"), vec!["ip", "address", "2"]);
        assert_eq!(split_identifier("date_de_naissance"), vec!["date", "de", "naissance"]);
        assert_eq!(split_identifier("Straße"), vec!["strasse"]);
        assert_eq!(split_identifier("imię"), vec!["imie"]);
        assert_eq!(split_identifier("address_line1"), vec!["address", "line", "1"]);
        assert_eq!(split_identifier("userID"), vec!["user", "id"]);
        assert_eq!(split_identifier("HTTPServerURL"), vec!["http", "server", "url"]);
        assert_eq!(split_identifier("--a__B--"), vec!["a", "b"]);
        assert_eq!(split_identifier("Éclair2Go"), vec!["eclair", "2", "go"]);
        assert!(split_identifier(" _- ").is_empty());
    }

    #[test]
    fn multilingual_terms() {
        assert_eq!(cats("e_mail"), vec!["user.contact.email"]);
        assert_eq!(cats("courriel"), vec!["user.contact.email"]);
        assert_eq!(cats("Vorname"), vec!["user.name.first"]);
        assert_eq!(cats("fecha_nacimiento"), vec!["user.demographic.date_of_birth"]);
        assert_eq!(cats("code_postal"), vec!["user.contact.address.postal_code"]);
        assert_eq!(cats("cellulare"), vec!["user.contact.phone_number"]);
        assert_eq!(cats("BillingPostalCode"), vec!["user.contact.address.postal_code"]);
        assert_eq!(cats("ip_address"), vec!["user.device.ip_address"]);
        assert_eq!(cats("kundentelefon"), vec!["user.contact.phone_number"]);
        assert_eq!(cats("födelsedatum"), vec!["user.demographic.date_of_birth"]);
    }
}
