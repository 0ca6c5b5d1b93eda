//! The vocabulary of change events: every kind of change the catalog records, stored under
//! its snake_case name and exposed to GraphQL as an enum.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// What a change event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, async_graphql::Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A schema or database appeared (or came back).
    #[sea_orm(string_value = "namespace_added")]
    NamespaceAdded,
    /// A schema or database disappeared.
    #[sea_orm(string_value = "namespace_removed")]
    NamespaceRemoved,
    /// A table or view appeared (or came back with its old id).
    #[sea_orm(string_value = "dataset_added")]
    DatasetAdded,
    /// A table or view disappeared.
    #[sea_orm(string_value = "dataset_removed")]
    DatasetRemoved,
    /// A column appeared (or came back).
    #[sea_orm(string_value = "column_added")]
    ColumnAdded,
    /// A column disappeared.
    #[sea_orm(string_value = "column_removed")]
    ColumnRemoved,
    /// A column's declared type changed.
    #[sea_orm(string_value = "type_changed")]
    TypeChanged,
    /// A column became nullable or NOT NULL.
    #[sea_orm(string_value = "nullability_changed")]
    NullabilityChanged,
    /// A column's default changed.
    #[sea_orm(string_value = "default_changed")]
    DefaultChanged,
    /// A column joined or left a primary key or unique constraint.
    #[sea_orm(string_value = "key_changed")]
    KeyChanged,
    /// The source's comment on a dataset or column changed.
    #[sea_orm(string_value = "comment_changed")]
    CommentChanged,
    /// A table became a view, or the other way round.
    #[sea_orm(string_value = "kind_changed")]
    KindChanged,
    /// A view's SQL changed.
    #[sea_orm(string_value = "view_definition_changed")]
    ViewDefinitionChanged,
    /// A foreign key appeared.
    #[sea_orm(string_value = "foreign_key_added")]
    ForeignKeyAdded,
    /// A foreign key's columns or target changed.
    #[sea_orm(string_value = "foreign_key_changed")]
    ForeignKeyChanged,
    /// A foreign key disappeared.
    #[sea_orm(string_value = "foreign_key_removed")]
    ForeignKeyRemoved,
    /// The owner the source reports changed.
    #[sea_orm(string_value = "source_owner_changed")]
    SourceOwnerChanged,
    /// A curated description was edited.
    #[sea_orm(string_value = "description_changed")]
    DescriptionChanged,
    /// Someone assigned or cleared a dataset's owner.
    #[sea_orm(string_value = "owner_changed")]
    OwnerChanged,
    /// A steward confirmed a personal-data category.
    #[sea_orm(string_value = "classification_confirmed")]
    ClassificationConfirmed,
    /// A steward rejected a personal-data category.
    #[sea_orm(string_value = "classification_rejected")]
    ClassificationRejected,
    /// A steward added a personal-data category by hand.
    #[sea_orm(string_value = "classification_added")]
    ClassificationAdded,
    /// Someone recorded what a column means from a date on.
    #[sea_orm(string_value = "meaning_annotated")]
    MeaningAnnotated,
    /// Someone acknowledged a detected change.
    #[sea_orm(string_value = "change_acknowledged")]
    ChangeAcknowledged,
    /// Someone dismissed a detected change as a false alarm.
    #[sea_orm(string_value = "change_dismissed")]
    ChangeDismissed,
    /// Detected: the share of NULLs moved.
    #[sea_orm(string_value = "null_rate_shift")]
    NullRateShift,
    /// Detected: values scaled by a unit factor (1000, 60, 3600 ...).
    #[sea_orm(string_value = "unit_change")]
    UnitChange,
    /// Detected: amounts scaled by a VAT rate.
    #[sea_orm(string_value = "tax_change")]
    TaxChange,
    /// Detected: timestamps moved by whole hours, or their offset form changed.
    #[sea_orm(string_value = "timezone_shift")]
    TimezoneShift,
    /// Detected: the dominant value shape changed.
    #[sea_orm(string_value = "format_change")]
    FormatChange,
    /// Detected: more rows repeat another row.
    #[sea_orm(string_value = "duplicates_rise")]
    DuplicatesRise,
    /// A column upstream (through lineage) changed meaning; the details name it.
    #[sea_orm(string_value = "upstream_change")]
    UpstreamChange,
    /// A file of a file dataset adds or lacks a column, or types it otherwise, compared with
    /// the dataset's first file; the details name the file and the column.
    #[sea_orm(string_value = "file_drift")]
    FileDrift,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 33] = [
        ChangeKind::NamespaceAdded,
        ChangeKind::NamespaceRemoved,
        ChangeKind::DatasetAdded,
        ChangeKind::DatasetRemoved,
        ChangeKind::ColumnAdded,
        ChangeKind::ColumnRemoved,
        ChangeKind::TypeChanged,
        ChangeKind::NullabilityChanged,
        ChangeKind::DefaultChanged,
        ChangeKind::KeyChanged,
        ChangeKind::CommentChanged,
        ChangeKind::KindChanged,
        ChangeKind::ViewDefinitionChanged,
        ChangeKind::ForeignKeyAdded,
        ChangeKind::ForeignKeyChanged,
        ChangeKind::ForeignKeyRemoved,
        ChangeKind::SourceOwnerChanged,
        ChangeKind::DescriptionChanged,
        ChangeKind::OwnerChanged,
        ChangeKind::ClassificationConfirmed,
        ChangeKind::ClassificationRejected,
        ChangeKind::ClassificationAdded,
        ChangeKind::MeaningAnnotated,
        ChangeKind::ChangeAcknowledged,
        ChangeKind::ChangeDismissed,
        ChangeKind::NullRateShift,
        ChangeKind::UnitChange,
        ChangeKind::TaxChange,
        ChangeKind::TimezoneShift,
        ChangeKind::FormatChange,
        ChangeKind::DuplicatesRise,
        ChangeKind::UpstreamChange,
        ChangeKind::FileDrift,
    ];

    /// The stored name (`type_changed`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::NamespaceAdded => "namespace_added",
            ChangeKind::NamespaceRemoved => "namespace_removed",
            ChangeKind::DatasetAdded => "dataset_added",
            ChangeKind::DatasetRemoved => "dataset_removed",
            ChangeKind::ColumnAdded => "column_added",
            ChangeKind::ColumnRemoved => "column_removed",
            ChangeKind::TypeChanged => "type_changed",
            ChangeKind::NullabilityChanged => "nullability_changed",
            ChangeKind::DefaultChanged => "default_changed",
            ChangeKind::KeyChanged => "key_changed",
            ChangeKind::CommentChanged => "comment_changed",
            ChangeKind::KindChanged => "kind_changed",
            ChangeKind::ViewDefinitionChanged => "view_definition_changed",
            ChangeKind::ForeignKeyAdded => "foreign_key_added",
            ChangeKind::ForeignKeyChanged => "foreign_key_changed",
            ChangeKind::ForeignKeyRemoved => "foreign_key_removed",
            ChangeKind::SourceOwnerChanged => "source_owner_changed",
            ChangeKind::DescriptionChanged => "description_changed",
            ChangeKind::OwnerChanged => "owner_changed",
            ChangeKind::ClassificationConfirmed => "classification_confirmed",
            ChangeKind::ClassificationRejected => "classification_rejected",
            ChangeKind::ClassificationAdded => "classification_added",
            ChangeKind::MeaningAnnotated => "meaning_annotated",
            ChangeKind::ChangeAcknowledged => "change_acknowledged",
            ChangeKind::ChangeDismissed => "change_dismissed",
            ChangeKind::NullRateShift => "null_rate_shift",
            ChangeKind::UnitChange => "unit_change",
            ChangeKind::TaxChange => "tax_change",
            ChangeKind::TimezoneShift => "timezone_shift",
            ChangeKind::FormatChange => "format_change",
            ChangeKind::DuplicatesRise => "duplicates_rise",
            ChangeKind::UpstreamChange => "upstream_change",
            ChangeKind::FileDrift => "file_drift",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether a detector found it (a semantic change people may acknowledge or dismiss).
    pub fn is_detected(self) -> bool {
        matches!(
            self,
            ChangeKind::NullRateShift
                | ChangeKind::UnitChange
                | ChangeKind::TaxChange
                | ChangeKind::TimezoneShift
                | ChangeKind::FormatChange
                | ChangeKind::DuplicatesRise
        )
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
