//! What a table's rows are, from its name and its other columns. A table named `account` may
//! hold user accounts or, in a CRM, companies: the columns beside tell (`revenue`,
//! `industry` and `numberofemployees` are a company's; `birthdate`, `gender` and `firstname`
//! a person's). Computed once per table and handed to the classifier with each column.

use super::words::{is_non_person_word, is_person_word, match_terms, split_identifier};

/// Who or what a table's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rows {
    /// People: customers, employees, contacts, patients.
    Persons,
    /// Companies, shops, products, places: their names and addresses are not personal data.
    Things,
    #[default]
    Unknown,
}

/// The context of a column's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableContext {
    pub rows: Rows,
    /// The rows are health records (patients, diagnoses, measurements).
    pub health: bool,
}

/// Column words that describe an organisation: standard CRM and ERP company fields.
const ORGANISATION_COLUMNS: &[&str] = &[
    "industry",
    "industrycode",
    "revenue",
    "annualrevenue",
    "numberofemployees",
    "employeecount",
    "sic",
    "siccode",
    "naics",
    "tickersymbol",
    "ticker",
    "legalform",
    "duns",
    "dunsnumber",
    "companyregistrationnumber",
    "tradingname",
    "brsch",
    "branche",
    "ownership",
    "marketcap",
];

/// Categories whose columns show that the rows are people.
const PERSON_COLUMNS: &[&str] = &[
    "user.name.first",
    "user.name.last",
    "user.demographic.date_of_birth",
    "user.demographic.gender",
    "user.government_id.passport_number",
];

impl TableContext {
    /// The context of a table from its name alone.
    pub fn from_name(table: &str) -> Self {
        Self::of(table, std::iter::empty())
    }

    /// The context of a scanned table.
    pub fn of_dataset(dataset: &almanac_scanners::Dataset) -> Self {
        Self::of(&dataset.name, dataset.columns.iter().map(|c| c.name.as_str()))
    }

    /// The context of a table from its name and its columns' names. The columns decide when
    /// they speak (a first name or a birth date: people; revenue or an industry code: an
    /// organisation); otherwise the table's name does.
    pub fn of<'c>(table: &str, columns: impl Iterator<Item = &'c str>) -> Self {
        let words = split_identifier(table);
        let (mut person_columns, mut organisation_columns) = (0, 0);
        for column in columns {
            let w = split_identifier(column);
            if w.iter().any(|x| ORGANISATION_COLUMNS.contains(&x.as_str())) || ORGANISATION_COLUMNS.contains(&w.concat().as_str()) {
                organisation_columns += 1;
            } else if match_terms(&w, &[]).iter().any(|m| {
                // Only a column that is the attribute itself (`firstname`, `customer_gender`)
                // speaks for the rows: `headteacher_name` is someone else's, and `GenreId`
                // is a genre (French `genre`) of a thing.
                let others_are_persons = w.iter().enumerate().all(|(i, x)| (m.start..m.end).contains(&i) || is_person_word(x));
                m.weight >= 0.5
                    && PERSON_COLUMNS.contains(&m.category.as_str())
                    && others_are_persons
                    && !w.iter().any(|x| is_non_person_word(x))
            }) {
                person_columns += 1;
            }
        }
        let rows = if person_columns > 0 {
            Rows::Persons
        } else if organisation_columns > 0 {
            Rows::Things
        } else if words.iter().any(|w| is_person_word(w)) {
            Rows::Persons
        } else if words.iter().any(|w| is_non_person_word(w)) {
            Rows::Things
        } else {
            Rows::Unknown
        };
        TableContext { rows, health: super::health::health_table(&words) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_tell_what_rows_are() {
        assert_eq!(TableContext::from_name("customers").rows, Rows::Persons);
        assert_eq!(TableContext::from_name("stores").rows, Rows::Things);
        assert_eq!(TableContext::from_name("t1").rows, Rows::Unknown);
        // A CRM account is a company; a user account with a birth date is a person.
        let crm = ["accountid", "name", "address1_city", "revenue", "industrycode"];
        assert_eq!(TableContext::of("account", crm.into_iter()).rows, Rows::Things);
        let users = ["id", "email", "birthdate", "password_hash"];
        assert_eq!(TableContext::of("account", users.into_iter()).rows, Rows::Persons);
        // SAP vendors with an industry key; business partners with a first name.
        assert_eq!(TableContext::of("LFA1", ["LIFNR", "NAME1", "STRAS", "BRSCH"].into_iter()).rows, Rows::Things);
        assert_eq!(TableContext::of("BUT000", ["PARTNER", "NAME_FIRST", "NAME_LAST"].into_iter()).rows, Rows::Persons);
        assert!(TableContext::from_name("condition_occurrence").health);
    }
}
