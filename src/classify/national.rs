//! National formats with check digits: personal identity numbers of the EU and EEA countries
//! and domestic bank account numbers (the forms written without an IBAN prefix). Every scheme
//! checks its check digits and, where the number encodes a birth date, that the date exists;
//! none accepts a value for its length alone. Schemes without a check digit (Malta's identity
//! card, Cyprus) are left to the column name.

use chrono::NaiveDate;

/// An identity-number scheme.
pub struct Scheme {
    /// ISO country code.
    pub country: &'static str,
    /// The scheme's name, for evidence.
    pub name: &'static str,
    /// A tax number rather than a general identity number.
    pub tax: bool,
    pub check: fn(&str) -> bool,
}

/// The identity-number schemes, most specific format first.
pub const SCHEMES: &[Scheme] = &[
    Scheme { country: "ES", name: "DNI/NIE", tax: false, check: super::validators::es_dni_nie },
    Scheme { country: "IT", name: "codice fiscale", tax: false, check: super::validators::it_codice_fiscale },
    Scheme { country: "GB", name: "National Insurance number", tax: false, check: super::validators::uk_nino },
    Scheme { country: "US", name: "social security number", tax: false, check: super::validators::us_ssn },
    Scheme { country: "FR", name: "NIR", tax: false, check: super::validators::fr_nir },
    Scheme { country: "SE", name: "personnummer", tax: false, check: super::validators::se_personnummer },
    Scheme { country: "PL", name: "PESEL", tax: false, check: super::validators::pl_pesel },
    Scheme { country: "DE", name: "Steuer-ID", tax: false, check: super::validators::de_tax_id },
    Scheme { country: "NL", name: "BSN", tax: false, check: super::validators::nl_bsn },
    Scheme { country: "FI", name: "henkilötunnus", tax: false, check: fi_hetu },
    Scheme { country: "DK", name: "CPR", tax: false, check: dk_cpr },
    Scheme { country: "CZ", name: "rodné číslo", tax: false, check: cz_sk_rodne_cislo },
    Scheme { country: "RO", name: "CNP", tax: false, check: ro_cnp },
    Scheme { country: "BG", name: "EGN", tax: false, check: bg_egn },
    Scheme { country: "HR", name: "OIB", tax: false, check: hr_oib },
    Scheme { country: "SI", name: "EMŠO", tax: false, check: si_emso },
    Scheme { country: "EE", name: "isikukood", tax: false, check: ee_lt_personal_code },
    Scheme { country: "LV", name: "personas kods", tax: false, check: lv_personas_kods },
    Scheme { country: "IE", name: "PPS number", tax: false, check: ie_pps },
    Scheme { country: "NO", name: "fødselsnummer", tax: false, check: no_fodselsnummer },
    Scheme { country: "IS", name: "kennitala", tax: false, check: is_kennitala },
    Scheme { country: "BE", name: "rijksregisternummer", tax: false, check: be_national_number },
    Scheme { country: "AT", name: "Sozialversicherungsnummer", tax: false, check: at_svnr },
    Scheme { country: "GR", name: "AMKA", tax: false, check: gr_amka },
    Scheme { country: "HU", name: "TAJ", tax: false, check: hu_taj },
    Scheme { country: "HU", name: "személyi azonosító", tax: false, check: hu_personal_id },
    Scheme { country: "LU", name: "matricule", tax: false, check: lu_matricule },
    Scheme { country: "PT", name: "NIF", tax: true, check: pt_nif },
    Scheme { country: "GR", name: "AFM", tax: true, check: gr_afm },
];

/// The schemes a value passes (several can: an Estonian and a Lithuanian code share a form).
pub fn schemes(s: &str) -> impl Iterator<Item = &'static Scheme> + '_ {
    let t = s.trim();
    // The shortest scheme has eight characters (PPS), the longest twenty with separators; a
    // value without a digit is none of them.
    let plausible = (8..=20).contains(&t.len()) && t.bytes().any(|b| b.is_ascii_digit());
    SCHEMES.iter().filter(move |scheme| plausible && (scheme.check)(t))
}

/// The value's digits when it holds only digits and the given separators.
fn digits(s: &str, separators: &[char]) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.trim().chars() {
        if let Some(d) = c.to_digit(10) {
            out.push(d);
        } else if !separators.contains(&c) {
            return None;
        }
    }
    Some(out)
}

fn number(d: &[u32]) -> u64 {
    d.iter().fold(0u64, |n, &x| n * 10 + x as u64)
}

fn weighted(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(a, b)| a * b).sum()
}

/// Whether day, month and year form a real date.
fn real_date(year: u32, month: u32, day: u32) -> bool {
    NaiveDate::from_ymd_opt(year as i32, month, day).is_some()
}

/// A date written as two-digit year, month and day, in any of the centuries it may fall in.
fn real_yymmdd(yy: u32, month: u32, day: u32) -> bool {
    real_date(1900 + yy, month, day) || real_date(2000 + yy, month, day)
}

/// Finland: DDMMYY, century sign, three digits and a check character (the nine digits mod 31).
pub fn fi_hetu(s: &str) -> bool {
    const CHECK: &[u8] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    let b = s.trim().as_bytes();
    if b.len() != 11 || !b"+-ABCDEFUVWXY".contains(&b[6].to_ascii_uppercase()) {
        return false;
    }
    let Some(d) = digits(std::str::from_utf8(&[&b[..6], &b[7..10]].concat()).unwrap_or(""), &[]) else { return false };
    if d.len() != 9 || !real_yymmdd(d[4] * 10 + d[5], d[2] * 10 + d[3], d[0] * 10 + d[1]) {
        return false;
    }
    CHECK[(number(&d) % 31) as usize] == b[10].to_ascii_uppercase()
}

/// Denmark: DDMMYY-SSSS whose weighted sum is a multiple of 11. Numbers issued since 2007
/// may lack the check; those are found by the column name only.
pub fn dk_cpr(s: &str) -> bool {
    let Some(d) = digits(s, &['-']) else { return false };
    d.len() == 10
        && real_yymmdd(d[4] * 10 + d[5], d[2] * 10 + d[3], d[0] * 10 + d[1])
        && weighted(&d, &[4, 3, 2, 7, 6, 5, 4, 3, 2, 1]).is_multiple_of(11)
}

/// Czechia and Slovakia: YYMMDD/SSSC (women's months +50, later series +20), the ten digits a
/// multiple of 11 (or the first nine leaving 10 and a final 0). The older nine-digit form has
/// no check and is not accepted.
pub fn cz_sk_rodne_cislo(s: &str) -> bool {
    let Some(d) = digits(s, &['/', ' ']) else { return false };
    if d.len() != 10 {
        return false;
    }
    let month = match d[2] * 10 + d[3] {
        m @ 1..=12 => m,
        m @ 21..=32 => m - 20,
        m @ 51..=62 => m - 50,
        m @ 71..=82 => m - 70,
        _ => return false,
    };
    if !real_yymmdd(d[0] * 10 + d[1], month, d[4] * 10 + d[5]) {
        return false;
    }
    let first9 = number(&d[..9]);
    number(&d).is_multiple_of(11) || (first9 % 11 == 10 && d[9] == 0)
}

/// Romania: CNP, 13 digits (sex and century, YYMMDD, county, serial, check).
pub fn ro_cnp(s: &str) -> bool {
    let Some(d) = digits(s, &[]) else { return false };
    if d.len() != 13 || d[0] == 0 {
        return false;
    }
    let century = match d[0] {
        1 | 2 => 1900,
        3 | 4 => 1800,
        5 | 6 => 2000,
        _ => 1900, // 7, 8, 9: residents and foreigners; the century is not encoded.
    };
    let county = d[7] * 10 + d[8];
    if !real_date(century + d[1] * 10 + d[2], d[3] * 10 + d[4], d[5] * 10 + d[6]) || !(1..=52).contains(&county) && county != 70 {
        return false;
    }
    let r = weighted(&d, &[2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9]) % 11;
    d[12] == if r == 10 { 1 } else { r }
}

/// Bulgaria: EGN, YYMMDD (month +20 before 1900, +40 from 2000), serial, check digit.
pub fn bg_egn(s: &str) -> bool {
    let Some(d) = digits(s, &[]) else { return false };
    if d.len() != 10 {
        return false;
    }
    let (year, month) = match d[2] * 10 + d[3] {
        m @ 1..=12 => (1900, m),
        m @ 21..=32 => (1800, m - 20),
        m @ 41..=52 => (2000, m - 40),
        _ => return false,
    };
    if !real_date(year + d[0] * 10 + d[1], month, d[4] * 10 + d[5]) {
        return false;
    }
    let r = weighted(&d, &[2, 4, 8, 5, 10, 9, 7, 3, 6]) % 11;
    d[9] == if r == 10 { 0 } else { r }
}

/// ISO 7064 MOD 11,10 over digits whose last is the check digit.
fn mod_11_10(d: &[u32]) -> bool {
    let mut product = 10;
    for &x in &d[..d.len() - 1] {
        let mut sum = (x + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    (11 - product) % 10 == d[d.len() - 1]
}

/// Croatia: OIB, 11 digits with the ISO 7064 MOD 11,10 check.
pub fn hr_oib(s: &str) -> bool {
    digits(s, &[]).is_some_and(|d| d.len() == 11 && mod_11_10(&d))
}

/// Slovenia (and the former Yugoslav registers): EMŠO, DDMMYYY, region, serial, check.
pub fn si_emso(s: &str) -> bool {
    let Some(d) = digits(s, &[]) else { return false };
    if d.len() != 13 {
        return false;
    }
    let yyy = d[4] * 100 + d[5] * 10 + d[6];
    let year = if yyy >= 800 { 1000 + yyy } else { 2000 + yyy };
    if !real_date(year, d[2] * 10 + d[3], d[0] * 10 + d[1]) {
        return false;
    }
    let m = weighted(&d, &[7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11;
    let check = if m == 0 { 0 } else { 11 - m };
    check < 10 && check == d[12]
}

/// Estonia and Lithuania: sex and century digit, YYMMDD, serial, check (two weight rounds).
pub fn ee_lt_personal_code(s: &str) -> bool {
    let Some(d) = digits(s, &[]) else { return false };
    if d.len() != 11 || !(1..=6).contains(&d[0]) {
        return false;
    }
    let year = 1800 + 100 * ((d[0] - 1) / 2) + d[1] * 10 + d[2];
    if !real_date(year, d[3] * 10 + d[4], d[5] * 10 + d[6]) {
        return false;
    }
    let mut r = weighted(&d, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 1]) % 11;
    if r == 10 {
        r = weighted(&d, &[3, 4, 5, 6, 7, 8, 9, 1, 2, 3]) % 11;
        if r == 10 {
            r = 0;
        }
    }
    d[10] == r
}

/// Latvia: the personal code issued before 2017, DDMMYY-CNNNNX with its check digit. Codes
/// issued since (starting 32) carry no date and no check and are left to the name.
pub fn lv_personas_kods(s: &str) -> bool {
    let Some(d) = digits(s, &['-']) else { return false };
    if d.len() != 11 || d[6] > 2 {
        return false;
    }
    let year = 1800 + 100 * d[6] + d[4] * 10 + d[5];
    if !real_date(year, d[2] * 10 + d[3], d[0] * 10 + d[1]) {
        return false;
    }
    let x = (1101 - weighted(&d, &[1, 6, 3, 7, 9, 10, 5, 8, 4, 2]) as i64).rem_euclid(11);
    x < 10 && x as u32 == d[10]
}

/// Ireland: PPS number, seven digits, a check letter and an optional second letter.
pub fn ie_pps(s: &str) -> bool {
    let c: String = s.trim().chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let b = c.as_bytes();
    if !(8..=9).contains(&b.len()) || !b[..7].iter().all(u8::is_ascii_digit) || !b[7..].iter().all(u8::is_ascii_uppercase) {
        return false;
    }
    let d: Vec<u32> = b[..7].iter().map(|x| (x - b'0') as u32).collect();
    let mut sum = weighted(&d, &[8, 7, 6, 5, 4, 3, 2]);
    if let Some(&second) = b.get(8) {
        sum += 9 * if second == b'W' { 0 } else { (second - b'A' + 1) as u32 };
    }
    let r = sum % 23;
    b[7] == if r == 0 { b'W' } else { b'A' + r as u8 - 1 }
}

/// Mod-11 check digit for `weights` over the digits before it (11 gives 0, 10 has no digit).
fn mod11_digit(d: &[u32], weights: &[u32]) -> Option<u32> {
    match 11 - weighted(d, weights) % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// Norway: fødselsnummer (and D-numbers, day + 40), DDMMYY, serial, two check digits.
pub fn no_fodselsnummer(s: &str) -> bool {
    let Some(d) = digits(s, &[' ']) else { return false };
    if d.len() != 11 {
        return false;
    }
    let day = d[0] * 10 + d[1];
    let day = if day > 40 { day - 40 } else { day };
    if !real_yymmdd(d[4] * 10 + d[5], d[2] * 10 + d[3], day) {
        return false;
    }
    mod11_digit(&d, &[3, 7, 6, 1, 8, 9, 4, 5, 2]) == Some(d[9]) && mod11_digit(&d, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) == Some(d[10])
}

/// Iceland: kennitala, DDMMYY (companies day + 40), two digits, check digit, century digit.
pub fn is_kennitala(s: &str) -> bool {
    let Some(d) = digits(s, &['-']) else { return false };
    if d.len() != 10 || !matches!(d[9], 8 | 9 | 0) {
        return false;
    }
    let day = d[0] * 10 + d[1];
    let day = if day > 40 { day - 40 } else { day };
    let century = match d[9] {
        8 => 1800,
        9 => 1900,
        _ => 2000,
    };
    real_date(century + d[4] * 10 + d[5], d[2] * 10 + d[3], day) && mod11_digit(&d, &[3, 2, 7, 6, 5, 4, 3, 2]) == Some(d[8])
}

/// Belgium: national register number, YYMMDD, serial, 97 - (first nine mod 97), with a 2
/// in front of the nine digits for births from 2000.
pub fn be_national_number(s: &str) -> bool {
    let Some(d) = digits(s, &['.', '-', ' ']) else { return false };
    if d.len() != 11 {
        return false;
    }
    // Month + 20 or + 40: bis numbers; 00 when the birth date is unknown.
    let month = (d[2] * 10 + d[3]) % 20;
    let day = d[4] * 10 + d[5];
    if month > 12 || day > 31 || (month != 0 && day != 0 && !real_yymmdd(d[0] * 10 + d[1], month, day)) {
        return false;
    }
    let body = number(&d[..9]);
    let key = number(&d[9..]);
    97 - body % 97 == key || 97 - (2_000_000_000 + body) % 97 == key
}

/// Austria: social security number, serial (3), check, DDMMYY.
pub fn at_svnr(s: &str) -> bool {
    let Some(d) = digits(s, &[' ']) else { return false };
    if d.len() != 10 || d[0] == 0 {
        return false;
    }
    let month = d[6] * 10 + d[7];
    // Months 13 to 15 stand for unknown birth dates.
    if !(real_yymmdd(d[8] * 10 + d[9], month, d[4] * 10 + d[5]) || (13..=15).contains(&month)) {
        return false;
    }
    let r = weighted(&d, &[3, 7, 9, 0, 5, 8, 4, 2, 1, 6]) % 11;
    r < 10 && r == d[3]
}

/// Greece: AMKA, DDMMYY and five digits, Luhn.
pub fn gr_amka(s: &str) -> bool {
    let Some(d) = digits(s, &[]) else { return false };
    d.len() == 11
        && real_yymmdd(d[4] * 10 + d[5], d[2] * 10 + d[3], d[0] * 10 + d[1])
        && super::validators::luhn(&d.iter().map(|x| char::from_digit(*x, 10).unwrap_or('0')).collect::<String>())
}

/// Hungary: TAJ (social security) number, nine digits, weights 3 and 7 mod 10.
pub fn hu_taj(s: &str) -> bool {
    let Some(d) = digits(s, &[' ', '-']) else { return false };
    d.len() == 9 && d[0] != 0 && weighted(&d, &[3, 7, 3, 7, 3, 7, 3, 7]) % 10 == d[8]
}

/// Hungary: personal identification number, sex digit, YYMMDD, serial, check (weights 1 to
/// 10 before 1997, 10 to 1 since).
pub fn hu_personal_id(s: &str) -> bool {
    let Some(d) = digits(s, &[' ', '-']) else { return false };
    if d.len() != 11 || !(1..=8).contains(&d[0]) {
        return false;
    }
    let century = match d[0] {
        1..=4 => 1900,
        _ => 2000,
    };
    if !real_date(century + d[1] * 10 + d[2], d[3] * 10 + d[4], d[5] * 10 + d[6]) {
        return false;
    }
    let up = weighted(&d, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) % 11;
    let down = weighted(&d, &[10, 9, 8, 7, 6, 5, 4, 3, 2, 1]) % 11;
    (up < 10 && up == d[10]) || (down < 10 && down == d[10])
}

/// Verhoeff check over digits whose last is the check digit.
fn verhoeff(d: &[u32]) -> bool {
    const MUL: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const PERM: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 7, 6, 8, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let mut c = 0u8;
    for (i, &x) in d.iter().rev().enumerate() {
        c = MUL[c as usize][PERM[i % 8][x as usize] as usize];
    }
    c == 0
}

/// Luxembourg: national identification number, YYYYMMDD, serial, a Luhn and a Verhoeff digit
/// over the first eleven.
pub fn lu_matricule(s: &str) -> bool {
    let Some(d) = digits(s, &[' ']) else { return false };
    if d.len() != 13 || !real_date(number(&d[..4]) as u32, d[4] * 10 + d[5], d[6] * 10 + d[7]) {
        return false;
    }
    let text = |x: &[u32]| x.iter().map(|v| char::from_digit(*v, 10).unwrap_or('0')).collect::<String>();
    super::validators::luhn(&text(&d[..12])) && verhoeff(&[&d[..11], &d[12..]].concat())
}

/// Portugal: NIF, nine digits, mod-11 check (10 and 11 give 0).
pub fn pt_nif(s: &str) -> bool {
    let Some(d) = digits(s, &[' ']) else { return false };
    if d.len() != 9 || !matches!(d[0], 1 | 2 | 3 | 5 | 6 | 8 | 9) {
        return false;
    }
    let r = 11 - weighted(&d, &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    d[8] == if r >= 10 { 0 } else { r }
}

/// Greece: AFM tax number, nine digits, powers of two mod 11 mod 10.
pub fn gr_afm(s: &str) -> bool {
    let Some(d) = digits(s, &[]) else { return false };
    d.len() == 9 && d[..8].iter().any(|&x| x != 0) && weighted(&d, &[256, 128, 64, 32, 16, 8, 4, 2]) % 11 % 10 == d[8]
}

/// Domestic bank account formats with a national check, written without the IBAN prefix.
/// Returns the country whose format the value passes.
pub fn bank_account(s: &str) -> Option<&'static str> {
    let t = s.trim();
    // The shortest format is Czech (`19-2/0800` at least seven characters).
    if !(7..=40).contains(&t.len()) || !t.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    if pl_nrb(t) {
        Some("PL")
    } else if be_account(t) {
        Some("BE")
    } else if fr_rib(t) {
        Some("FR")
    } else if es_ccc(t) {
        Some("ES")
    } else if cz_sk_account(t) {
        Some("CZ")
    } else if hu_account(t) {
        Some("HU")
    } else if no_account(t) {
        Some("NO")
    } else {
        None
    }
}

/// Poland: NRB, 26 digits whose first two are the IBAN check digits.
pub fn pl_nrb(s: &str) -> bool {
    let Some(d) = digits(s, &[' ']) else { return false };
    d.len() == 26
        && super::validators::iban(&format!("PL{}", d.iter().map(|x| char::from_digit(*x, 10).unwrap_or('0')).collect::<String>()))
}

/// Belgium: 123-4567890-12, the first ten digits mod 97 (97 for 0) as the last two.
pub fn be_account(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 14 || b[3] != b'-' || b[11] != b'-' {
        return false;
    }
    let Some(d) = digits(s, &['-']) else { return false };
    let r = number(&d[..10]) % 97;
    d.len() == 12 && number(&d[10..]) == if r == 0 { 97 } else { r }
}

/// France: RIB, bank (5), branch (5), account (11, letters allowed), key (2).
pub fn fr_rib(s: &str) -> bool {
    let c: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let b = c.as_bytes();
    if b.len() != 23 || !b[..10].iter().chain(&b[21..]).all(u8::is_ascii_digit) || !b[10..21].iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let value = |x: u8| -> u64 {
        match x {
            b'0'..=b'9' => (x - b'0') as u64,
            b'A'..=b'I' => (x - b'A' + 1) as u64,
            b'J'..=b'R' => (x - b'J' + 1) as u64,
            _ => (x - b'S' + 2) as u64,
        }
    };
    let n = |r: &[u8]| r.iter().fold(0u64, |n, &x| n * 10 + value(x));
    let key = 97 - (89 * n(&b[..5]) + 15 * n(&b[5..10]) + 3 * n(&b[10..21])) % 97;
    key == n(&b[21..])
}

/// Spain: CCC, bank (4), branch (4), two control digits, account (10).
pub fn es_ccc(s: &str) -> bool {
    let Some(d) = digits(s, &[' ', '-']) else { return false };
    if d.len() != 20 {
        return false;
    }
    const W: [u32; 10] = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
    let control = |x: &[u32]| match 11 - weighted(x, &W) % 11 {
        11 => 0,
        10 => 1,
        k => k,
    };
    let first: Vec<u32> = [0, 0].iter().chain(&d[..8]).copied().collect();
    control(&first) == d[8] && control(&d[10..]) == d[9] && d[10..].iter().any(|&x| x != 0)
}

/// Czechia and Slovakia: [prefix-]number/bank, each part weighted mod 11.
pub fn cz_sk_account(s: &str) -> bool {
    let Some((account, bank)) = s.split_once('/') else { return false };
    if bank.len() != 4 || !bank.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (prefix, main) = account.split_once('-').unwrap_or(("", account));
    let (Some(p), Some(m)) = (digits(prefix, &[]), digits(main, &[])) else { return false };
    const W: [u32; 10] = [6, 3, 7, 9, 10, 5, 8, 4, 2, 1];
    let ok = |x: &[u32], max: usize| x.len() <= max && weighted(x, &W[W.len() - x.len()..]).is_multiple_of(11);
    (2..=10).contains(&m.len()) && m.iter().any(|&x| x != 0) && ok(&m, 10) && ok(&p, 6)
}

/// Hungary: two or three groups of eight digits; the first group, then the rest, weighted
/// 9, 7, 3, 1 to a multiple of ten.
pub fn hu_account(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    if !(2..=3).contains(&groups.len()) || groups.iter().any(|g| g.len() != 8) {
        return false;
    }
    let Some(d) = digits(s, &['-']) else { return false };
    let ok = |x: &[u32]| weighted(x, &[9, 7, 3, 1].repeat(x.len() / 4)).is_multiple_of(10);
    ok(&d[..8]) && ok(&d[8..]) && d[8..].iter().any(|&x| x != 0)
}

/// Norway: 1234.56.78903, eleven digits, mod 11.
pub fn no_account(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 13 || !(b[4] == b'.' && b[7] == b'.' || b[4] == b' ' && b[7] == b' ') {
        return false;
    }
    let Some(d) = digits(s, &['.', ' ']) else { return false };
    d.len() == 11 && mod11_digit(&d, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) == Some(d[10])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published examples of each scheme, and the same with the last character changed.
    #[test]
    fn identity_numbers() {
        type Case = (fn(&str) -> bool, &'static str, &'static str);
        let cases: &[Case] = &[
            (fi_hetu, "131052-308T", "131052-308U"),
            (dk_cpr, "211062-5629", "211062-5628"),
            (cz_sk_rodne_cislo, "710319/2745", "710319/2746"),
            (ro_cnp, "1630615123457", "1630615123458"),
            (bg_egn, "7523169263", "7523169264"),
            (hr_oib, "33392005961", "33392005962"),
            (si_emso, "0101006500006", "0101006500007"),
            (ee_lt_personal_code, "37605030299", "37605030298"),
            (ee_lt_personal_code, "33309240064", "33309240065"),
            (lv_personas_kods, "161175-19997", "161175-19996"),
            (ie_pps, "6433435F", "6433435E"),
            (no_fodselsnummer, "15108695088", "15108695089"),
            (is_kennitala, "120174-3399", "120174-3389"),
            (be_national_number, "85.07.30-033.28", "85.07.30-033.29"),
            (at_svnr, "1237010180", "1238010180"),
            (gr_amka, "01013099997", "01013099998"),
            (lu_matricule, "1893120105732", "1893120105733"),
            (pt_nif, "501964843", "501964844"),
            (gr_afm, "094259216", "094259217"),
        ];
        for (check, valid, invalid) in cases {
            assert!(check(valid), "{valid} should pass");
            assert!(!check(invalid), "{invalid} should fail");
        }
    }

    #[test]
    fn dates_inside_the_numbers_are_checked() {
        // Check digits right, but 31 February.
        assert!(!fi_hetu("310252-308T"));
        assert!(!ee_lt_personal_code("37613030299"));
        assert!(!cz_sk_rodne_cislo("7113192745"));
    }

    #[test]
    fn bank_accounts() {
        assert_eq!(bank_account("61 1090 1014 0000 0712 1981 2874"), Some("PL"));
        assert_eq!(bank_account("539-0075470-34"), Some("BE"));
        assert_eq!(bank_account("30002 00550 0000157845Z 02"), Some("FR"));
        assert_eq!(bank_account("2100 0418 45 0200051332"), Some("ES"));
        assert_eq!(bank_account("19-2000145399/0800"), Some("CZ"));
        assert_eq!(bank_account("11773016-11111018"), Some("HU"));
        assert_eq!(bank_account("8601.11.17947"), Some("NO"));
        for wrong in ["61 1090 1014 0000 0712 1981 2875", "539-0075470-35", "19-2000145398/0800", "11773016-11111019", "8601.11.17948"] {
            assert_eq!(bank_account(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn hostile_values_do_not_panic() {
        for v in ["", "-", "/", "ä/1234", "1-/0800", "------", "é".repeat(30).as_str(), "99999999999999999999"] {
            let _ = schemes(v).count();
            let _ = bank_account(v);
        }
    }
}
