//! The personal-data taxonomy: dotted category keys, with the GDPR Art. 9 special categories
//! flagged. Custom categories from the configuration extend it.

use serde::Serialize;

/// One category of personal data.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Category {
    /// Dotted key, e.g. `user.contact.email`.
    pub key: String,
    /// Short human label.
    pub label: String,
    /// A special category of personal data (GDPR Art. 9).
    pub special: bool,
}

/// Built-in keys, label and Art. 9 flag.
pub const BUILT_IN: &[(&str, &str, bool)] = &[
    ("user.contact.email", "e-mail address", false),
    ("user.contact.phone_number", "phone number", false),
    ("user.contact.address.street", "street address", false),
    ("user.contact.address.postal_code", "postal code", false),
    ("user.contact.address.city", "city of residence", false),
    ("user.name", "person's full name", false),
    ("user.name.first", "first name", false),
    ("user.name.last", "last name", false),
    ("user.demographic.date_of_birth", "date of birth", false),
    ("user.demographic.gender", "gender", false),
    ("user.government_id.national_id", "national identification number", false),
    ("user.government_id.passport_number", "passport number", false),
    ("user.government_id.tax_id", "tax identification number", false),
    ("user.financial.bank_account", "bank account (IBAN)", false),
    ("user.financial.credit_card", "payment card number", false),
    ("user.device.ip_address", "IP address", false),
    ("user.device.device_id", "device identifier (IMEI, MAC, advertising id, fingerprint)", false),
    ("user.location.precise", "precise location (latitude/longitude)", false),
    ("user.unique_id", "account or customer identifier", false),
    ("user.credentials", "password hash, token or secret", false),
    ("user.health", "health data", true),
    ("user.biometric", "biometric data", true),
    ("user.genetic", "genetic data", true),
    ("user.religious_belief", "religious or philosophical belief", true),
    ("user.political_opinion", "political opinion", true),
    ("user.sexual_orientation", "sex life or sexual orientation", true),
    ("user.racial_ethnic_origin", "racial or ethnic origin", true),
    ("user.trade_union_membership", "trade union membership", true),
    ("user.free_text_with_pii", "free text containing personal data", false),
];

/// Why a category key was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a known personal-data category")]
pub struct UnknownCategory(pub String);

/// A category key of the taxonomy in force (`user.contact.email`): made only by
/// [`Taxonomy::key`], so holding one means the category exists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CategoryKey(String);

impl CategoryKey {
    /// The dotted key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key read back from the store, where only known keys were ever written.
    pub(crate) fn stored(key: String) -> CategoryKey {
        CategoryKey(key)
    }
}

impl std::fmt::Display for CategoryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for CategoryKey {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

/// The categories in force: the built-in ones plus custom ones.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    categories: Vec<Category>,
}

impl Default for Taxonomy {
    fn default() -> Self {
        Taxonomy {
            categories: BUILT_IN.iter().map(|(k, l, s)| Category { key: k.to_string(), label: l.to_string(), special: *s }).collect(),
        }
    }
}

impl Taxonomy {
    /// The built-in taxonomy extended by `custom` (key, label, special).
    pub fn with_custom(custom: impl IntoIterator<Item = Category>) -> Self {
        let mut t = Taxonomy::default();
        for c in custom {
            if !t.categories.iter().any(|x| x.key == c.key) {
                t.categories.push(c);
            }
        }
        t
    }

    /// All categories.
    pub fn all(&self) -> &[Category] {
        &self.categories
    }

    /// The category with this key.
    pub fn get(&self, key: &str) -> Result<&Category, UnknownCategory> {
        self.categories.iter().find(|c| c.key == key).ok_or_else(|| UnknownCategory(key.to_string()))
    }

    /// The key of a category in force, or why `text` is none.
    pub fn key(&self, text: &str) -> Result<CategoryKey, UnknownCategory> {
        self.get(text.trim()).map(|c| CategoryKey(c.key.clone()))
    }

    /// The keys of the special categories (Art. 9).
    pub fn special_keys(&self) -> Vec<CategoryKey> {
        self.categories.iter().filter(|c| c.special).map(|c| CategoryKey(c.key.clone())).collect()
    }

    /// Whether `key` is a special category (Art. 9).
    pub fn is_special(&self, key: &str) -> bool {
        self.get(key).map(|c| c.special).unwrap_or(false)
    }
}

/// Checks the shape of a custom category key: lower-case dotted words under `user.`.
pub fn valid_custom_key(key: &str) -> bool {
    key.starts_with("user.")
        && key.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
}
