//! Health data known from context (GDPR Art. 9): tables of patients, donors, diagnoses and
//! clinical measurements, and values shaped like diagnosis codes (ICD-10) or blood groups.
//! A code-like value alone is weak evidence (`A12` may be a shelf); the table makes it strong.

/// Words (folded, singular and plural) that make a table a health record: its rows are about
/// a person's health. Several languages; transliterated Greek and Bulgarian.
const HEALTH_TABLE_WORDS: &[&str] = &[
    "patient",
    "patients",
    "patienten",
    "patientin",
    "paciente",
    "pacientes",
    "paziente",
    "pazienti",
    "pacjent",
    "pacjenci",
    "pacient",
    "pacienti",
    "pacientas",
    "pacients",
    "patsient",
    "potilas",
    "potilaat",
    "beteg",
    "asthenis",
    "pacienta",
    "donor",
    "donors",
    "spender",
    "donneur",
    "donante",
    "donatore",
    "diagnosis",
    "diagnoses",
    "diagnose",
    "diagnosen",
    "diagnostic",
    "diagnostico",
    "diagnosi",
    "diagnoza",
    "condition",
    "conditions",
    "measurement",
    "measurements",
    "lab",
    "labresult",
    "labresults",
    "laboratory",
    "clinical",
    "medical",
    "medication",
    "prescription",
    "prescriptions",
    "treatment",
    "treatments",
    "admission",
    "admissions",
    "encounter",
    "encounters",
    "vaccination",
    "vaccinations",
    "allergy",
    "allergies",
    "befund",
    "befunde",
    "krankenakte",
    "anamnese",
    "anamnesis",
    "hospital",
    "death",
    "occurrence",
    "exposure",
    "specimen",
];

/// Column words that name a clinical value or code in a health record.
const CLINICAL_VALUE_WORDS: &[&str] = &["diagnosis", "condition", "cause", "icd", "result", "finding", "bloodgroup", "bloodtype", "death"];

/// Tables whose rows are clinical values: there `value` and the table's own noun name one
/// (`measurement_source_value`, `value_as_number` in `measurement`).
const CLINICAL_VALUE_TABLES: &[&str] =
    &["measurement", "measurements", "observation", "observations", "lab", "labresult", "labresults", "vitals"];

/// Words that make a column of a health record describe the record rather than hold a
/// clinical value: its unit, type, status or a concept id.
const DESCRIBING_WORDS: &[&str] = &["unit", "type", "status", "concept", "id", "operator", "range", "low", "high"];

/// When a record was made is not clinical, except the date of death.
const WHEN_WORDS: &[&str] = &["date", "datetime", "time", "start", "end"];

/// Whether the table's words say its rows are health records.
pub fn health_table(table_words: &[String]) -> bool {
    table_words.iter().any(|w| HEALTH_TABLE_WORDS.contains(&w.as_str()))
}

/// Whether a column of a health table names a clinical value (`condition_source_value`,
/// `cause_of_death`, `lab_result`, `death_date`; `value_as_number` in `measurement`).
pub fn clinical_column(words: &[String], table_words: &[String]) -> bool {
    let value_table = table_words.iter().any(|w| CLINICAL_VALUE_TABLES.contains(&w.as_str()));
    let clinical = words.iter().any(|w| {
        CLINICAL_VALUE_WORDS.contains(&w.as_str()) || value_table && (w == "value" || CLINICAL_VALUE_TABLES.contains(&w.as_str()))
    });
    let describes = words.iter().any(|w| DESCRIBING_WORDS.contains(&w.as_str()));
    let when = words.iter().any(|w| WHEN_WORDS.contains(&w.as_str())) && !words.iter().any(|w| w == "death");
    clinical && !describes && !when
}

/// An ICD-10 code: a letter (not U, kept for special use), two digits (or digit and letter
/// in chapter C/D subdivisions), optionally a dot and up to four characters.
pub fn icd10(s: &str) -> bool {
    let b = s.trim().as_bytes();
    if !(3..=8).contains(&b.len()) {
        return false;
    }
    let head =
        b[0].is_ascii_uppercase() && b[0] != b'U' && b[1].is_ascii_digit() && (b[2].is_ascii_digit() || b[2] == b'A' || b[2] == b'B');
    let tail = match &b[3..] {
        [] => true,
        [b'.', rest @ ..] => (1..=4).contains(&rest.len()) && rest.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
        rest => rest.len() <= 2 && rest.iter().all(u8::is_ascii_digit),
    };
    head && tail
}

/// Whether an ICD-10 code is written with its dot (`E11.9`): far less common in other codes.
pub fn icd10_dotted(s: &str) -> bool {
    icd10(s) && s.contains('.')
}

/// A blood group in the usual notations: `A+`, `0 Rh-`, `AB neg`, `B Rh positive`.
pub fn blood_group(s: &str) -> bool {
    let t = s.trim().to_ascii_lowercase().replace(' ', "");
    let rest = ["ab", "a", "b", "0", "o"].iter().find_map(|g| t.strip_prefix(g));
    let Some(rest) = rest else { return false };
    let rest = rest.strip_prefix("rh").unwrap_or(rest);
    matches!(rest, "+" | "-" | "pos" | "neg" | "positive" | "negative" | "positiv" | "negativ" | "d+" | "d-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_groups() {
        for code in ["E11.9", "I10", "J45.909", "C50.911", "Z00.00", "F32.A"] {
            assert!(icd10(code), "{code}");
        }
        for code in ["U07.1", "e11.9", "E1", "E11.12345", "11.9", "EE1"] {
            assert!(!icd10(code), "{code}");
        }
        assert!(icd10_dotted("E11.9") && !icd10_dotted("I10"));
        for g in ["A+", "0 Rh-", "AB neg", "B Rh positive", "O-", "ab+"] {
            assert!(blood_group(g), "{g}");
        }
        for g in ["A", "AB", "C+", "B minus", "A++"] {
            assert!(!blood_group(g), "{g}");
        }
    }
}
