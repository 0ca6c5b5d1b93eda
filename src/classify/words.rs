//! Names into words, and words into category evidence: identifier splitting (snake, camel,
//! digits, accents folded) and a multilingual vocabulary (EN, DE, FR, ES, IT, NL, PL, SV).

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

/// Terms are written as their words joined without separators, accents folded:
/// `firstname` matches first_name, FirstName, first-name.
const VOCABULARY: &[(&str, &str, f64)] = &[
    // e-mail
    ("email", "user.contact.email", STRONG),
    ("emailaddress", "user.contact.email", STRONG),
    ("emailadresse", "user.contact.email", STRONG),
    ("mailadresse", "user.contact.email", STRONG),
    ("mail", "user.contact.email", MEDIUM),
    ("courriel", "user.contact.email", STRONG),
    ("adressemail", "user.contact.email", STRONG),
    ("correo", "user.contact.email", STRONG),
    ("correoelectronico", "user.contact.email", STRONG),
    ("postaelettronica", "user.contact.email", STRONG),
    ("epost", "user.contact.email", STRONG),
    ("epostadress", "user.contact.email", STRONG),
    ("emailadres", "user.contact.email", STRONG),
    ("adresemail", "user.contact.email", STRONG),
    // phone
    ("phone", "user.contact.phone_number", STRONG),
    ("phonenumber", "user.contact.phone_number", STRONG),
    ("telephone", "user.contact.phone_number", STRONG),
    ("tel", "user.contact.phone_number", MEDIUM),
    ("mobile", "user.contact.phone_number", STRONG),
    ("mobil", "user.contact.phone_number", STRONG),
    ("cell", "user.contact.phone_number", MEDIUM),
    ("cellphone", "user.contact.phone_number", STRONG),
    ("fax", "user.contact.phone_number", MEDIUM),
    ("msisdn", "user.contact.phone_number", STRONG),
    ("telefon", "user.contact.phone_number", STRONG),
    ("telefonnummer", "user.contact.phone_number", STRONG),
    ("handy", "user.contact.phone_number", STRONG),
    ("handynummer", "user.contact.phone_number", STRONG),
    ("telefono", "user.contact.phone_number", STRONG),
    ("movil", "user.contact.phone_number", STRONG),
    ("celular", "user.contact.phone_number", STRONG),
    ("cellulare", "user.contact.phone_number", STRONG),
    ("portable", "user.contact.phone_number", MEDIUM),
    ("numerotelephone", "user.contact.phone_number", STRONG),
    ("telefoon", "user.contact.phone_number", STRONG),
    ("telefoonnummer", "user.contact.phone_number", STRONG),
    ("mobiel", "user.contact.phone_number", STRONG),
    ("numertelefonu", "user.contact.phone_number", STRONG),
    ("komorka", "user.contact.phone_number", STRONG),
    ("telefonnr", "user.contact.phone_number", STRONG),
    ("mobilnummer", "user.contact.phone_number", STRONG),
    ("gsm", "user.contact.phone_number", MEDIUM),
    // street
    ("street", "user.contact.address.street", STRONG),
    ("streetaddress", "user.contact.address.street", STRONG),
    ("address", "user.contact.address.street", MEDIUM),
    ("addr", "user.contact.address.street", MEDIUM),
    ("addressline", "user.contact.address.street", STRONG),
    ("addressline1", "user.contact.address.street", STRONG),
    ("addressline2", "user.contact.address.street", STRONG),
    ("address1", "user.contact.address.street", STRONG),
    ("address2", "user.contact.address.street", STRONG),
    ("strasse", "user.contact.address.street", STRONG),
    ("anschrift", "user.contact.address.street", STRONG),
    ("adresse", "user.contact.address.street", MEDIUM),
    ("rue", "user.contact.address.street", STRONG),
    ("calle", "user.contact.address.street", STRONG),
    ("direccion", "user.contact.address.street", MEDIUM),
    ("domicilio", "user.contact.address.street", STRONG),
    ("indirizzo", "user.contact.address.street", MEDIUM),
    ("via", "user.contact.address.street", WEAK),
    ("straat", "user.contact.address.street", STRONG),
    ("adres", "user.contact.address.street", MEDIUM),
    ("ulica", "user.contact.address.street", STRONG),
    ("gatuadress", "user.contact.address.street", STRONG),
    ("gata", "user.contact.address.street", MEDIUM),
    ("gatan", "user.contact.address.street", MEDIUM),
    ("hausnummer", "user.contact.address.street", MEDIUM),
    // postal code
    ("zip", "user.contact.address.postal_code", STRONG),
    ("zipcode", "user.contact.address.postal_code", STRONG),
    ("postalcode", "user.contact.address.postal_code", STRONG),
    ("postcode", "user.contact.address.postal_code", STRONG),
    ("plz", "user.contact.address.postal_code", STRONG),
    ("postleitzahl", "user.contact.address.postal_code", STRONG),
    ("codepostal", "user.contact.address.postal_code", STRONG),
    ("cp", "user.contact.address.postal_code", WEAK),
    ("codigopostal", "user.contact.address.postal_code", STRONG),
    ("cap", "user.contact.address.postal_code", MEDIUM),
    ("codiceavviamentopostale", "user.contact.address.postal_code", STRONG),
    ("kodpocztowy", "user.contact.address.postal_code", STRONG),
    ("postnummer", "user.contact.address.postal_code", STRONG),
    ("postnr", "user.contact.address.postal_code", STRONG),
    // city
    ("city", "user.contact.address.city", STRONG),
    ("town", "user.contact.address.city", MEDIUM),
    ("stadt", "user.contact.address.city", STRONG),
    ("wohnort", "user.contact.address.city", STRONG),
    ("ort", "user.contact.address.city", MEDIUM),
    ("ville", "user.contact.address.city", STRONG),
    ("ciudad", "user.contact.address.city", STRONG),
    ("localidad", "user.contact.address.city", STRONG),
    ("citta", "user.contact.address.city", STRONG),
    ("comune", "user.contact.address.city", MEDIUM),
    ("plaats", "user.contact.address.city", STRONG),
    ("woonplaats", "user.contact.address.city", STRONG),
    ("miasto", "user.contact.address.city", STRONG),
    ("miejscowosc", "user.contact.address.city", STRONG),
    ("stad", "user.contact.address.city", MEDIUM),
    ("postort", "user.contact.address.city", STRONG),
    // names
    ("name", "user.name", WEAK),
    ("fullname", "user.name", STRONG),
    ("displayname", "user.name", MEDIUM),
    ("nombrecompleto", "user.name", STRONG),
    ("nomecompleto", "user.name", STRONG),
    ("naam", "user.name", MEDIUM),
    ("namn", "user.name", MEDIUM),
    ("imienazwisko", "user.name", STRONG),
    ("nomcomplet", "user.name", STRONG),
    ("vollername", "user.name", STRONG),
    ("volledigenaam", "user.name", STRONG),
    ("cardholder", "user.name", MEDIUM),
    ("firstname", "user.name.first", STRONG),
    ("givenname", "user.name.first", STRONG),
    ("fname", "user.name.first", STRONG),
    ("forename", "user.name.first", STRONG),
    ("vorname", "user.name.first", STRONG),
    ("prenom", "user.name.first", STRONG),
    ("nombre", "user.name.first", MEDIUM),
    ("nome", "user.name.first", MEDIUM),
    ("voornaam", "user.name.first", STRONG),
    ("imie", "user.name.first", STRONG),
    ("fornamn", "user.name.first", STRONG),
    ("tilltalsnamn", "user.name.first", STRONG),
    ("lastname", "user.name.last", STRONG),
    ("surname", "user.name.last", STRONG),
    ("familyname", "user.name.last", STRONG),
    ("lname", "user.name.last", STRONG),
    ("nachname", "user.name.last", STRONG),
    ("familienname", "user.name.last", STRONG),
    ("nomdefamille", "user.name.last", STRONG),
    ("apellido", "user.name.last", STRONG),
    ("apellidos", "user.name.last", STRONG),
    ("cognome", "user.name.last", STRONG),
    ("achternaam", "user.name.last", STRONG),
    ("nazwisko", "user.name.last", STRONG),
    ("efternamn", "user.name.last", STRONG),
    ("maidenname", "user.name.last", STRONG),
    // date of birth
    ("dob", "user.demographic.date_of_birth", STRONG),
    ("birthdate", "user.demographic.date_of_birth", STRONG),
    ("dateofbirth", "user.demographic.date_of_birth", STRONG),
    ("birthday", "user.demographic.date_of_birth", STRONG),
    ("born", "user.demographic.date_of_birth", MEDIUM),
    ("bornon", "user.demographic.date_of_birth", STRONG),
    ("geburtsdatum", "user.demographic.date_of_birth", STRONG),
    ("geburtstag", "user.demographic.date_of_birth", STRONG),
    ("gebdat", "user.demographic.date_of_birth", STRONG),
    ("datenaissance", "user.demographic.date_of_birth", STRONG),
    ("datedenaissance", "user.demographic.date_of_birth", STRONG),
    ("naissance", "user.demographic.date_of_birth", STRONG),
    ("fechanacimiento", "user.demographic.date_of_birth", STRONG),
    ("fechadenacimiento", "user.demographic.date_of_birth", STRONG),
    ("nacimiento", "user.demographic.date_of_birth", STRONG),
    ("datanascita", "user.demographic.date_of_birth", STRONG),
    ("datadinascita", "user.demographic.date_of_birth", STRONG),
    ("nascita", "user.demographic.date_of_birth", MEDIUM),
    ("geboortedatum", "user.demographic.date_of_birth", STRONG),
    ("dataurodzenia", "user.demographic.date_of_birth", STRONG),
    ("fodelsedatum", "user.demographic.date_of_birth", STRONG),
    ("fodelsedag", "user.demographic.date_of_birth", STRONG),
    // gender
    ("gender", "user.demographic.gender", STRONG),
    ("sex", "user.demographic.gender", STRONG),
    ("geschlecht", "user.demographic.gender", STRONG),
    ("sexe", "user.demographic.gender", STRONG),
    ("genre", "user.demographic.gender", MEDIUM),
    ("sexo", "user.demographic.gender", STRONG),
    ("genero", "user.demographic.gender", STRONG),
    ("sesso", "user.demographic.gender", STRONG),
    ("geslacht", "user.demographic.gender", STRONG),
    ("plec", "user.demographic.gender", STRONG),
    ("kon", "user.demographic.gender", MEDIUM),
    // government ids
    ("ssn", "user.government_id.national_id", STRONG),
    ("socialsecuritynumber", "user.government_id.national_id", STRONG),
    ("socialsecurity", "user.government_id.national_id", STRONG),
    ("nationalid", "user.government_id.national_id", STRONG),
    ("nationalidentificationnumber", "user.government_id.national_id", STRONG),
    ("nin", "user.government_id.national_id", MEDIUM),
    ("nino", "user.government_id.national_id", STRONG),
    ("nationalinsurance", "user.government_id.national_id", STRONG),
    ("nationalinsurancenumber", "user.government_id.national_id", STRONG),
    ("idnumber", "user.government_id.national_id", MEDIUM),
    ("personalausweis", "user.government_id.national_id", STRONG),
    ("ausweisnummer", "user.government_id.national_id", STRONG),
    ("nir", "user.government_id.national_id", STRONG),
    ("numerosecuritesociale", "user.government_id.national_id", STRONG),
    ("securitesociale", "user.government_id.national_id", STRONG),
    ("dni", "user.government_id.national_id", STRONG),
    ("nie", "user.government_id.national_id", STRONG),
    ("documentoidentidad", "user.government_id.national_id", STRONG),
    ("cartaidentita", "user.government_id.national_id", STRONG),
    ("bsn", "user.government_id.national_id", STRONG),
    ("burgerservicenummer", "user.government_id.national_id", STRONG),
    ("pesel", "user.government_id.national_id", STRONG),
    ("personnummer", "user.government_id.national_id", STRONG),
    ("personnr", "user.government_id.national_id", STRONG),
    ("passport", "user.government_id.passport_number", STRONG),
    ("passportnumber", "user.government_id.passport_number", STRONG),
    ("passportno", "user.government_id.passport_number", STRONG),
    ("reisepass", "user.government_id.passport_number", STRONG),
    ("passnummer", "user.government_id.passport_number", STRONG),
    ("passeport", "user.government_id.passport_number", STRONG),
    ("pasaporte", "user.government_id.passport_number", STRONG),
    ("passaporto", "user.government_id.passport_number", STRONG),
    ("paspoort", "user.government_id.passport_number", STRONG),
    ("paszport", "user.government_id.passport_number", STRONG),
    ("pass", "user.government_id.passport_number", WEAK),
    ("taxid", "user.government_id.tax_id", STRONG),
    ("tin", "user.government_id.tax_id", MEDIUM),
    ("taxnumber", "user.government_id.tax_id", STRONG),
    ("taxidentificationnumber", "user.government_id.tax_id", STRONG),
    ("steuerid", "user.government_id.tax_id", STRONG),
    ("steueridentifikationsnummer", "user.government_id.tax_id", STRONG),
    ("steuernummer", "user.government_id.tax_id", STRONG),
    ("idnr", "user.government_id.tax_id", MEDIUM),
    ("nif", "user.government_id.tax_id", STRONG),
    ("codicefiscale", "user.government_id.tax_id", STRONG),
    ("numerofiscal", "user.government_id.tax_id", STRONG),
    ("numerofiscale", "user.government_id.tax_id", STRONG),
    ("nip", "user.government_id.tax_id", MEDIUM),
    ("numeroidentificationfiscale", "user.government_id.tax_id", STRONG),
    // financial
    ("iban", "user.financial.bank_account", STRONG),
    ("bankaccount", "user.financial.bank_account", STRONG),
    ("accountnumber", "user.financial.bank_account", MEDIUM),
    ("kontonummer", "user.financial.bank_account", STRONG),
    ("bankverbindung", "user.financial.bank_account", STRONG),
    ("rib", "user.financial.bank_account", MEDIUM),
    ("cuentabancaria", "user.financial.bank_account", STRONG),
    ("contocorrente", "user.financial.bank_account", STRONG),
    ("rekeningnummer", "user.financial.bank_account", STRONG),
    ("numerkonta", "user.financial.bank_account", STRONG),
    ("bankkonto", "user.financial.bank_account", STRONG),
    ("bic", "user.financial.bank_account", WEAK),
    ("creditcard", "user.financial.credit_card", STRONG),
    ("cardnumber", "user.financial.credit_card", STRONG),
    ("ccnumber", "user.financial.credit_card", STRONG),
    ("pan", "user.financial.credit_card", MEDIUM),
    ("cardno", "user.financial.credit_card", STRONG),
    ("kreditkarte", "user.financial.credit_card", STRONG),
    ("kartennummer", "user.financial.credit_card", STRONG),
    ("cartebancaire", "user.financial.credit_card", STRONG),
    ("numerocarte", "user.financial.credit_card", STRONG),
    ("tarjeta", "user.financial.credit_card", STRONG),
    ("cartadicredito", "user.financial.credit_card", STRONG),
    ("creditcardnumber", "user.financial.credit_card", STRONG),
    ("kartakredytowa", "user.financial.credit_card", STRONG),
    ("kortnummer", "user.financial.credit_card", STRONG),
    // device and network
    ("ip", "user.device.ip_address", STRONG),
    ("ipaddress", "user.device.ip_address", STRONG),
    ("ipaddr", "user.device.ip_address", STRONG),
    ("ipv4", "user.device.ip_address", STRONG),
    ("ipv6", "user.device.ip_address", STRONG),
    ("remoteaddr", "user.device.ip_address", STRONG),
    ("clientip", "user.device.ip_address", STRONG),
    ("ipadresse", "user.device.ip_address", STRONG),
    ("deviceid", "user.device.device_id", STRONG),
    ("imei", "user.device.device_id", STRONG),
    ("macaddress", "user.device.device_id", STRONG),
    ("macaddr", "user.device.device_id", STRONG),
    ("mac", "user.device.device_id", MEDIUM),
    ("advertisingid", "user.device.device_id", STRONG),
    ("adid", "user.device.device_id", STRONG),
    ("idfa", "user.device.device_id", STRONG),
    ("gaid", "user.device.device_id", STRONG),
    ("aaid", "user.device.device_id", STRONG),
    ("udid", "user.device.device_id", STRONG),
    ("devicefingerprint", "user.device.device_id", STRONG),
    ("browserfingerprint", "user.device.device_id", STRONG),
    ("fingerprint", "user.device.device_id", MEDIUM),
    ("device", "user.device.device_id", WEAK),
    ("geraeteid", "user.device.device_id", STRONG),
    // location
    ("latitude", "user.location.precise", STRONG),
    ("longitude", "user.location.precise", STRONG),
    ("lat", "user.location.precise", MEDIUM),
    ("lon", "user.location.precise", MEDIUM),
    ("lng", "user.location.precise", MEDIUM),
    ("long", "user.location.precise", WEAK),
    ("geolocation", "user.location.precise", STRONG),
    ("geoposition", "user.location.precise", STRONG),
    ("coordinates", "user.location.precise", STRONG),
    ("gps", "user.location.precise", STRONG),
    ("breitengrad", "user.location.precise", STRONG),
    ("laengengrad", "user.location.precise", STRONG),
    ("langengrad", "user.location.precise", STRONG),
    ("latitud", "user.location.precise", STRONG),
    ("longitud", "user.location.precise", STRONG),
    ("latitudine", "user.location.precise", STRONG),
    ("longitudine", "user.location.precise", STRONG),
    ("breedtegraad", "user.location.precise", STRONG),
    ("lengtegraad", "user.location.precise", STRONG),
    ("szerokosc", "user.location.precise", STRONG),
    ("dlugosc", "user.location.precise", MEDIUM),
    // account identifiers
    ("username", "user.unique_id", STRONG),
    ("login", "user.unique_id", MEDIUM),
    ("userid", "user.unique_id", STRONG),
    ("customerid", "user.unique_id", STRONG),
    ("customernumber", "user.unique_id", STRONG),
    ("custid", "user.unique_id", STRONG),
    ("accountid", "user.unique_id", STRONG),
    ("memberid", "user.unique_id", STRONG),
    ("clientid", "user.unique_id", MEDIUM),
    ("employeeid", "user.unique_id", STRONG),
    ("personid", "user.unique_id", STRONG),
    ("patientid", "user.unique_id", STRONG),
    ("kundennummer", "user.unique_id", STRONG),
    ("kundenid", "user.unique_id", STRONG),
    ("kundennr", "user.unique_id", STRONG),
    ("benutzername", "user.unique_id", STRONG),
    ("numeroclient", "user.unique_id", STRONG),
    ("idcliente", "user.unique_id", STRONG),
    ("klantnummer", "user.unique_id", STRONG),
    ("numerklienta", "user.unique_id", STRONG),
    ("kundnummer", "user.unique_id", STRONG),
    ("subscriberid", "user.unique_id", STRONG),
    ("loyaltynumber", "user.unique_id", STRONG),
    ("supportrepid", "user.unique_id", MEDIUM),
    ("reportsto", "user.unique_id", MEDIUM),
    ("managerid", "user.unique_id", MEDIUM),
    // credentials
    ("password", "user.credentials", STRONG),
    ("passwd", "user.credentials", STRONG),
    ("pwd", "user.credentials", STRONG),
    ("passwordhash", "user.credentials", STRONG),
    ("pwhash", "user.credentials", STRONG),
    ("secret", "user.credentials", MEDIUM),
    ("apikey", "user.credentials", STRONG),
    ("accesstoken", "user.credentials", STRONG),
    ("refreshtoken", "user.credentials", STRONG),
    ("authtoken", "user.credentials", STRONG),
    ("sessiontoken", "user.credentials", STRONG),
    ("token", "user.credentials", MEDIUM),
    ("passwort", "user.credentials", STRONG),
    ("kennwort", "user.credentials", STRONG),
    ("motdepasse", "user.credentials", STRONG),
    ("contrasena", "user.credentials", STRONG),
    ("wachtwoord", "user.credentials", STRONG),
    ("haslo", "user.credentials", STRONG),
    ("losenord", "user.credentials", STRONG),
    ("pin", "user.credentials", MEDIUM),
    ("otpsecret", "user.credentials", STRONG),
    // special categories
    ("diagnosis", "user.health", STRONG),
    ("diagnose", "user.health", STRONG),
    ("medical", "user.health", STRONG),
    ("medicalcondition", "user.health", STRONG),
    ("health", "user.health", MEDIUM),
    ("allergy", "user.health", STRONG),
    ("allergies", "user.health", STRONG),
    ("disability", "user.health", STRONG),
    ("bloodtype", "user.health", STRONG),
    ("bloodgroup", "user.health", STRONG),
    ("medication", "user.health", STRONG),
    ("icd10", "user.health", STRONG),
    ("icdcode", "user.health", STRONG),
    ("krankheit", "user.health", STRONG),
    ("vorerkrankung", "user.health", STRONG),
    ("blutgruppe", "user.health", STRONG),
    ("maladie", "user.health", STRONG),
    ("enfermedad", "user.health", STRONG),
    ("malattia", "user.health", STRONG),
    ("ziekte", "user.health", STRONG),
    ("choroba", "user.health", STRONG),
    ("sjukdom", "user.health", STRONG),
    ("pregnancy", "user.health", STRONG),
    ("sicknote", "user.health", STRONG),
    ("biometric", "user.biometric", STRONG),
    ("faceprint", "user.biometric", STRONG),
    ("facetemplate", "user.biometric", STRONG),
    ("faceembedding", "user.biometric", STRONG),
    ("iris", "user.biometric", STRONG),
    ("irisscan", "user.biometric", STRONG),
    ("retina", "user.biometric", STRONG),
    ("voiceprint", "user.biometric", STRONG),
    ("fingerprinttemplate", "user.biometric", STRONG),
    ("fingerabdruck", "user.biometric", STRONG),
    ("dna", "user.genetic", STRONG),
    ("genome", "user.genetic", STRONG),
    ("genotype", "user.genetic", STRONG),
    ("genetic", "user.genetic", STRONG),
    ("geneticmarker", "user.genetic", STRONG),
    ("snp", "user.genetic", MEDIUM),
    ("religion", "user.religious_belief", STRONG),
    ("religious", "user.religious_belief", STRONG),
    ("faith", "user.religious_belief", STRONG),
    ("denomination", "user.religious_belief", MEDIUM),
    ("konfession", "user.religious_belief", STRONG),
    ("religionszugehoerigkeit", "user.religious_belief", STRONG),
    ("religione", "user.religious_belief", STRONG),
    ("wyznanie", "user.religious_belief", STRONG),
    ("politicalparty", "user.political_opinion", STRONG),
    ("politicalopinion", "user.political_opinion", STRONG),
    ("politicalaffiliation", "user.political_opinion", STRONG),
    ("partymembership", "user.political_opinion", STRONG),
    ("political", "user.political_opinion", STRONG),
    ("parteizugehoerigkeit", "user.political_opinion", STRONG),
    ("sexualorientation", "user.sexual_orientation", STRONG),
    ("orientation", "user.sexual_orientation", MEDIUM),
    ("sexuelleorientierung", "user.sexual_orientation", STRONG),
    ("orientationsexuelle", "user.sexual_orientation", STRONG),
    ("ethnicity", "user.racial_ethnic_origin", STRONG),
    ("ethnic", "user.racial_ethnic_origin", STRONG),
    ("ethnicorigin", "user.racial_ethnic_origin", STRONG),
    ("race", "user.racial_ethnic_origin", STRONG),
    ("ethnie", "user.racial_ethnic_origin", STRONG),
    ("etnia", "user.racial_ethnic_origin", STRONG),
    ("herkunft", "user.racial_ethnic_origin", MEDIUM),
    ("etniciteit", "user.racial_ethnic_origin", STRONG),
    ("tradeunion", "user.trade_union_membership", STRONG),
    ("unionmember", "user.trade_union_membership", STRONG),
    ("unionmembership", "user.trade_union_membership", STRONG),
    ("gewerkschaft", "user.trade_union_membership", STRONG),
    ("syndicat", "user.trade_union_membership", STRONG),
    ("sindicato", "user.trade_union_membership", STRONG),
    ("sindacato", "user.trade_union_membership", STRONG),
    ("vakbond", "user.trade_union_membership", STRONG),
    ("zwiazekzawodowy", "user.trade_union_membership", STRONG),
    ("fackforening", "user.trade_union_membership", STRONG),
];

/// Words that turn a name into something about personal data rather than the data itself:
/// `email_sent_count`, `phone_model`, `ip_pool_size`, `mail_server_host`.
pub const MODIFIERS: &[&str] = &[
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
    "partner",
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

/// The built-in vocabulary above, then the vocabulary files of the other languages and of
/// ERP and CRM field names (see [`super::languages`]); a term keeps its first entry.
fn vocabulary() -> &'static HashMap<String, Term> {
    static V: OnceLock<HashMap<String, Term>> = OnceLock::new();
    V.get_or_init(|| {
        let mut v: HashMap<String, Term> = VOCABULARY.iter().map(|(t, c, w)| (t.to_string(), Term { category: c, weight: *w })).collect();
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

/// Whether a word names a non-person entity (`product`, `stores`, `warehouse`).
pub fn is_non_person_word(w: &str) -> bool {
    NON_PERSON.contains(&w) || NON_PERSON.contains(&singular(w))
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
