//! The quickstart's sample warehouse: an SQLite file with customers, orders, employees,
//! stores, payments and views, filled with realistic (generated, deterministic) personal
//! data from several European locales, column comments in the DDL, and foreign keys.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection, Executor};
use std::path::Path;

/// Why the sample warehouse could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("cannot write the sample warehouse at {path}: {message}")]
    Write { path: String, message: String },
}

const DDL: &str = r#"
CREATE TABLE stores -- physical shops and warehouses of the company
(
    store_id     INTEGER PRIMARY KEY,
    store_name   TEXT NOT NULL UNIQUE, -- trading name shown on receipts
    street       TEXT NOT NULL,        -- street address of the shop (company address, not personal)
    postal_code  TEXT NOT NULL,
    city         TEXT NOT NULL,
    country      TEXT NOT NULL,        -- ISO 3166-1 alpha-2
    opened_on    DATE NOT NULL
);

CREATE TABLE customers -- one row per customer account
(
    customer_id      INTEGER PRIMARY KEY,
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    email            TEXT NOT NULL UNIQUE, -- login e-mail address
    phone            TEXT,                 -- mobile number in international format
    birth_date       DATE,                 -- as given at sign-up
    gender           TEXT,
    street           TEXT,
    postal_code      TEXT,
    city             TEXT,
    country          TEXT NOT NULL,        -- ISO 3166-1 alpha-2
    iban             TEXT,                 -- for refunds by bank transfer
    signup_ip        TEXT,                 -- IP address the account was created from
    created_at       DATETIME NOT NULL,
    marketing_opt_in BOOLEAN NOT NULL DEFAULT 0,
    loyalty_tier     TEXT NOT NULL DEFAULT 'basic' -- basic, silver or gold
);

CREATE TABLE employees -- staff of the shops and head office
(
    employee_id  INTEGER PRIMARY KEY,
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    work_email   TEXT NOT NULL UNIQUE,
    mobile       TEXT,
    birth_date   DATE NOT NULL,
    national_id  TEXT,                  -- national identification number, by country of employment
    hire_date    DATE NOT NULL,
    salary_eur   NUMERIC(10,2) NOT NULL, -- gross yearly salary in euros
    manager_id   INTEGER REFERENCES employees(employee_id),
    store_id     INTEGER REFERENCES stores(store_id)
);

CREATE TABLE products
(
    product_id    INTEGER PRIMARY KEY,
    sku           TEXT NOT NULL UNIQUE,  -- internal stock keeping unit
    ean           TEXT NOT NULL,         -- EAN-13 barcode
    product_name  TEXT NOT NULL,
    category      TEXT NOT NULL,
    unit_price    NUMERIC(10,2) NOT NULL, -- list price in euros, VAT included
    vat_rate      NUMERIC(4,2) NOT NULL
);

CREATE TABLE orders
(
    order_id             INTEGER PRIMARY KEY,
    customer_id          INTEGER NOT NULL REFERENCES customers(customer_id),
    store_id             INTEGER REFERENCES stores(store_id), -- null for web orders
    ordered_at           DATETIME NOT NULL,
    status               TEXT NOT NULL,   -- placed, paid, shipped, delivered, cancelled
    total_amount         NUMERIC(12,2) NOT NULL, -- order total in the order currency, VAT included
    currency             TEXT NOT NULL DEFAULT 'EUR',
    shipping_street      TEXT,
    shipping_postal_code TEXT,
    shipping_city        TEXT
);

CREATE TABLE order_items
(
    order_id    INTEGER NOT NULL REFERENCES orders(order_id),
    line_no     INTEGER NOT NULL,
    product_id  INTEGER NOT NULL REFERENCES products(product_id),
    quantity    INTEGER NOT NULL,
    unit_price  NUMERIC(10,2) NOT NULL, -- price paid per unit, VAT included
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE payments
(
    payment_id   INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(order_id),
    card_number  TEXT,     -- full card number (legacy; to be tokenized)
    card_expiry  TEXT,
    amount       NUMERIC(12,2) NOT NULL,
    paid_at      DATETIME NOT NULL
);

CREATE TABLE support_tickets
(
    ticket_id    INTEGER PRIMARY KEY,
    customer_id  INTEGER REFERENCES customers(customer_id),
    opened_at    DATETIME NOT NULL,
    channel      TEXT NOT NULL,  -- email, phone or chat
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL   -- message as written by the customer
);

CREATE TABLE web_sessions
(
    session_id   TEXT PRIMARY KEY,
    customer_id  INTEGER REFERENCES customers(customer_id),
    ip_address   TEXT NOT NULL,
    user_agent   TEXT,
    device_id    TEXT,   -- advertising id of the device
    latitude     REAL,
    longitude    REAL,
    started_at   DATETIME NOT NULL,
    duration_s   INTEGER  -- session length in seconds
);

CREATE VIEW customer_order_totals AS
SELECT c.customer_id, c.email, count(o.order_id) AS order_count, sum(o.total_amount) AS lifetime_value
FROM customers c LEFT JOIN orders o ON o.customer_id = c.customer_id
GROUP BY c.customer_id, c.email;

CREATE VIEW active_customers AS
SELECT customer_id, first_name, last_name, email, country
FROM customers
WHERE customer_id IN (SELECT customer_id FROM orders WHERE ordered_at >= '2025-01-01');

CREATE VIEW employee_directory AS
SELECT e.employee_id, e.first_name || ' ' || e.last_name AS full_name, e.work_email, s.store_name
FROM employees e LEFT JOIN stores s ON s.store_id = e.store_id;
"#;

pub(crate) struct Locale {
    pub(crate) country: &'static str,
    pub(crate) phone_prefix: &'static str,
    /// Digits that follow the prefix in a valid mobile number.
    pub(crate) phone_digits: usize,
    pub(crate) first: &'static [&'static str],
    pub(crate) last: &'static [&'static str],
    pub(crate) cities: &'static [(&'static str, &'static str)],
    pub(crate) streets: &'static [&'static str],
    pub(crate) mail: &'static [&'static str],
}

pub(crate) const LOCALES: &[Locale] = &[
    Locale {
        country: "DE",
        phone_digits: 8,
        phone_prefix: "+49 151 ",
        first: &["Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie", "Maximilian", "Hannah"],
        last: &["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer"],
        cities: &[("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095"), ("Köln", "50667"), ("Leipzig", "04109")],
        streets: &["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße"],
        mail: &["web.de", "gmx.de", "t-online.de"],
    },
    Locale {
        country: "FR",
        phone_digits: 8,
        phone_prefix: "+33 6 ",
        first: &["Camille", "Louis", "Léa", "Hugo", "Chloé", "Jules", "Manon", "Gabriel", "Inès", "Arthur"],
        last: &["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"],
        cities: &[("Paris", "75001"), ("Lyon", "69001"), ("Marseille", "13001"), ("Toulouse", "31000"), ("Nantes", "44000")],
        streets: &["rue de la République", "avenue Victor Hugo", "rue Pasteur", "boulevard Voltaire", "rue des Lilas"],
        mail: &["orange.fr", "free.fr", "laposte.net"],
    },
    Locale {
        country: "ES",
        phone_digits: 8,
        phone_prefix: "+34 6",
        first: &["Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Leo", "Valeria", "Pablo", "Julia", "Daniel"],
        last: &["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz"],
        cities: &[("Madrid", "28001"), ("Barcelona", "08001"), ("Valencia", "46001"), ("Sevilla", "41001"), ("Bilbao", "48001")],
        streets: &["Calle Mayor", "Avenida de la Constitución", "Calle del Sol", "Paseo de Gracia", "Calle Real"],
        mail: &["telefonica.es", "yahoo.es", "gmail.com"],
    },
    Locale {
        country: "IT",
        phone_digits: 8,
        phone_prefix: "+39 34",
        first: &["Francesco", "Sofia", "Alessandro", "Giulia", "Lorenzo", "Aurora", "Mattia", "Alice", "Leonardo", "Ginevra"],
        last: &["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"],
        cities: &[("Roma", "00184"), ("Milano", "20121"), ("Napoli", "80132"), ("Torino", "10121"), ("Bologna", "40121")],
        streets: &["Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Piazza del Duomo"],
        mail: &["libero.it", "tiscali.it", "alice.it"],
    },
    Locale {
        country: "NL",
        phone_digits: 7,
        phone_prefix: "+31 6 1",
        first: &["Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Levi", "Sophie", "Finn", "Mila"],
        last: &["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer"],
        cities: &[("Amsterdam", "1012 AB"), ("Rotterdam", "3011 AA"), ("Utrecht", "3511 AB"), ("Den Haag", "2511 BA"), ("Eindhoven", "5611 AA")],
        streets: &["Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsplein", "Prinsengracht"],
        mail: &["ziggo.nl", "kpnmail.nl", "hotmail.nl"],
    },
    Locale {
        country: "PL",
        phone_digits: 8,
        phone_prefix: "+48 5",
        first: &["Zuzanna", "Antoni", "Julia", "Jan", "Maja", "Aleksander", "Lena", "Franciszek", "Hanna", "Jakub"],
        last: &["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak"],
        cities: &[("Warszawa", "00-001"), ("Kraków", "30-001"), ("Gdańsk", "80-001"), ("Wrocław", "50-001"), ("Poznań", "60-001")],
        streets: &["ul. Marszałkowska", "ul. Długa", "ul. Floriańska", "ul. Piotrkowska", "ul. Świętojańska"],
        mail: &["wp.pl", "onet.pl", "interia.pl"],
    },
    Locale {
        country: "SE",
        phone_digits: 7,
        phone_prefix: "+46 70 ",
        first: &["Alice", "William", "Maja", "Hugo", "Elsa", "Liam", "Astrid", "Noah", "Wilma", "Oscar"],
        last: &["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson"],
        cities: &[("Stockholm", "111 20"), ("Göteborg", "411 01"), ("Malmö", "211 20"), ("Uppsala", "753 10"), ("Lund", "222 21")],
        streets: &["Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan", "Skolgatan"],
        mail: &["telia.com", "bredband.net", "spray.se"],
    },
    Locale {
        country: "GB",
        phone_digits: 6,
        phone_prefix: "+44 7400 ",
        first: &["Oliver", "Olivia", "George", "Amelia", "Harry", "Isla", "Jack", "Ava", "Charlie", "Emily"],
        last: &["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Thomas"],
        cities: &[("London", "SW1A 1AA"), ("Manchester", "M1 1AE"), ("Bristol", "BS1 4DJ"), ("Leeds", "LS1 1UR"), ("Glasgow", "G1 1XQ")],
        streets: &["High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue"],
        mail: &["btinternet.com", "outlook.com", "gmail.com"],
    },
];

pub(crate) fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

pub(crate) fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ä' | 'á' | 'à' | 'â' | 'å' | 'ą' => 'a',
            'ö' | 'ó' | 'ò' | 'ô' => 'o',
            'ü' | 'ú' | 'ù' => 'u',
            'é' | 'è' | 'ê' | 'ę' => 'e',
            'í' | 'ì' => 'i',
            'ç' | 'ć' => 'c',
            'ñ' | 'ń' => 'n',
            'ś' => 's',
            'ł' => 'l',
            'ż' | 'ź' => 'z',
            'ß' => 's',
            ' ' => '.',
            c => c.to_ascii_lowercase(),
        })
        .collect::<String>()
        .to_lowercase()
}

/// An IBAN with a valid ISO 13616 mod-97 check for a country with a numeric BBAN.
pub(crate) fn iban(rng: &mut fastrand::Rng, country: &str) -> String {
    let len = match country {
        "DE" => 18,
        "FR" => 23,
        "ES" => 20,
        "IT" => 23,
        "NL" => 14,
        "PL" => 24,
        "SE" => 20,
        _ => 18,
    };
    let bban: String = (0..len).map(|_| char::from(b'0' + rng.u8(0..10))).collect();
    let rearranged: String = format!("{bban}{}00", country)
        .chars()
        .map(|c| if c.is_ascii_digit() { c.to_string() } else { (c as u32 - 'A' as u32 + 10).to_string() })
        .collect();
    let rem = rearranged.bytes().fold(0u32, |acc, b| (acc * 10 + (b - b'0') as u32) % 97);
    format!("{country}{:02}{bban}", 98 - rem)
}

/// A 16-digit card number with a valid Luhn check digit.
pub(crate) fn card_number(rng: &mut fastrand::Rng) -> String {
    let mut digits: Vec<u8> = vec![4];
    digits.extend((0..14).map(|_| rng.u8(0..10)));
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = d as u32;
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    digits.push(((10 - sum % 10) % 10) as u8);
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// A Dutch BSN passing the 11-proof.
pub(crate) fn bsn(rng: &mut fastrand::Rng) -> String {
    loop {
        let d: Vec<u32> = (0..8).map(|_| rng.u32(0..10)).collect();
        let s: u32 = d.iter().enumerate().map(|(i, v)| v * (9 - i as u32)).sum();
        let last = s % 11;
        if last < 10 && d[0] != 0 {
            return format!("{}{}", d.iter().map(|v| v.to_string()).collect::<String>(), last);
        }
    }
}

/// An EAN-13 with a valid check digit.
pub(crate) fn ean13(rng: &mut fastrand::Rng) -> String {
    let mut d: Vec<u32> = vec![4, 0];
    d.extend((0..10).map(|_| rng.u32(0..10)));
    let s: u32 = d.iter().enumerate().map(|(i, v)| if i % 2 == 0 { *v } else { v * 3 }).sum();
    d.push((10 - s % 10) % 10);
    d.iter().map(|v| v.to_string()).collect()
}

pub(crate) fn date(rng: &mut fastrand::Rng, from_year: i32, to_year: i32) -> String {
    format!("{:04}-{:02}-{:02}", rng.i32(from_year..=to_year), rng.u32(1..=12), rng.u32(1..=28))
}

pub(crate) fn datetime(rng: &mut fastrand::Rng, from_year: i32, to_year: i32) -> String {
    format!("{} {:02}:{:02}:{:02}", date(rng, from_year, to_year), rng.u32(0..24), rng.u32(0..60), rng.u32(0..60))
}

pub(crate) fn public_ip(rng: &mut fastrand::Rng) -> String {
    loop {
        let a = rng.u8(1..=223);
        if matches!(a, 10 | 127 | 172 | 192 | 100 | 169) {
            continue;
        }
        return format!("{a}.{}.{}.{}", rng.u8(0..=255), rng.u8(0..=255), rng.u8(1..=254));
    }
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt(s: Option<String>) -> String {
    s.map(|v| sql_text(&v)).unwrap_or_else(|| "NULL".into())
}

/// Writes the sample warehouse to `path`, replacing any previous one. Same seed, same file
/// content: re-running the quickstart finds no changes.
pub async fn write_sample_warehouse(path: &Path) -> Result<(), SampleError> {
    let err = |e: &dyn std::fmt::Display| SampleError::Write { path: path.display().to_string(), message: e.to_string() };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
    }
    let tmp = path.with_extension("db.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut conn = SqliteConnectOptions::new()
        .filename(&tmp)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Delete)
        // The warehouse is written in one large statement: a slow machine must not print it.
        .disable_statement_logging()
        .connect()
        .await
        .map_err(|e| err(&e))?;
    let mut sql = String::from("BEGIN;\n");
    sql.push_str(DDL);
    generate_rows(&mut sql);
    sql.push_str("COMMIT;\n");
    conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).await.map_err(|e| err(&e))?;
    conn.close().await.map_err(|e| err(&e))?;
    std::fs::rename(&tmp, path).map_err(|e| err(&e))?;
    Ok(())
}

fn generate_rows(sql: &mut String) {
    use std::fmt::Write;
    let mut rng = fastrand::Rng::with_seed(20_240_301);

    let stores = 12;
    for id in 1..=stores {
        let loc = &LOCALES[(id - 1) % LOCALES.len()];
        let (city, zip) = pick(&mut rng, loc.cities);
        let street = format!("{} {}", pick(&mut rng, loc.streets), rng.u32(1..200));
        let _ = writeln!(
            sql,
            "INSERT INTO stores VALUES ({id}, {}, {}, {}, {}, '{}', '{}');",
            sql_text(&format!("Almanac Store {city} {id}")),
            sql_text(&street),
            sql_text(zip),
            sql_text(city),
            loc.country,
            date(&mut rng, 2008, 2022)
        );
    }

    let customers = 600;
    let mut emails = std::collections::HashSet::new();
    for id in 1..=customers {
        let loc = pick(&mut rng, LOCALES);
        let first = *pick(&mut rng, loc.first);
        let last = *pick(&mut rng, loc.last);
        let mut email = format!("{}.{}@{}", ascii_fold(first), ascii_fold(last), pick(&mut rng, loc.mail));
        if !emails.insert(email.clone()) {
            email = format!("{}.{}{}@{}", ascii_fold(first), ascii_fold(last), id, pick(&mut rng, loc.mail));
            emails.insert(email.clone());
        }
        let phone = (rng.u8(0..10) < 8).then(|| format!("{}{}", loc.phone_prefix, (0..loc.phone_digits).map(|_| rng.u8(0..10).to_string()).collect::<String>()));
        let (city, zip) = pick(&mut rng, loc.cities);
        let street = format!("{} {}", pick(&mut rng, loc.streets), rng.u32(1..300));
        let gender = *pick(&mut rng, &["female", "male", "diverse", "female", "male"]);
        let _ = writeln!(
            sql,
            "INSERT INTO customers VALUES ({id}, {}, {}, {}, {}, {}, '{gender}', {}, {}, {}, '{}', {}, '{}', '{}', {}, '{}');",
            sql_text(first),
            sql_text(last),
            sql_text(&email),
            opt(phone),
            opt((rng.u8(0..10) < 9).then(|| date(&mut rng, 1945, 2006))),
            sql_text(&street),
            sql_text(zip),
            sql_text(city),
            loc.country,
            opt((rng.u8(0..10) < 6).then(|| iban(&mut rng, loc.country))),
            public_ip(&mut rng),
            datetime(&mut rng, 2019, 2025),
            rng.u8(0..2),
            pick(&mut rng, &["basic", "basic", "silver", "gold"]),
        );
    }

    for id in 1..=48 {
        let loc = &LOCALES[rng.usize(..LOCALES.len())];
        let first = *pick(&mut rng, loc.first);
        let last = *pick(&mut rng, loc.last);
        let manager = if id <= 4 { "NULL".to_string() } else { rng.u32(1..=4).to_string() };
        let national_id = if loc.country == "NL" { Some(bsn(&mut rng)) } else { None };
        let _ = writeln!(
            sql,
            "INSERT INTO employees VALUES ({id}, {}, {}, {}, {}, '{}', {}, '{}', {}.{:02}, {manager}, {});",
            sql_text(first),
            sql_text(last),
            sql_text(&format!("{}.{}{id}@almanac-retail.example", ascii_fold(first), ascii_fold(last))),
            opt(Some(format!("{}{}", loc.phone_prefix, (0..loc.phone_digits).map(|_| rng.u8(0..10).to_string()).collect::<String>()))),
            date(&mut rng, 1960, 2002),
            opt(national_id),
            date(&mut rng, 2010, 2025),
            rng.u32(28_000..95_000),
            rng.u32(0..100),
            rng.usize(1..=stores),
        );
    }

    let categories = ["coffee", "tea", "kitchen", "books", "garden", "toys"];
    let nouns = ["Espresso Beans", "Green Tea", "Chef Knife", "Novel", "Watering Can", "Puzzle", "Mug", "Grinder", "Kettle", "Cookbook"];
    let adjectives = ["Classic", "Organic", "Premium", "Compact", "Deluxe", "Nordic"];
    let products = 60;
    let mut prices = Vec::new();
    for id in 1..=products {
        let price_cents = rng.u32(199..12_999);
        prices.push(price_cents);
        let _ = writeln!(
            sql,
            "INSERT INTO products VALUES ({id}, 'SKU-{:05}', '{}', {}, '{}', {}.{:02}, {});",
            1000 + id,
            ean13(&mut rng),
            sql_text(&format!("{} {}", pick(&mut rng, &adjectives), pick(&mut rng, &nouns))),
            pick(&mut rng, &categories),
            price_cents / 100,
            price_cents % 100,
            pick(&mut rng, &["19.00", "7.00", "20.00", "21.00"]),
        );
    }

    let orders = 2400;
    let mut payment_id = 0;
    for id in 1..=orders {
        let customer = rng.u32(1..=customers as u32);
        let web = rng.u8(0..10) < 6;
        let store = if web { "NULL".to_string() } else { rng.usize(1..=stores).to_string() };
        let lines = rng.u32(1..=4);
        let mut total = 0u64;
        let mut items = String::new();
        for line in 1..=lines {
            let product = rng.usize(1..=products);
            let qty = rng.u32(1..=3);
            let price = prices[product - 1];
            total += (price * qty) as u64;
            let _ = writeln!(items, "INSERT INTO order_items VALUES ({id}, {line}, {product}, {qty}, {}.{:02});", price / 100, price % 100);
        }
        let loc = pick(&mut rng, LOCALES);
        let (city, zip) = pick(&mut rng, loc.cities);
        let ordered_at = datetime(&mut rng, 2023, 2025);
        let status = *pick(&mut rng, &["placed", "paid", "shipped", "delivered", "delivered", "cancelled"]);
        let (s_street, s_zip, s_city) = if web {
            (Some(format!("{} {}", pick(&mut rng, loc.streets), rng.u32(1..300))), Some(zip.to_string()), Some(city.to_string()))
        } else {
            (None, None, None)
        };
        let _ = writeln!(
            sql,
            "INSERT INTO orders VALUES ({id}, {customer}, {store}, '{ordered_at}', '{status}', {}.{:02}, 'EUR', {}, {}, {});",
            total / 100,
            total % 100,
            opt(s_street),
            opt(s_zip),
            opt(s_city),
        );
        sql.push_str(&items);
        if status != "placed" && status != "cancelled" {
            payment_id += 1;
            let card = (rng.u8(0..10) < 7).then(|| card_number(&mut rng));
            let expiry = card.as_ref().map(|_| format!("{:02}/{}", rng.u32(1..=12), rng.u32(26..=31)));
            let _ = writeln!(
                sql,
                "INSERT INTO payments VALUES ({payment_id}, {id}, {}, {}, {}.{:02}, '{ordered_at}');",
                opt(card),
                opt(expiry),
                total / 100,
                total % 100,
            );
        }
    }

    let subjects = ["Where is my order?", "Refund request", "Wrong item delivered", "Change of address", "Invoice needed"];
    for id in 1..=320 {
        let customer = rng.u32(1..=customers as u32);
        let loc = pick(&mut rng, LOCALES);
        let first = *pick(&mut rng, loc.first);
        let last = *pick(&mut rng, loc.last);
        let body = match rng.u8(0..4) {
            0 => format!("Hello, my order has not arrived yet. Please call me back on {}{}. Thanks, {first} {last}", loc.phone_prefix, (0..loc.phone_digits).map(|_| rng.u8(0..10).to_string()).collect::<String>()),
            1 => format!("Please send the refund to my account {}. Regards, {first}", iban(&mut rng, loc.country)),
            2 => format!("I moved to {} {}, {} {}. Please update my address.", pick(&mut rng, loc.streets), rng.u32(1..300), pick(&mut rng, loc.cities).1, pick(&mut rng, loc.cities).0),
            _ => "The package arrived damaged, the mug is broken. Can you send a new one?".to_string(),
        };
        let _ = writeln!(
            sql,
            "INSERT INTO support_tickets VALUES ({id}, {customer}, '{}', '{}', {}, {});",
            datetime(&mut rng, 2024, 2025),
            pick(&mut rng, &["email", "phone", "chat"]),
            sql_text(*pick(&mut rng, &subjects)),
            sql_text(&body),
        );
    }

    let agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)", "Mozilla/5.0 (X11; Linux x86_64)"];
    for id in 1..=1500 {
        let customer = if rng.u8(0..10) < 7 { rng.u32(1..=customers as u32).to_string() } else { "NULL".into() };
        let device: String = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            rng.u32(..),
            rng.u16(..),
            rng.u16(..0x1000),
            rng.u16(0x8000..0xc000),
            rng.u64(..0x1_0000_0000_0000)
        );
        let _ = writeln!(
            sql,
            "INSERT INTO web_sessions VALUES ('s{id:06}-{:08x}', {customer}, '{}', {}, '{device}', {:.5}, {:.5}, '{}', {});",
            rng.u32(..),
            public_ip(&mut rng),
            sql_text(*pick(&mut rng, &agents)),
            36.0 + rng.f64() * 23.0,
            -9.0 + rng.f64() * 33.0,
            datetime(&mut rng, 2024, 2025),
            rng.u32(5..3600),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_phone_numbers_are_valid_for_their_country() {
        let mut rng = fastrand::Rng::with_seed(11);
        for loc in LOCALES {
            let ok = (0..200)
                .filter(|_| {
                    let n = format!("{}{}", loc.phone_prefix, (0..loc.phone_digits).map(|_| rng.u8(0..10).to_string()).collect::<String>());
                    crate::classify::validators::phone(&n)
                })
                .count();
            assert!(ok >= 190, "{}: {ok}/200 valid", loc.country);
        }
        for c in ["DE", "FR", "ES", "IT", "NL", "PL", "SE", "GB"] {
            for _ in 0..20 {
                let i = iban(&mut rng, c);
                assert!(crate::classify::validators::iban(&i), "{i}");
            }
        }
    }

    #[test]
    fn generated_identifiers_validate() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..50 {
            let i = iban(&mut rng, "DE");
            let rearranged: String = format!("{}{}", &i[4..], &i[..4])
                .chars()
                .map(|c| if c.is_ascii_digit() { c.to_string() } else { (c as u32 - 'A' as u32 + 10).to_string() })
                .collect();
            assert_eq!(rearranged.bytes().fold(0u32, |a, b| (a * 10 + (b - b'0') as u32) % 97), 1, "{i}");

            let card = card_number(&mut rng);
            let sum: u32 = card
                .bytes()
                .rev()
                .enumerate()
                .map(|(k, b)| {
                    let d = (b - b'0') as u32;
                    if k % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
                })
                .sum();
            assert_eq!(sum % 10, 0, "{card}");

            let b = bsn(&mut rng);
            let s: i64 = b.bytes().enumerate().map(|(k, c)| (c - b'0') as i64 * if k == 8 { -1 } else { 9 - k as i64 }).sum();
            assert_eq!(s % 11, 0, "{b}");
        }
    }
}
