//! Value validators: formats with their check digits, so that random look-alikes fail.
//! Each takes one sampled value; none stores or logs it.

use chrono::{Datelike, NaiveDate};
use std::net::IpAddr;

fn digits_only(s: &str, extra: &[char]) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if !extra.contains(&c) {
            return None;
        }
    }
    Some(out)
}

/// The Luhn (mod 10) check over a string of digits.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = (b - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// E-mail address syntax (local@domain.tld), without a network check.
pub fn email(s: &str) -> bool {
    let s = s.trim();
    if s.len() > 254 || s.contains(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "._%+-'!#$&*/=?^`{|}~".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|t| t.len() >= 2 && t.chars().all(char::is_alphabetic));
    local_ok && domain_ok
}

/// A payment card number: 13-19 digits, a known issuer prefix, and the Luhn check.
pub fn card_number(s: &str) -> bool {
    let Some(d) = digits_only(s.trim(), &[' ', '-']) else { return false };
    if !(13..=19).contains(&d.len()) || d.bytes().all(|b| b == d.as_bytes()[0]) {
        return false;
    }
    let p2: u32 = d[..2].parse().unwrap_or(0);
    let p4: u32 = d[..4].parse().unwrap_or(0);
    let issuer = d.starts_with('4')
        || (51..=55).contains(&p2)
        || (2221..=2720).contains(&p4)
        || (p2 == 34 || p2 == 37) && d.len() == 15
        || p4 == 6011
        || p2 == 65
        || (3528..=3589).contains(&p4)
        || (p2 == 36 || p2 == 38 || p2 == 30) && d.len() == 14
        || p2 == 62;
    issuer && luhn(&d)
}

/// An EAN-13 or EAN-8 barcode with a valid check digit (a hard negative for cards).
pub fn ean(s: &str) -> bool {
    let s = s.trim();
    if !(s.len() == 13 || s.len() == 8) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let d: Vec<u32> = s.bytes().map(|b| (b - b'0') as u32).collect();
    let n = d.len();
    let sum: u32 = d[..n - 1].iter().rev().enumerate().map(|(i, v)| if i % 2 == 0 { v * 3 } else { *v }).sum();
    (10 - sum % 10) % 10 == d[n - 1]
}

fn iban_length(country: &str) -> Option<usize> {
    Some(match country {
        "AT" => 20,
        "BE" => 16,
        "CH" => 21,
        "CZ" => 24,
        "DE" => 22,
        "DK" => 18,
        "ES" => 24,
        "FI" => 18,
        "FR" => 27,
        "GB" => 22,
        "GR" => 27,
        "HU" => 28,
        "IE" => 22,
        "IT" => 27,
        "LU" => 20,
        "NL" => 18,
        "NO" => 15,
        "PL" => 28,
        "PT" => 25,
        "SE" => 24,
        "SI" => 19,
        "SK" => 24,
        "RO" => 24,
        "HR" => 21,
        "LI" => 21,
        "MC" => 27,
        "BG" => 22,
        "EE" => 20,
        "LT" => 20,
        "LV" => 21,
        "IS" => 26,
        "MT" => 31,
        "CY" => 28,
        _ => return None,
    })
}

/// An IBAN (ISO 13616): country, check digits verified mod 97, length per country.
pub fn iban(s: &str) -> bool {
    // Cheap refusals first: an IBAN starts with two letters and is 15 to 34 characters long.
    let s = s.trim_start();
    if s.len() < 15 || !s.as_bytes()[..2].iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if !(15..=34).contains(&compact.len()) || !compact.is_ascii() {
        return false;
    }
    let (country, rest) = compact.split_at(2);
    if !country.chars().all(|c| c.is_ascii_uppercase()) || !rest[..2].chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    if !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    if let Some(len) = iban_length(country) {
        if len != compact.len() {
            return false;
        }
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    let mut rem = 0u32;
    for c in rearranged.chars() {
        let v = if c.is_ascii_digit() { c as u32 - '0' as u32 } else { c as u32 - 'A' as u32 + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// What an IP address value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpKind {
    /// Routable: identifies a subscriber line or device.
    Public,
    /// Private, loopback, link-local, documentation or otherwise reserved: a weaker signal.
    Reserved,
}

/// An IPv4 or IPv6 address (with an optional /prefix).
pub fn ip(s: &str) -> Option<IpKind> {
    let s = s.trim();
    let addr = s.split('/').next().unwrap_or(s);
    let ip: IpAddr = addr.parse().ok()?;
    let reserved = match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 192 && o[1] == 0 && o[2] == 2)
                || (o[0] == 198 && o[1] == 51 && o[2] == 100)
                || (o[0] == 203 && o[1] == 0 && o[2] == 113)
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || (seg[0] == 0x2001 && seg[1] == 0x0db8)
        }
    };
    Some(if reserved { IpKind::Reserved } else { IpKind::Public })
}

/// Numbering plans whose national numbers start with a trunk prefix (0, or 06 and 8).
const TRUNK_REGIONS: &[phonenumber::country::Id] = {
    use phonenumber::country::Id::*;
    &[DE, FR, NL, SE, GB, AT, BE, CH, FI, IE, SK, HU, RO, BG, HR, SI, LT, IT, US]
};

/// Numbering plans without a trunk prefix: national numbers are written as they are dialled
/// from abroad, without the country code.
const CLOSED_REGIONS: &[phonenumber::country::Id] = {
    use phonenumber::country::Id::*;
    &[ES, PL, PT, IT, CZ, DK, NO, IS, GR, MT, CY, LV, EE, LU, LT]
};

/// A phone number valid under its country's numbering plan: international form, a national
/// form with a trunk prefix, or, in the plans without one, a grouped national number such as
/// `612 345 678` (a bare run of digits is more likely an amount or an id).
pub fn phone(s: &str) -> bool {
    let s = s.trim();
    let mut digits = 0;
    let mut separators = 0;
    for (i, c) in s.chars().enumerate() {
        match c {
            '0'..='9' => digits += 1,
            '+' if i == 0 => {}
            ' ' | '-' | '(' | ')' | '.' | '/' => separators += 1,
            _ => return false,
        }
    }
    if !(7..=15).contains(&digits) || (separators > 0 && date(s).is_some()) {
        return false;
    }
    // IP addresses (`203.0.113.7/32`) and amounts with thousands separators (`1.234.567`)
    // are not phone numbers; checking them against every numbering plan is also slow.
    let groups: Vec<&str> = s.split('.').collect();
    if ip(s).is_some() || groups.len() >= 3 && groups[1..].iter().all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let valid =
        |region: Option<phonenumber::country::Id>, text: &str| phonenumber::parse(region, text).is_ok_and(|n| phonenumber::is_valid(&n));
    if s.starts_with('+') || s.starts_with("00") {
        let normalized = if let Some(rest) = s.strip_prefix("00") { format!("+{rest}") } else { s.to_string() };
        return valid(None, &normalized);
    }
    if s.starts_with('0') || s.starts_with('(') || s.starts_with("8 ") {
        return TRUNK_REGIONS.iter().any(|r| valid(Some(*r), s));
    }
    // Grouped as phone numbers are: two or more separators, no group longer than four digits.
    let longest_group = s.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
    separators >= 2 && longest_group <= 4 && CLOSED_REGIONS.iter().any(|r| valid(Some(*r), s))
}

/// Parses the date forms of the covered countries: ISO (with optional time), DD.MM.YYYY
/// (also `12. 3. 1985`), DD/MM/YYYY, DD-MM-YYYY, YYYY/MM/DD, YYYY.MM.DD. (Hungarian) and
/// YYYYMMDD (SAP and other systems store birth dates as eight digits).
pub fn date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() > 40 {
        return None;
    }
    // The date part: up to a time (`T` or a space before digits and `:`), with the spaces of
    // `12. 3. 1985` dropped and a final dot (`1985.03.12.`) ignored.
    let mut head = String::with_capacity(12);
    for c in s.chars() {
        match c {
            'T' => break,
            ' ' if head.ends_with('.') => {}
            ' ' => break,
            _ => head.push(c),
        }
        if head.len() > 12 {
            return None;
        }
    }
    let head = head.strip_suffix('.').unwrap_or(&head);
    let groups: Vec<&str> = head.split(['-', '.', '/']).collect();
    let number =
        |g: &str| if !g.is_empty() && g.len() <= 4 && g.bytes().all(|b| b.is_ascii_digit()) { g.parse::<u32>().ok() } else { None };
    let (y, m, d) = match groups.as_slice() {
        [one] if one.len() == 8 && one.bytes().all(|b| b.is_ascii_digit()) => {
            (one[..4].parse().ok()?, one[4..6].parse().ok()?, one[6..].parse().ok()?)
        }
        [a, b, c] => {
            // One separator throughout: `12.03-1985` is not a date.
            let seps: Vec<char> = head.chars().filter(|c| matches!(c, '-' | '.' | '/')).collect();
            if seps[0] != seps[1] || b.len() > 2 {
                return None;
            }
            match (a.len(), c.len()) {
                (4, 1..=2) => (number(a)?, number(b)?, number(c)?),
                (1..=2, 4) => (number(c)?, number(b)?, number(a)?),
                _ => return None,
            }
        }
        _ => return None,
    };
    if y < 1000 {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// Age in whole years on `today` of someone born on `d`, when plausible (0 to 120).
pub fn age_years(d: NaiveDate, today: NaiveDate) -> Option<i32> {
    if d > today {
        return None;
    }
    let mut age = today.year() - d.year();
    if (today.month(), today.day()) < (d.month(), d.day()) {
        age -= 1;
    }
    (0..=120).contains(&age).then_some(age)
}

/// Gender values in the languages of the vocabulary.
pub fn gender(s: &str) -> bool {
    const VALUES: &[&str] = &[
        "m",
        "f",
        "w",
        "d",
        "x",
        "u",
        "male",
        "female",
        "man",
        "woman",
        "diverse",
        "divers",
        "other",
        "non-binary",
        "nonbinary",
        "unknown",
        "mann",
        "frau",
        "mannlich",
        "weiblich",
        "homme",
        "femme",
        "masculin",
        "feminin",
        "hombre",
        "mujer",
        "masculino",
        "femenino",
        "uomo",
        "donna",
        "maschio",
        "femmina",
        "man",
        "vrouw",
        "mezczyzna",
        "kobieta",
        "kvinna",
        "mr",
        "mrs",
        "ms",
        "herr",
    ];
    let v = super::words::fold(s.trim());
    VALUES.contains(&v.as_str())
}

/// German tax identification number (Steuer-ID): 11 digits, ISO 7064 MOD 11,10 check.
pub fn de_tax_id(s: &str) -> bool {
    let Some(d) = digits_only(s.trim(), &[' ']) else { return false };
    if d.len() != 11 || d.starts_with('0') {
        return false;
    }
    let digits: Vec<u32> = d.bytes().map(|b| (b - b'0') as u32).collect();
    // In the first ten digits one digit occurs twice or three times, the others at most once.
    let mut counts = [0u8; 10];
    for &x in &digits[..10] {
        counts[x as usize] += 1;
    }
    let repeated = counts.iter().filter(|&&c| c >= 2).count();
    if repeated != 1 || counts.iter().any(|&c| c > 3) {
        return false;
    }
    let mut product = 10;
    for &x in &digits[..10] {
        let mut sum = (x + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let mut check = 11 - product;
    if check == 10 {
        check = 0;
    }
    check == digits[10]
}

/// French social security number (NIR): 13 digits and a 2-digit key 97 - (n mod 97).
pub fn fr_nir(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    // ASCII first: the offsets below count bytes, which are characters only then.
    if compact.len() != 15 || !compact.is_ascii() || !matches!(compact.as_bytes()[0], b'1' | b'2' | b'7' | b'8') {
        return false;
    }
    // Corsica: departments 2A and 2B count as 19 and 18.
    let body = compact[..13].replace("2A", "19").replace("2B", "18");
    let (Ok(n), Ok(key)) = (body.parse::<u64>(), compact[13..].parse::<u64>()) else { return false };
    97 - n % 97 == key
}

/// Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter).
pub fn es_dni_nie(s: &str) -> bool {
    const LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let c: String = s.trim().replace(['-', ' '], "").to_ascii_uppercase();
    // ASCII first: `split_at(8)` counts bytes ("Seppälä" is 9 bytes with `ä` across byte 8).
    if c.len() != 9 || !c.is_ascii() {
        return false;
    }
    let (num, letter) = c.split_at(8);
    let num = match num.as_bytes()[0] {
        b'X' => format!("0{}", &num[1..]),
        b'Y' => format!("1{}", &num[1..]),
        b'Z' => format!("2{}", &num[1..]),
        _ => num.to_string(),
    };
    let Ok(n) = num.parse::<u32>() else { return false };
    num.bytes().all(|b| b.is_ascii_digit()) && letter.as_bytes()[0] == LETTERS[(n % 23) as usize]
}

/// Italian codice fiscale: 16 characters with its check letter.
pub fn it_codice_fiscale(s: &str) -> bool {
    const ODD: [u32; 36] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0-9
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23, // A-Z
    ];
    let c = s.trim().to_ascii_uppercase();
    let b = c.as_bytes();
    if b.len() != 16 || !b.iter().all(|x| x.is_ascii_alphanumeric()) {
        return false;
    }
    // Letters in positions 1-6, 9, 12, 16; digits (or omocodia letters) elsewhere.
    let letters_at = [0, 1, 2, 3, 4, 5, 8, 11, 15];
    if letters_at.iter().any(|&i| !b[i].is_ascii_uppercase()) {
        return false;
    }
    let mut sum = 0;
    for (i, &ch) in b[..15].iter().enumerate() {
        let idx = if ch.is_ascii_digit() { (ch - b'0') as usize } else { (ch - b'A') as usize + 10 };
        if i % 2 == 0 {
            sum += ODD[idx];
        } else {
            sum += if ch.is_ascii_digit() { (ch - b'0') as u32 } else { (ch - b'A') as u32 };
        }
    }
    b[15] == b'A' + (sum % 26) as u8
}

/// Dutch citizen service number (BSN): 9 digits passing the 11-proof.
pub fn nl_bsn(s: &str) -> bool {
    let Some(d) = digits_only(s.trim(), &[' ', '.']) else { return false };
    if d.len() != 9 || d == "000000000" {
        return false;
    }
    let v: Vec<i64> = d.bytes().map(|b| (b - b'0') as i64).collect();
    let sum: i64 = (0..8).map(|i| v[i] * (9 - i as i64)).sum::<i64>() - v[8];
    sum % 11 == 0
}

/// Polish PESEL: 11 digits, weighted check digit and a valid encoded birth month.
pub fn pl_pesel(s: &str) -> bool {
    let Some(d) = digits_only(s.trim(), &[]) else { return false };
    if d.len() != 11 {
        return false;
    }
    let v: Vec<u32> = d.bytes().map(|b| (b - b'0') as u32).collect();
    let weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = (0..10).map(|i| v[i] * weights[i]).sum();
    let month = (v[2] * 10 + v[3]) % 20;
    let day = v[4] * 10 + v[5];
    (10 - sum % 10) % 10 == v[10] && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// UK National Insurance number format (AB123456C), with the letter rules.
pub fn uk_nino(s: &str) -> bool {
    let c: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let b = c.as_bytes();
    if b.len() != 9 {
        return false;
    }
    let (l1, l2) = (b[0], b[1]);
    let prefix_ok = l1.is_ascii_uppercase()
        && l2.is_ascii_uppercase()
        && !b"DFIQUV".contains(&l1)
        && !b"DFIOQUV".contains(&l2)
        && !["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"].contains(&&c[..2]);
    prefix_ok && b[2..8].iter().all(u8::is_ascii_digit) && b"ABCD".contains(&b[8])
}

/// US social security number with the area/group/serial rules (AAA-GG-SSSS).
pub fn us_ssn(s: &str) -> bool {
    let s = s.trim();
    let parts: Vec<&str> = s.split('-').collect();
    let (a, g, n) = match parts.as_slice() {
        [a, g, n] if a.len() == 3 && g.len() == 2 && n.len() == 4 => (*a, *g, *n),
        _ => return false,
    };
    let all_digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(a) && all_digits(g) && all_digits(n)) {
        return false;
    }
    let area: u32 = a.parse().unwrap_or(0);
    area != 0 && area != 666 && area < 900 && g != "00" && n != "0000"
}

/// Swedish personnummer (YYMMDD-NNNN or YYYYMMDDNNNN) with its Luhn check and a valid date.
pub fn se_personnummer(s: &str) -> bool {
    let c: String = s.trim().chars().filter(|c| *c != '-' && *c != '+').collect();
    if !c.bytes().all(|b| b.is_ascii_digit()) || !(c.len() == 10 || c.len() == 12) {
        return false;
    }
    let ten = &c[c.len() - 10..];
    let month: u32 = ten[2..4].parse().unwrap_or(0);
    let day: u32 = ten[4..6].parse().unwrap_or(0);
    // Day + 60 marks a coordination number.
    let day = if day > 60 { day - 60 } else { day };
    (1..=12).contains(&month) && (1..=31).contains(&day) && luhn(ten) && (c.len() == 12 || s.contains('-'))
}

/// The first national-id scheme a value passes, with its country (see [`super::national`]).
pub fn national_id(s: &str) -> Option<&'static str> {
    super::national::schemes(s).next().map(|scheme| scheme.country)
}

/// A 15-digit IMEI with its Luhn check.
pub fn imei(s: &str) -> bool {
    let Some(d) = digits_only(s.trim(), &['-', ' ']) else { return false };
    d.len() == 15 && luhn(&d) && !d.bytes().all(|b| b == b'0')
}

/// A MAC address (six hex pairs separated by `:` or `-`).
pub fn mac(s: &str) -> bool {
    let s = s.trim();
    let parts: Vec<&str> = s.split([':', '-']).collect();
    parts.len() == 6 && parts.iter().all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A UUID (8-4-4-4-12 hex), the shape of mobile advertising ids.
pub fn uuid(s: &str) -> bool {
    let s = s.trim();
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5 && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A coordinate with at least three decimals within `limit` degrees (90 or 180).
pub fn coordinate(s: &str, limit: f64) -> bool {
    let s = s.trim();
    let Some((_, frac)) = s.split_once('.') else { return false };
    frac.len() >= 3 && s.parse::<f64>().is_ok_and(|v| v.abs() <= limit)
}

/// A position written as one value: `lat,lon` (also with `;` or a space between, or as
/// WKT `POINT(lon lat)`), both with three or more decimals and within range.
pub fn lat_lon(s: &str) -> bool {
    let s = s.trim();
    if s.len() > 80 {
        return false;
    }
    let upper = s.to_ascii_uppercase();
    let (first, second, lon_first) = if let Some(inner) = upper.strip_prefix("POINT").map(str::trim).and_then(|r| r.strip_prefix('(')) {
        let Some(inner) = inner.strip_suffix(')') else { return false };
        let mut parts = inner.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), None) => (a.to_string(), b.to_string(), true),
            _ => return false,
        }
    } else {
        let Some((a, b)) = s.split_once([',', ';']).or_else(|| s.split_once(' ')) else { return false };
        (a.trim().to_string(), b.trim().to_string(), false)
    };
    let (lat, lon) = if lon_first { (second, first) } else { (first, second) };
    coordinate(&lat, 90.0) && coordinate(&lon, 180.0)
}

/// A password hash or token: bcrypt, argon2, scrypt, PBKDF2, sha-crypt, phpass, or a JWT.
pub fn credential(s: &str) -> bool {
    let s = s.trim();
    (s.starts_with("$2a$") || s.starts_with("$2b$") || s.starts_with("$2y$")) && s.len() == 60
        || s.starts_with("$argon2")
        || s.starts_with("$scrypt$")
        || s.starts_with("$5$")
        || s.starts_with("$6$")
        || s.starts_with("pbkdf2_")
        || s.starts_with("$pbkdf2")
        // phpass (WordPress, phpBB) and Drupal 7 portable hashes.
        || (s.starts_with("$P$") || s.starts_with("$H$")) && s.len() == 34
        || s.starts_with("$S$") && s.len() == 55
        || s.starts_with("eyJ") && s.matches('.').count() == 2 && s.len() > 30
}

/// A hex digest (32, 40, 64 or 128 hex characters): a hash, credential-like only with a name.
pub fn hex_digest(s: &str) -> bool {
    let s = s.trim();
    matches!(s.len(), 32 | 40 | 64 | 128) && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Postal code shapes of the covered countries (a weak signal: many numbers look alike).
pub fn postal_code(s: &str) -> bool {
    let s = s.trim();
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        4 | 5 => digits(b), // AT, BE, CH, DK, NO; DE, FR, ES, IT, FI
        6 => {
            (digits(&b[..2]) && b[2] == b'-' && digits(&b[3..])) // PL 12-345
                || (digits(&b[..3]) && b[3] == b' ' && digits(&b[4..])) // SE 123 45
                || uk_postcode(s)
        }
        7 => (digits(&b[..4]) && b[4] == b' ' && b[5].is_ascii_alphabetic() && b[6].is_ascii_alphabetic()) || uk_postcode(s),
        _ => uk_postcode(s),
    }
}

fn uk_postcode(s: &str) -> bool {
    let Some((out, inward)) = s.split_once(' ') else { return false };
    let ob = out.as_bytes();
    let ib = inward.as_bytes();
    (2..=4).contains(&ob.len())
        && ob[0].is_ascii_alphabetic()
        && ob.iter().all(u8::is_ascii_alphanumeric)
        && ob.iter().any(u8::is_ascii_digit)
        && ib.len() == 3
        && ib[0].is_ascii_digit()
        && ib[1].is_ascii_alphabetic()
        && ib[2].is_ascii_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert!(luhn("79927398713"));
        assert!(card_number("4111 1111 1111 1111"));
        assert!(card_number("5500-0000-0000-0004"));
        assert!(!card_number("4111 1111 1111 1112"));
        assert!(!card_number("1234567812345670"), "no known issuer");
        assert!(ean("4006381333931"));
        assert!(iban("DE89 3704 0044 0532 0130 00"));
        assert!(iban("GB82WEST12345698765432"));
        assert!(!iban("DE89 3704 0044 0532 0130 01"));
        assert!(!iban("DE89370400440532013"), "wrong length for DE");
        assert!(imei("490154203237518"));
        assert!(!imei("490154203237519"));
    }

    #[test]
    fn national_ids() {
        assert!(es_dni_nie("12345678Z"));
        assert!(!es_dni_nie("12345678A"));
        assert!(es_dni_nie("X1234567L"));
        assert!(it_codice_fiscale("RSSMRA85T10A562S"));
        assert!(!it_codice_fiscale("RSSMRA85T10A562T"));
        assert!(nl_bsn("111222333"));
        assert!(!nl_bsn("111222334"));
        assert!(pl_pesel("44051401359"));
        assert!(!pl_pesel("44051401358"));
        assert!(uk_nino("AB123456C"));
        assert!(!uk_nino("GB123456C"));
        assert!(us_ssn("123-45-6789"));
        assert!(!us_ssn("666-45-6789"));
        assert!(!us_ssn("123-00-6789"));
        assert!(se_personnummer("811218-9876"));
        assert!(!se_personnummer("811218-9875"));
        assert!(de_tax_id("86095742719"));
        assert!(!de_tax_id("86095742718"));
        assert!(fr_nir("185057800608491"));
        assert!(!fr_nir("185057800608492"));
        assert_eq!(national_id("12345678Z"), Some("ES"));
    }

    #[test]
    fn contact_and_network() {
        assert!(email("anna.mueller@web.de"));
        assert!(!email("anna.mueller@web"));
        assert!(!email("not an email"));
        assert!(!email("a@b.c"));
        assert_eq!(ip("81.2.69.160"), Some(IpKind::Public));
        assert_eq!(ip("10.1.2.3"), Some(IpKind::Reserved));
        assert_eq!(ip("2a00:1450:4001:81b::200e"), Some(IpKind::Public));
        assert_eq!(ip("fe80::1"), Some(IpKind::Reserved));
        assert_eq!(ip("999.1.1.1"), None);
        assert!(phone("+49 151 23456789"));
        assert!(phone("+33 6 12 34 56 78"));
        assert!(phone("030 1234567"));
        assert!(!phone("12345"));
        assert!(!phone("2024-01-05"));
        assert!(mac("00:1A:2B:3C:4D:5E"));
        assert!(uuid("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
        assert!(coordinate("52.52001", 90.0));
        assert!(!coordinate("152.520", 90.0));
        assert!(credential("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));
        assert!(gender("Weiblich"));
        assert!(postal_code("10115") && postal_code("1012 AB") && postal_code("00-001") && postal_code("SW1A 1AA"));
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;

    #[test]
    fn national_date_forms() {
        let d = NaiveDate::from_ymd_opt(1985, 3, 12);
        for v in [
            "1985-03-12",
            "12.03.1985",
            "12.3.1985",
            "12. 3. 1985",
            "12/03/1985",
            "12-03-1985",
            "1985.03.12.",
            "1985. 03. 12.",
            "19850312",
            "1985-03-12T00:00:00",
        ] {
            assert_eq!(date(v), d, "{v}");
        }
        for v in ["1985-13-12", "31.02.1985", "850312", "12.03.85", "0012-03-12", "198503120"] {
            assert_eq!(date(v), None, "{v}");
        }
    }

    #[test]
    fn positions_in_one_value() {
        assert!(lat_lon("52.52001,13.40495"));
        assert!(lat_lon("48.8566; 2.3522"));
        assert!(lat_lon("-33.868, 151.209"));
        assert!(lat_lon("POINT(13.40495 52.52001)"));
        assert!(!lat_lon("91.000,13.404"));
        assert!(!lat_lon("52.5,13.4"), "too coarse to place a person");
        assert!(!lat_lon("1.000,2.000,3.000"));
    }

    #[test]
    fn national_phone_forms_without_country_code() {
        for n in [
            "040 123 4567",
            "0612345678",
            "06 12 34 56 78",
            "0171 2345678",
            "612 345 678",
            "912 345 678",
            "512 345 678",
            "20 12 34 56",
            "412 34 567",
            "69 1234 5678",
            "8 612 34567",
            "06 30 123 4567",
            "0721 234 567",
        ] {
            assert!(phone(n), "{n}");
        }
        for n in ["612345678", "1234 5678 9012", "2024-01-05", "12.03.1985", "4711"] {
            assert!(!phone(n), "{n}");
        }
    }

    #[test]
    fn portable_password_hashes() {
        assert!(credential("$P$BZzTwQVeIA1ksw3ZCcHpOdMWMv1YdL0"));
        assert!(!credential("$P$short"));
        assert!(!credential("SKU-4711-BLUE-XL"));
    }
}

#[cfg(test)]
mod phone_tests {
    #[test]
    fn mobile_numbers_of_the_sample_locales() {
        for n in [
            "+49 151 12345678",
            "+33 6 12345678",
            "+34 612345678",
            "+39 3123456789",
            "+31 6 12345678",
            "+48 512345678",
            "+46 70 1234567",
            "+44 7911 123456",
        ] {
            assert!(super::phone(n), "{n}");
        }
    }
}
