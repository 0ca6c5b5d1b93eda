//! The labeled evaluation set: a generator that writes synthetic tables with realistic
//! values in eight European locales (positives, hard negatives, and opaque column names
//! where only values tell), the hand-labeled Chinook columns, and the scoring of a run
//! (precision, recall and F1 on "is personal data", category accuracy on true positives).

use crate::quickstart::{self, Locale, LOCALES};
use serde::Serialize;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};
use std::collections::BTreeMap;
use std::path::Path;

/// The expected category of a column (`None`: not personal data), with acceptable
/// alternatives where the taxonomy overlaps (a codice fiscale is both a national and a tax id).
#[derive(Debug, Clone, Serialize)]
pub struct Label {
    pub table: String,
    pub column: String,
    pub expected: Option<Vec<String>>,
}

/// Rows per generated table.
pub const ROWS: usize = 120;

struct Col {
    name: String,
    sql_type: &'static str,
    label: Option<Vec<&'static str>>,
    values: Vec<Option<String>>,
}

fn col(name: &str, sql_type: &'static str, label: Option<&[&'static str]>, values: Vec<Option<String>>) -> Col {
    Col { name: name.to_string(), sql_type, label: label.map(|l| l.to_vec()), values }
}

fn gen<F: FnMut(&mut fastrand::Rng) -> String>(rng: &mut fastrand::Rng, nulls: u8, mut f: F) -> Vec<Option<String>> {
    (0..ROWS).map(|_| if rng.u8(0..100) < nulls { None } else { Some(f(rng)) }).collect()
}

/// Less common given names, deliberately missing from the classifier's name lexicon.
const RARE_FIRST: &[&str] = &["Wendelin", "Ottilie", "Anatole", "Maëlys", "Iker", "Ainhoa", "Ettore", "Brunilde", "Jelmer", "Wietske", "Bożydar", "Sławomira", "Torbjörn", "Ylva", "Peregrine", "Tamsin"];

fn first_name(rng: &mut fastrand::Rng, loc: &Locale) -> String {
    if rng.u8(0..100) < 15 {
        quickstart::pick(rng, RARE_FIRST).to_string()
    } else {
        quickstart::pick(rng, loc.first).to_string()
    }
}

fn phone(rng: &mut fastrand::Rng, loc: &Locale) -> String {
    format!("{}{}", loc.phone_prefix, (0..loc.phone_digits).map(|_| rng.u8(0..10).to_string()).collect::<String>())
}

fn email(rng: &mut fastrand::Rng, loc: &Locale) -> String {
    let f = quickstart::ascii_fold(&first_name(rng, loc));
    let l = quickstart::ascii_fold(*quickstart::pick(rng, loc.last));
    format!("{f}.{l}{}@{}", rng.u16(1..999), quickstart::pick(rng, loc.mail))
}

fn digits(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.u8(0..10))).collect()
}

fn de_tax_id(rng: &mut fastrand::Rng) -> String {
    loop {
        let mut d: Vec<u32> = (0..10).map(|_| rng.u32(0..10)).collect();
        if d[0] == 0 {
            continue;
        }
        d[rng.usize(1..10)] = d[rng.usize(1..10)];
        let mut counts = [0u8; 10];
        for x in &d {
            counts[*x as usize] += 1;
        }
        if counts.iter().filter(|c| **c >= 2).count() != 1 || counts.iter().any(|c| *c > 3) {
            continue;
        }
        let mut product = 10;
        for x in &d {
            let mut sum = (x + product) % 10;
            if sum == 0 {
                sum = 10;
            }
            product = (sum * 2) % 11;
        }
        let check = if 11 - product == 10 { 0 } else { 11 - product };
        return format!("{}{}", d.iter().map(|x| x.to_string()).collect::<String>(), check);
    }
}

fn fr_nir(rng: &mut fastrand::Rng) -> String {
    let body = format!("{}{:02}{:02}{:02}{}{}", rng.u8(1..=2), rng.u8(40..99), rng.u8(1..=12), rng.u8(1..=95), digits(rng, 3), digits(rng, 3));
    let n: u64 = body.parse().unwrap_or(0);
    format!("{body}{:02}", 97 - n % 97)
}

fn es_dni(rng: &mut fastrand::Rng) -> String {
    let n = rng.u32(10_000_000..99_999_999);
    format!("{n}{}", b"TRWAGMYFPDXBNJZSQVHLCKE"[(n % 23) as usize] as char)
}

fn it_codice_fiscale(rng: &mut fastrand::Rng) -> String {
    const ODD: [u32; 36] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
    let letter = |rng: &mut fastrand::Rng| char::from(b'A' + rng.u8(0..26));
    let mut s = String::new();
    for _ in 0..6 {
        s.push(letter(rng));
    }
    s.push_str(&format!("{:02}", rng.u8(40..99)));
    s.push(*quickstart::pick(rng, &['A', 'B', 'C', 'D', 'E', 'H', 'L', 'M', 'P', 'R', 'S', 'T']));
    s.push_str(&format!("{:02}", rng.u8(1..=28)));
    s.push(letter(rng));
    s.push_str(&digits(rng, 3));
    let sum: u32 = s
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let idx = if c.is_ascii_digit() { (c - b'0') as usize } else { (c - b'A') as usize + 10 };
            if i % 2 == 0 { ODD[idx] } else if c.is_ascii_digit() { (c - b'0') as u32 } else { (c - b'A') as u32 }
        })
        .sum();
    s.push(char::from(b'A' + (sum % 26) as u8));
    s
}

fn pl_pesel(rng: &mut fastrand::Rng) -> String {
    let body = format!("{:02}{:02}{:02}{}", rng.u8(50..99), rng.u8(1..=12), rng.u8(1..=28), digits(rng, 4));
    let w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = body.bytes().zip(w).map(|(b, w)| (b - b'0') as u32 * w).sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn se_personnummer(rng: &mut fastrand::Rng) -> String {
    let body = format!("{:02}{:02}{:02}{}", rng.u8(40..99), rng.u8(1..=12), rng.u8(1..=28), digits(rng, 3));
    for check in 0..10 {
        let ten = format!("{body}{check}");
        if super::validators::luhn(&ten) {
            return format!("{}-{}", &ten[..6], &ten[6..]);
        }
    }
    unreachable!("one check digit always satisfies Luhn")
}

fn uk_nino(rng: &mut fastrand::Rng) -> String {
    format!("{}{}{}{}", quickstart::pick(rng, &["AB", "CE", "JK", "LM", "PR", "SW", "HT"]), digits(rng, 6), "", quickstart::pick(rng, &["A", "B", "C", "D"]))
}

fn national_id(rng: &mut fastrand::Rng, country: &str) -> String {
    match country {
        "DE" => de_tax_id(rng),
        "FR" => fr_nir(rng),
        "ES" => es_dni(rng),
        "IT" => it_codice_fiscale(rng),
        "NL" => quickstart::bsn(rng),
        "PL" => pl_pesel(rng),
        "SE" => se_personnummer(rng),
        _ => uk_nino(rng),
    }
}

/// Column names per locale: (customers table, id, first, last, email, phone, birth, gender,
/// street, postal code, city, national id, iban, created, status, points).
struct Names {
    table: &'static str,
    cols: [&'static str; 15],
    national_label: &'static [&'static str],
}

const NAMES: &[Names] = &[
    Names { table: "kunden", cols: ["kundennummer", "vorname", "nachname", "email", "telefon", "geburtsdatum", "geschlecht", "strasse", "plz", "ort", "steuer_id", "iban", "erstellt_am", "status", "punkte"], national_label: &["user.government_id.tax_id", "user.government_id.national_id"] },
    Names { table: "clients", cols: ["id_client", "prenom", "nom_de_famille", "courriel", "telephone", "date_de_naissance", "sexe", "adresse", "code_postal", "ville", "numero_securite_sociale", "iban", "date_creation", "statut", "points_fidelite"], national_label: &["user.government_id.national_id"] },
    Names { table: "clientes", cols: ["id_cliente", "nombre", "apellidos", "correo", "movil", "fecha_nacimiento", "sexo", "direccion", "codigo_postal", "ciudad", "dni", "iban", "fecha_alta", "estado", "puntos"], national_label: &["user.government_id.national_id", "user.government_id.tax_id"] },
    Names { table: "clienti", cols: ["id_cliente", "nome", "cognome", "posta_elettronica", "cellulare", "data_di_nascita", "sesso", "indirizzo", "cap", "citta", "codice_fiscale", "iban", "data_registrazione", "stato", "punti"], national_label: &["user.government_id.tax_id", "user.government_id.national_id"] },
    Names { table: "klanten", cols: ["klantnummer", "voornaam", "achternaam", "emailadres", "telefoonnummer", "geboortedatum", "geslacht", "straat", "postcode", "woonplaats", "bsn", "iban", "aangemaakt_op", "status", "punten"], national_label: &["user.government_id.national_id"] },
    Names { table: "klienci", cols: ["numer_klienta", "imie", "nazwisko", "email", "numer_telefonu", "data_urodzenia", "plec", "ulica", "kod_pocztowy", "miasto", "pesel", "iban", "data_utworzenia", "status", "punkty"], national_label: &["user.government_id.national_id"] },
    Names { table: "kunder", cols: ["kundnummer", "fornamn", "efternamn", "epost", "mobil", "fodelsedatum", "kon", "gatuadress", "postnummer", "postort", "personnummer", "iban", "skapad", "status", "poang"], national_label: &["user.government_id.national_id"] },
    Names { table: "customers", cols: ["customer_id", "first_name", "last_name", "email_address", "phone_number", "date_of_birth", "gender", "address_line1", "postcode", "city", "ni_number", "iban", "created_at", "status", "loyalty_points"], national_label: &["user.government_id.national_id"] },
];

fn customer_table(rng: &mut fastrand::Rng, loc: &Locale, n: &Names) -> (String, Vec<Col>) {
    let c = &n.cols;
    let cols = vec![
        col(c[0], "INTEGER", Some(&["user.unique_id"]), (0..ROWS).map(|i| Some((10_000 + i).to_string())).collect()),
        col(c[1], "TEXT", Some(&["user.name.first"]), gen(rng, 0, |r| first_name(r, loc))),
        col(c[2], "TEXT", Some(&["user.name.last"]), gen(rng, 0, |r| quickstart::pick(r, loc.last).to_string())),
        col(c[3], "TEXT", Some(&["user.contact.email"]), gen(rng, 3, |r| email(r, loc))),
        col(c[4], "TEXT", Some(&["user.contact.phone_number"]), gen(rng, 10, |r| phone(r, loc))),
        col(c[5], "DATE", Some(&["user.demographic.date_of_birth"]), gen(rng, 5, |r| quickstart::date(r, 1940, 2006))),
        col(c[6], "TEXT", Some(&["user.demographic.gender"]), gen(rng, 5, |r| quickstart::pick(r, &["f", "m", "d"]).to_string())),
        col(c[7], "TEXT", Some(&["user.contact.address.street"]), gen(rng, 2, |r| format!("{} {}", quickstart::pick(r, loc.streets), r.u16(1..250)))),
        col(c[8], "TEXT", Some(&["user.contact.address.postal_code"]), gen(rng, 2, |r| quickstart::pick(r, loc.cities).1.to_string())),
        col(c[9], "TEXT", Some(&["user.contact.address.city"]), gen(rng, 2, |r| quickstart::pick(r, loc.cities).0.to_string())),
        col(c[10], "TEXT", Some(n.national_label), gen(rng, 5, |r| national_id(r, loc.country))),
        col(c[11], "TEXT", Some(&["user.financial.bank_account"]), gen(rng, 30, |r| quickstart::iban(r, loc.country))),
        col(c[12], "DATETIME", None, gen(rng, 0, |r| quickstart::datetime(r, 2021, 2025))),
        col(c[13], "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &["active", "blocked", "pending"]).to_string())),
        col(c[14], "INTEGER", None, gen(rng, 0, |r| r.u32(0..5000).to_string())),
    ];
    (format!("{}_{}", n.table, loc.country.to_lowercase()), cols)
}

fn employee_table(rng: &mut fastrand::Rng, loc: &Locale) -> (String, Vec<Col>) {
    let cols = vec![
        col("employee_id", "INTEGER", Some(&["user.unique_id"]), (0..ROWS).map(|i| Some((500 + i).to_string())).collect()),
        col("full_name", "TEXT", Some(&["user.name"]), gen(rng, 0, |r| format!("{} {}", first_name(r, loc), quickstart::pick(r, loc.last)))),
        col("work_email", "TEXT", Some(&["user.contact.email"]), gen(rng, 0, |r| email(r, loc))),
        col("mobile", "TEXT", Some(&["user.contact.phone_number"]), gen(rng, 20, |r| phone(r, loc))),
        col("hire_date", "DATE", None, gen(rng, 0, |r| quickstart::date(r, 2015, 2025))),
        col("salary", "NUMERIC(10,2)", None, gen(rng, 0, |r| format!("{}.00", r.u32(30_000..120_000)))),
        col("department", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &["Sales", "Finance", "IT", "Logistics"]).to_string())),
        col("job_title", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &["Manager", "Clerk", "Engineer", "Analyst"]).to_string())),
    ];
    (format!("employees_{}", loc.country.to_lowercase()), cols)
}

fn order_table(rng: &mut fastrand::Rng, loc: &Locale) -> (String, Vec<Col>) {
    let products = ["Espresso Beans 1kg", "Green Tea", "Chef Knife", "Watering Can", "Board Game", "Desk Lamp", "Yoga Mat"];
    let cols = vec![
        col("order_no", "INTEGER", None, (0..ROWS).map(|i| Some((700_000 + i).to_string())).collect()),
        col("ordered_at", "DATETIME", None, gen(rng, 0, |r| quickstart::datetime(r, 2023, 2025))),
        col("delivery_date", "DATE", None, gen(rng, 10, |r| quickstart::date(r, 2023, 2025))),
        col("net_price", "NUMERIC(10,2)", None, gen(rng, 0, |r| format!("{}.{:02}", r.u32(1..500), r.u32(0..100)))),
        col("quantity", "INTEGER", None, gen(rng, 0, |r| r.u32(1..10).to_string())),
        col("currency", "TEXT", None, gen(rng, 0, |_| "EUR".to_string())),
        col("ean", "TEXT", None, gen(rng, 0, quickstart::ean13)),
        col("product_name", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &products).to_string())),
        col("phone_model", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &["Pixel 8", "iPhone 15", "Galaxy S24", "Fairphone 5"]).to_string())),
        col("email_sent_count", "INTEGER", None, gen(rng, 0, |r| r.u32(0..30).to_string())),
        col("ip_pool_size", "INTEGER", None, gen(rng, 0, |r| quickstart::pick(r, &["8", "16", "32", "64"]).to_string())),
        col("mail_server_host", "TEXT", None, gen(rng, 0, |r| format!("smtp{}.mail.example.net", r.u8(1..5)))),
    ];
    (format!("orders_{}", loc.country.to_lowercase()), cols)
}

fn store_table(rng: &mut fastrand::Rng, loc: &Locale) -> (String, Vec<Col>) {
    let cols = vec![
        col("store_name", "TEXT", None, gen(rng, 0, |r| format!("Almanac Outlet {}", quickstart::pick(r, loc.cities).0))),
        col("company_name", "TEXT", None, gen(rng, 0, |r| format!("{} {} GmbH", quickstart::pick(r, loc.last), quickstart::pick(r, &["Handel", "Logistik", "Retail"])))),
        col("street", "TEXT", None, gen(rng, 0, |r| format!("{} {}", quickstart::pick(r, loc.streets), r.u16(1..250)))),
        col("postal_code", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, loc.cities).1.to_string())),
        col("city", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, loc.cities).0.to_string())),
        col("opened_on", "DATE", None, gen(rng, 0, |r| quickstart::date(r, 1995, 2020))),
    ];
    (format!("stores_{}", loc.country.to_lowercase()), cols)
}

/// Opaque names: only the values tell.
fn opaque_table(rng: &mut fastrand::Rng, loc: &Locale) -> (String, Vec<Col>) {
    let cols = vec![
        col("c1", "TEXT", Some(&["user.contact.email"]), gen(rng, 5, |r| email(r, loc))),
        col("c2", "TEXT", Some(&["user.contact.phone_number"]), gen(rng, 5, |r| phone(r, loc))),
        col("c3", "TEXT", Some(&["user.financial.bank_account"]), gen(rng, 5, |r| quickstart::iban(r, loc.country))),
        col("c4", "TEXT", Some(&["user.financial.credit_card"]), gen(rng, 5, quickstart::card_number)),
        col("c5", "TEXT", Some(&["user.device.ip_address"]), gen(rng, 5, quickstart::public_ip)),
        col("c6", "TEXT", Some(&["user.government_id.national_id", "user.government_id.tax_id"]), gen(rng, 5, |r| national_id(r, loc.country))),
        col("c7", "TEXT", Some(&["user.name"]), gen(rng, 0, |r| format!("{} {}", first_name(r, loc), quickstart::pick(r, loc.last)))),
        col("c8", "NUMERIC", None, gen(rng, 0, |r| format!("{}.{:02}", r.u32(1..9999), r.u32(0..100)))),
        col("c9", "TEXT", None, gen(rng, 0, |r| format!("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", r.u32(..), r.u16(..), r.u16(..0x1000), r.u16(..0x1000), r.u64(..0x1_0000_0000_0000)))),
        col("c10", "TEXT", None, gen(rng, 0, |r| quickstart::datetime(r, 2024, 2025))),
        col("c11", "TEXT", None, gen(rng, 0, quickstart::ean13)),
        col("c12", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &["NEW", "PAID", "SHIPPED", "RETURNED"]).to_string())),
    ];
    (format!("extract_{}", loc.country.to_lowercase()), cols)
}

fn shared_tables(rng: &mut fastrand::Rng) -> Vec<(String, Vec<Col>)> {
    let imei = |r: &mut fastrand::Rng| loop {
        let body = digits(r, 14);
        for c in 0..10 {
            let s = format!("{body}{c}");
            if super::validators::luhn(&s) {
                return s;
            }
        }
    };
    let hex = |r: &mut fastrand::Rng, n: usize| (0..n).map(|_| format!("{:x}", r.u8(0..16))).collect::<String>();
    let device = vec![
        col("ip_address", "TEXT", Some(&["user.device.ip_address"]), gen(rng, 0, quickstart::public_ip)),
        col("imei", "TEXT", Some(&["user.device.device_id"]), gen(rng, 10, imei)),
        col("mac_address", "TEXT", Some(&["user.device.device_id"]), gen(rng, 10, |r| (0..6).map(|_| format!("{:02x}", r.u8(..))).collect::<Vec<_>>().join(":"))),
        col("advertising_id", "TEXT", Some(&["user.device.device_id"]), gen(rng, 10, |r| format!("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", r.u32(..), r.u16(..), r.u16(..0x1000), r.u16(..0x1000), r.u64(..0x1_0000_0000_0000)))),
        col("latitude", "REAL", Some(&["user.location.precise"]), gen(rng, 0, |r| format!("{:.6}", 36.0 + r.f64() * 23.0))),
        col("longitude", "REAL", Some(&["user.location.precise"]), gen(rng, 0, |r| format!("{:.6}", -9.0 + r.f64() * 33.0))),
        col("session_id", "TEXT", None, gen(rng, 0, |r| hex(r, 24))),
        col("page_views", "INTEGER", None, gen(rng, 0, |r| r.u32(1..80).to_string())),
        col("user_agent_family", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &["Firefox", "Chrome", "Safari"]).to_string())),
        col("visited_at", "DATETIME", None, gen(rng, 0, |r| quickstart::datetime(r, 2025, 2025))),
    ];
    let health = vec![
        col("patient_id", "INTEGER", Some(&["user.unique_id"]), (0..ROWS).map(|i| Some((90_000 + i).to_string())).collect()),
        col("diagnosis", "TEXT", Some(&["user.health"]), gen(rng, 0, |r| quickstart::pick(r, &["J45.9 asthma", "E11 type 2 diabetes", "I10 hypertension", "M54.5 low back pain"]).to_string())),
        col("blood_type", "TEXT", Some(&["user.health"]), gen(rng, 0, |r| quickstart::pick(r, &["A+", "0-", "B+", "AB+"]).to_string())),
        col("religion", "TEXT", Some(&["user.religious_belief"]), gen(rng, 20, |r| quickstart::pick(r, &["catholic", "protestant", "muslim", "none", "jewish"]).to_string())),
        col("ethnicity", "TEXT", Some(&["user.racial_ethnic_origin"]), gen(rng, 30, |r| quickstart::pick(r, &["white", "black", "asian", "mixed"]).to_string())),
        col("trade_union_member", "TEXT", Some(&["user.trade_union_membership"]), gen(rng, 0, |r| quickstart::pick(r, &["yes", "no"]).to_string())),
        col("political_party", "TEXT", Some(&["user.political_opinion"]), gen(rng, 50, |r| quickstart::pick(r, &["Greens", "Liberals", "Social Democrats"]).to_string())),
        col("sexual_orientation", "TEXT", Some(&["user.sexual_orientation"]), gen(rng, 60, |r| quickstart::pick(r, &["heterosexual", "gay", "bisexual"]).to_string())),
        col("dna_sample_ref", "TEXT", Some(&["user.genetic"]), gen(rng, 0, |r| format!("DNA-{}", digits(r, 8)))),
        col("appointment_at", "DATETIME", None, gen(rng, 0, |r| quickstart::datetime(r, 2025, 2026))),
        col("room_number", "TEXT", None, gen(rng, 0, |r| format!("{}{:02}", r.u8(1..5), r.u8(1..40)))),
        col("fee_eur", "NUMERIC(8,2)", None, gen(rng, 0, |r| format!("{}.00", r.u32(20..400)))),
    ];
    let accounts = vec![
        col("username", "TEXT", Some(&["user.unique_id"]), gen(rng, 0, |r| format!("user{}", r.u32(1000..99999)))),
        col("password_hash", "TEXT", Some(&["user.credentials"]), gen(rng, 0, |r| format!("$2b$12${}", (0..53).map(|_| char::from(b'a' + r.u8(0..26))).collect::<String>()))),
        col("api_token", "TEXT", Some(&["user.credentials"]), gen(rng, 20, |r| format!("eyJhbGciOiJIUzI1NiJ9.eyJ{}.{}", hex(r, 20), hex(r, 30)))),
        col("login_attempts", "INTEGER", None, gen(rng, 0, |r| r.u32(0..5).to_string())),
        col("password_policy", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &["strict", "default"]).to_string())),
        col("token_count", "INTEGER", None, gen(rng, 0, |r| r.u32(0..20).to_string())),
        col("last_login_at", "DATETIME", None, gen(rng, 0, |r| quickstart::datetime(r, 2025, 2025))),
    ];
    let loc = &LOCALES[0];
    let texts = vec![
        col("support_note", "TEXT", Some(&["user.free_text_with_pii"]), gen(rng, 0, |r| match r.u8(0..3) {
            0 => format!("Customer asked for a callback on {} about the refund", phone(r, loc)),
            1 => format!("Please write to {} with the invoice copy", email(r, loc)),
            _ => "Parcel arrived late, offered a voucher".to_string(),
        })),
        col("review_text", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &["Great coffee, fast delivery", "The mug broke in the dishwasher", "Would buy again", "Lamp is brighter than expected"]).to_string())),
        col("product_description", "TEXT", None, gen(rng, 0, |r| quickstart::pick(r, &["Organic beans from Peru, medium roast", "Stainless steel, 20 cm blade", "Cotton, machine washable"]).to_string())),
        col("order_comment", "TEXT", Some(&["user.free_text_with_pii"]), gen(rng, 0, |r| match r.u8(0..2) {
            0 => format!("Deliver to neighbour, contact {}", phone(r, loc)),
            _ => format!("Refund to {} please", quickstart::iban(r, "DE")),
        })),
    ];
    vec![("web_sessions".into(), device), ("patients".into(), health), ("accounts".into(), accounts), ("tickets".into(), texts)]
}

fn all_tables(seed: u64) -> Vec<(String, Vec<Col>)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut tables = Vec::new();
    for (loc, names) in LOCALES.iter().zip(NAMES) {
        tables.push(customer_table(&mut rng, loc, names));
        tables.push(employee_table(&mut rng, loc));
        tables.push(order_table(&mut rng, loc));
        tables.push(store_table(&mut rng, loc));
        tables.push(opaque_table(&mut rng, loc));
    }
    tables.extend(shared_tables(&mut rng));
    tables
}

fn sql_text(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("'{}'", s.replace('\'', "''")),
        None => "NULL".into(),
    }
}

/// Writes the evaluation tables to an SQLite file (replacing it) and returns the labels.
pub async fn write_eval_db(path: &Path, seed: u64) -> Result<Vec<Label>, sqlx::Error> {
    let _ = std::fs::remove_file(path);
    let mut conn = SqliteConnectOptions::new().filename(path).create_if_missing(true).connect().await?;
    let mut sql = String::from("BEGIN;\n");
    let mut labels = Vec::new();
    for (table, cols) in all_tables(seed) {
        let defs: Vec<String> = cols.iter().map(|c| format!("\"{}\" {}", c.name, c.sql_type)).collect();
        sql.push_str(&format!("CREATE TABLE \"{table}\" ({});\n", defs.join(", ")));
        for row in 0..ROWS {
            let vals: Vec<String> = cols.iter().map(|c| sql_text(&c.values[row])).collect();
            sql.push_str(&format!("INSERT INTO \"{table}\" VALUES ({});\n", vals.join(", ")));
        }
        for c in &cols {
            labels.push(Label {
                table: table.clone(),
                column: c.name.clone(),
                expected: c.label.as_ref().map(|l| l.iter().map(|s| s.to_string()).collect()),
            });
        }
    }
    sql.push_str("COMMIT;\n");
    conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).await?;
    conn.close().await?;
    Ok(labels)
}

/// Chinook, labeled by hand (table, column, expected categories; `[]` for not personal).
pub const CHINOOK_LABELS: &[(&str, &str, &[&str])] = &[
    ("Album", "AlbumId", &[]), ("Album", "Title", &[]), ("Album", "ArtistId", &[]),
    ("Artist", "ArtistId", &[]), ("Artist", "Name", &[]),
    ("Customer", "CustomerId", &["user.unique_id"]), ("Customer", "FirstName", &["user.name.first"]),
    ("Customer", "LastName", &["user.name.last"]), ("Customer", "Company", &[]),
    ("Customer", "Address", &["user.contact.address.street"]), ("Customer", "City", &["user.contact.address.city"]),
    ("Customer", "State", &[]), ("Customer", "Country", &[]),
    ("Customer", "PostalCode", &["user.contact.address.postal_code"]), ("Customer", "Phone", &["user.contact.phone_number"]),
    ("Customer", "Fax", &["user.contact.phone_number"]), ("Customer", "Email", &["user.contact.email"]),
    ("Customer", "SupportRepId", &["user.unique_id"]),
    ("Employee", "EmployeeId", &["user.unique_id"]), ("Employee", "LastName", &["user.name.last"]),
    ("Employee", "FirstName", &["user.name.first"]), ("Employee", "Title", &[]), ("Employee", "ReportsTo", &["user.unique_id"]),
    ("Employee", "BirthDate", &["user.demographic.date_of_birth"]), ("Employee", "HireDate", &[]),
    ("Employee", "Address", &["user.contact.address.street"]), ("Employee", "City", &["user.contact.address.city"]),
    ("Employee", "State", &[]), ("Employee", "Country", &[]), ("Employee", "PostalCode", &["user.contact.address.postal_code"]),
    ("Employee", "Phone", &["user.contact.phone_number"]), ("Employee", "Fax", &["user.contact.phone_number"]),
    ("Employee", "Email", &["user.contact.email"]),
    ("Genre", "GenreId", &[]), ("Genre", "Name", &[]),
    ("Invoice", "InvoiceId", &[]), ("Invoice", "CustomerId", &["user.unique_id"]), ("Invoice", "InvoiceDate", &[]),
    ("Invoice", "BillingAddress", &["user.contact.address.street"]), ("Invoice", "BillingCity", &["user.contact.address.city"]),
    ("Invoice", "BillingState", &[]), ("Invoice", "BillingCountry", &[]),
    ("Invoice", "BillingPostalCode", &["user.contact.address.postal_code"]), ("Invoice", "Total", &[]),
    ("InvoiceLine", "InvoiceLineId", &[]), ("InvoiceLine", "InvoiceId", &[]), ("InvoiceLine", "TrackId", &[]),
    ("InvoiceLine", "UnitPrice", &[]), ("InvoiceLine", "Quantity", &[]),
    ("MediaType", "MediaTypeId", &[]), ("MediaType", "Name", &[]),
    ("Playlist", "PlaylistId", &[]), ("Playlist", "Name", &[]),
    ("PlaylistTrack", "PlaylistId", &[]), ("PlaylistTrack", "TrackId", &[]),
    ("Track", "TrackId", &[]), ("Track", "Name", &[]), ("Track", "AlbumId", &[]), ("Track", "MediaTypeId", &[]),
    ("Track", "GenreId", &[]), ("Track", "Composer", &[]), ("Track", "Milliseconds", &[]), ("Track", "Bytes", &[]),
    ("Track", "UnitPrice", &[]),
];

/// The Chinook labels as [`Label`]s.
pub fn chinook_labels() -> Vec<Label> {
    CHINOOK_LABELS
        .iter()
        .map(|(t, c, l)| Label {
            table: t.to_string(),
            column: c.to_string(),
            expected: (!l.is_empty()).then(|| l.iter().map(|s| s.to_string()).collect()),
        })
        .collect()
}

/// Scores of one evaluation run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub columns: usize,
    pub positives: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub category_correct: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub category_accuracy: f64,
    /// Misses and false alarms, for reading (`table.column: expected -> predicted`).
    pub mistakes: Vec<String>,
}

/// Scores predictions (`(table, column) -> category`) against labels.
pub fn score(labels: &[Label], predictions: &BTreeMap<(String, String), String>) -> Report {
    let mut r = Report { columns: labels.len(), ..Default::default() };
    for l in labels {
        let predicted = predictions.get(&(l.table.clone(), l.column.clone()));
        match (&l.expected, predicted) {
            (Some(exp), Some(p)) => {
                r.true_positives += 1;
                if exp.contains(p) {
                    r.category_correct += 1;
                } else {
                    r.mistakes.push(format!("{}.{}: {} -> {p} (wrong category)", l.table, l.column, exp.join("|")));
                }
            }
            (Some(exp), None) => {
                r.false_negatives += 1;
                r.mistakes.push(format!("{}.{}: {} -> none (missed)", l.table, l.column, exp.join("|")));
            }
            (None, Some(p)) => {
                r.false_positives += 1;
                r.mistakes.push(format!("{}.{}: none -> {p} (false alarm)", l.table, l.column));
            }
            (None, None) => {}
        }
        if l.expected.is_some() {
            r.positives += 1;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    r.precision = ratio(r.true_positives, r.true_positives + r.false_positives);
    r.recall = ratio(r.true_positives, r.true_positives + r.false_negatives);
    r.f1 = if r.precision + r.recall == 0.0 { 0.0 } else { 2.0 * r.precision * r.recall / (r.precision + r.recall) };
    r.category_accuracy = ratio(r.category_correct, r.true_positives);
    r
}

/// Scans the SQLite file at `path` with the real scanner (sampling `sample_rows` per table)
/// and classifies every column: `(table, column) -> category`.
pub async fn classify_sqlite(
    path: &Path,
    classifier: &super::Classifier,
    sample_rows: u32,
) -> Result<BTreeMap<(String, String), String>, almanac_scanners::ScanError> {
    let url = almanac_scanners::SourceUrl::parse(&format!("sqlite://{}", path.display()))
        .map_err(|e| almanac_scanners::ScanError::NotFound(e.to_string()))?;
    let options = almanac_scanners::ScanOptions { sample_rows, ..Default::default() };
    let snap = almanac_scanners::scan(&url, &options, &almanac_scanners::NoProgress).await?;
    let mut out = BTreeMap::new();
    for d in snap.namespaces.iter().flat_map(|n| &n.datasets) {
        for c in &d.columns {
            let facts = super::ColumnFacts::scanned(d, c, None);
            if let Some(s) = classifier.classify(&facts) {
                out.insert((d.name.clone(), c.name.clone()), s.category);
            }
        }
    }
    Ok(out)
}
