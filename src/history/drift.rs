//! Drift detectors: compare a column's new profile with its previous one and name a
//! semantic change, with the figures compared and a confidence. Each detector asks for
//! agreement across several quantiles, so that two samples of unchanged data, which differ
//! by chance, do not raise an alarm.

use super::profile::{Numbers, Profile};
use crate::catalog::ChangeKind;
use almanac_scanners::SampleMethod;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Detector thresholds, from the `[history]` configuration section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DriftConfig {
    /// Smallest change of the null fraction reported (absolute, 0-1).
    pub null_shift: f64,
    /// How far each quantile ratio may stray from a unit factor (relative), when both scans
    /// read the same rows (tables with a key).
    pub unit_tolerance: f64,
    /// The same, when the scans read different rows (tables without a key, or too large to
    /// hash): the unit factors lie far apart, so a wide tolerance still tells them apart.
    pub unpaired_unit_tolerance: f64,
    /// How far each quantile ratio may stray from a tax factor (relative).
    pub tax_tolerance: f64,
    /// VAT rates looked for (1.19 = 19 %).
    pub tax_rates: Vec<f64>,
    /// How far each quantile shift may stray from a whole number of hours, seconds.
    pub timezone_tolerance_secs: f64,
    /// Smallest share the new dominant shape must reach, and largest it may have had before.
    pub format_share: f64,
    /// Smallest rise of the duplicate-row share reported (absolute, 0-1).
    pub duplicate_rise: f64,
    /// Fewest non-null sampled values on both sides for value-based detectors.
    pub min_values: usize,
}

impl Default for DriftConfig {
    fn default() -> Self {
        DriftConfig {
            null_shift: 0.10,
            unit_tolerance: 0.03,
            unpaired_unit_tolerance: 0.25,
            tax_tolerance: 0.004,
            tax_rates: vec![1.05, 1.07, 1.10, 1.19, 1.20, 1.21, 1.25],
            timezone_tolerance_secs: 90.0,
            format_share: 0.5,
            duplicate_rise: 0.05,
            min_values: 20,
        }
    }
}

/// Standard errors a null fraction must move by before it is reported.
pub const NULL_Z: f64 = 4.5;

impl DriftConfig {
    /// Rows a table's profile needs so that a move of the null fraction by `null_shift` is
    /// seen beyond [`NULL_Z`] standard errors in the worst case (a fraction near one half):
    /// `2 p (1 - p) (z / shift)^2` rows per scan. 1,013 for the default shift of 0.10; capped
    /// at 100,000.
    pub fn rows_needed(&self) -> u32 {
        let shift = self.null_shift.clamp(0.001, 1.0);
        let n = 2.0 * 0.25 * (NULL_Z / shift).powi(2);
        (n.ceil() as u32).max(self.min_values.min(100_000) as u32).min(100_000)
    }
}

/// A detected change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// `null_rate_shift`, `unit_change`, `tax_change`, `timezone_shift`, `format_change`,
    /// `duplicates_rise`.
    pub kind: ChangeKind,
    /// 0 to 1.
    pub confidence: f64,
    /// What was compared, and the likely cause.
    pub evidence: serde_json::Value,
}

/// Unit factors and what they usually mean.
const UNITS: &[(f64, &str)] = &[
    (1000.0, "x1000 (e.g. seconds to milliseconds, or units to thousandths)"),
    (100.0, "x100 (e.g. amounts to cents, or fractions to percent)"),
    (60.0, "x60 (e.g. minutes to seconds, or hours to minutes)"),
    (3600.0, "x3600 (e.g. hours to seconds)"),
    (86400.0, "x86400 (e.g. days to seconds)"),
];

/// The ratio every compared quantile agrees on, if they all lie within `tol` of `factor`.
fn all_scaled(before: &Numbers, after: &Numbers, factor: f64, tol: f64) -> Option<f64> {
    let (b, a) = (before.quantiles(), after.quantiles());
    let mut ratios = Vec::new();
    for (x, y) in b.iter().zip(a.iter()) {
        if *x == 0.0 {
            if *y == 0.0 {
                continue;
            }
            return None;
        }
        let r = y / x;
        if (r / factor - 1.0).abs() > tol {
            return None;
        }
        ratios.push(r);
    }
    // At least three non-zero quantiles must agree.
    (ratios.len() >= 3).then(|| ratios.iter().sum::<f64>() / ratios.len() as f64)
}

fn numbers_enough(p: &Profile, n: &Numbers, config: &DriftConfig) -> bool {
    n.count >= config.min_values && p.sampled >= config.min_values
}

/// Compares two profiles of one column. `money` says the column holds amounts (name or type),
/// which the tax detector requires.
pub fn detect(before: &Profile, after: &Profile, money: bool, config: &DriftConfig) -> Vec<Drift> {
    let mut out = Vec::new();
    // Samples taken different ways are not compared: the new one starts a new baseline.
    if before.method != after.method {
        return out;
    }
    // Whether the two samples hold the same rows (a change then shows in every quantile
    // exactly), or two independent draws (only large factors are told from chance).
    let paired = after.method.is_none_or(SampleMethod::row_for_row);
    let unit_tolerance = if paired { config.unit_tolerance } else { config.unpaired_unit_tolerance.max(config.unit_tolerance) };
    // Null fraction: a jump beyond the threshold and beyond sampling noise (two-proportion z).
    if before.sampled >= config.min_values && after.sampled >= config.min_values {
        let (p1, p2) = (before.null_fraction, after.null_fraction);
        let pooled = (p1 * before.sampled as f64 + p2 * after.sampled as f64) / (before.sampled + after.sampled) as f64;
        let se = (pooled * (1.0 - pooled) * (1.0 / before.sampled as f64 + 1.0 / after.sampled as f64)).sqrt();
        let z = if se > 0.0 { (p2 - p1).abs() / se } else { 0.0 };
        if (p2 - p1).abs() >= config.null_shift && z >= NULL_Z {
            let mut evidence = json!({ "null_fraction_before": p1, "null_fraction_after": p2, "z": z, "direction": if p2 > p1 { "rise" } else { "drop" } });
            let mut confidence = (z / 9.0).min(1.0);
            // The engine's statistics of the whole column, where both scans have them.
            if let (Some(e1), Some(e2)) = (before.engine, after.engine) {
                evidence["engine_null_fraction_before"] = json!(e1.null_fraction);
                evidence["engine_null_fraction_after"] = json!(e2.null_fraction);
                let agrees = (e2.null_fraction - e1.null_fraction) * (p2 - p1) > 0.0
                    && (e2.null_fraction - e1.null_fraction).abs() >= config.null_shift / 2.0;
                evidence["engine_agrees"] = json!(agrees);
                confidence = if agrees { (confidence + 0.2).min(1.0) } else { confidence * 0.8 };
            }
            out.push(Drift { kind: ChangeKind::NullRateShift, confidence, evidence });
        }
    }
    if let (Some(b), Some(a)) = (&before.numbers, &after.numbers) {
        if numbers_enough(before, b, config) && numbers_enough(after, a, config) {
            let mut unit = None;
            for (factor, meaning) in UNITS {
                for (f, direction) in [(*factor, "up"), (1.0 / factor, "down")] {
                    if let Some(r) = all_scaled(b, a, f, unit_tolerance) {
                        unit = Some(json!({ "factor": f, "observed_ratio": r, "likely": meaning, "direction": direction,
                                            "median_before": b.median, "median_after": a.median, "p90_before": b.p90, "p90_after": a.p90 }));
                    }
                }
                if unit.is_some() {
                    break;
                }
            }
            if let Some(mut evidence) = unit {
                evidence["same_rows"] = json!(paired);
                out.push(Drift { kind: ChangeKind::UnitChange, confidence: 0.9, evidence });
            } else if money {
                for rate in &config.tax_rates {
                    for (f, what) in [(*rate, "tax now included"), (1.0 / rate, "tax no longer included")] {
                        if let Some(r) = all_scaled(b, a, f, config.tax_tolerance) {
                            out.push(Drift {
                                kind: ChangeKind::TaxChange,
                                confidence: 0.8,
                                evidence: json!({ "rate": format!("{:.0}%", (rate - 1.0) * 100.0), "factor": f, "observed_ratio": r, "likely": what,
                                                  "median_before": b.median, "median_after": a.median }),
                            });
                        }
                    }
                }
            }
        }
    }
    if let (Some(b), Some(a)) = (&before.instants, &after.instants) {
        if numbers_enough(before, b, config) && numbers_enough(after, a, config) {
            let shifts: Vec<f64> = b.quantiles().iter().zip(a.quantiles().iter()).map(|(x, y)| y - x).collect();
            let mean = shifts.iter().sum::<f64>() / shifts.len() as f64;
            let hours = (mean / 3600.0).round();
            let whole = shifts.iter().all(|s| (s - hours * 3600.0).abs() <= config.timezone_tolerance_secs);
            if whole && hours != 0.0 && hours.abs() <= 14.0 {
                out.push(Drift {
                    kind: ChangeKind::TimezoneShift,
                    confidence: 0.85,
                    evidence: json!({ "hours": hours, "median_before": b.median, "median_after": a.median, "likely": "timestamps moved by a whole number of hours: a time-zone change" }),
                });
            }
        }
    }
    // The dominant shape changed: the new one was rare before and dominates now. Numbers
    // change shape with their magnitude, which the detectors above judge.
    let numeric = before.numbers.is_some() && after.numbers.is_some();
    if numeric {
        return out;
    }
    if let (Some((bs, bshare)), Some((ashape, ashare))) = (before.dominant_shape(), after.dominant_shape()) {
        let enough = before.sampled >= config.min_values && after.sampled >= config.min_values;
        if enough && bs != ashape && ashare >= config.format_share && before.shape_share(ashape) < 0.1 && bshare >= config.format_share {
            // An offset appearing or disappearing on timestamps is a time-zone matter.
            let kind =
                if before.instants.is_some() && after.instants.is_some() { ChangeKind::TimezoneShift } else { ChangeKind::FormatChange };
            if !out.iter().any(|d| d.kind == kind) {
                out.push(Drift {
                    kind,
                    confidence: ashare.min(bshare),
                    evidence: json!({ "shape_before": bs, "share_before": bshare, "shape_after": ashape, "share_after": ashare,
                                      "share_of_new_shape_before": before.shape_share(ashape) }),
                });
            }
        }
    }
    out
}

/// Compares the duplicate-row share of a dataset's samples.
pub fn duplicates(before: Option<f64>, after: Option<f64>, rows: (usize, usize), config: &DriftConfig) -> Option<Drift> {
    let (b, a) = (before?, after?);
    if rows.0 < config.min_values || rows.1 < config.min_values || a - b < config.duplicate_rise {
        return None;
    }
    Some(Drift {
        kind: ChangeKind::DuplicatesRise,
        confidence: ((a - b) / 0.2).min(1.0),
        evidence: json!({ "duplicate_share_before": b, "duplicate_share_after": a }),
    })
}

#[cfg(test)]
mod tests {
    use super::super::profile::profile;
    use super::*;

    fn sample(values: impl Iterator<Item = Option<String>>) -> Vec<Option<String>> {
        values.collect()
    }

    fn detect_values(before: &[Option<String>], after: &[Option<String>], money: bool) -> Vec<&'static str> {
        detect(&profile(before), &profile(after), money, &DriftConfig::default()).into_iter().map(|d| d.kind.as_str()).collect()
    }

    #[test]
    fn each_change_is_named() {
        let mut rng = fastrand::Rng::with_seed(1);
        let secs: Vec<f64> = (0..200).map(|_| rng.f64() * 500.0 + 1.0).collect();
        let s = |xs: &[f64], f: &dyn Fn(f64) -> String| sample(xs.iter().map(|x| Some(f(*x))));
        let base = s(&secs, &|x| format!("{x:.3}"));
        assert_eq!(detect_values(&base, &s(&secs, &|x| format!("{:.0}", x * 1000.0)), false), ["unit_change"]);
        assert_eq!(detect_values(&base, &s(&secs, &|x| format!("{:.2}", x * 1.19)), true), ["tax_change"]);
        assert!(detect_values(&base, &s(&secs, &|x| format!("{:.2}", x * 1.19)), false).is_empty(), "tax only for money");
        let nulls: Vec<Option<String>> = base.iter().enumerate().map(|(i, v)| if i % 5 < 2 { None } else { v.clone() }).collect();
        assert_eq!(detect_values(&base, &nulls, false), ["null_rate_shift"]);

        let start = 1_700_000_000.0;
        let ts: Vec<f64> = (0..200).map(|_| start + rng.f64() * 86400.0 * 30.0).collect();
        let fmt =
            |t: f64, shift: f64| chrono::DateTime::from_timestamp((t + shift) as i64, 0).unwrap().format("%Y-%m-%d %H:%M:%S").to_string();
        assert_eq!(detect_values(&s(&ts, &|t| fmt(t, 0.0)), &s(&ts, &|t| fmt(t, 7200.0)), false), ["timezone_shift"]);
        let names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"];
        let first_last = sample((0..100).map(|i| Some(names[i % 4].to_string())));
        let last_first = sample((0..100).map(|i| {
            let (f, l) = names[i % 4].split_once(' ').unwrap();
            Some(format!("{l}, {f}"))
        }));
        assert_eq!(detect_values(&first_last, &last_first, false), ["format_change"]);
        assert_eq!(duplicates(Some(0.0), Some(0.1), (100, 100), &DriftConfig::default()).map(|d| d.kind), Some(ChangeKind::DuplicatesRise));
        assert_eq!(duplicates(Some(0.0), Some(0.02), (100, 100), &DriftConfig::default()), None);
    }

    #[test]
    fn two_samples_of_unchanged_data_raise_nothing() {
        // The population: amounts, durations, timestamps and names; each "scan" samples 100
        // rows at random, as TABLESAMPLE would. 500 re-scans, no alarm.
        let mut rng = fastrand::Rng::with_seed(42);
        let amounts: Vec<String> = (0..20_000).map(|_| format!("{:.2}", (rng.f64() * 6.0).exp() * 3.0)).collect();
        let nullable: Vec<Option<String>> = (0..20_000).map(|i| if rng.f64() < 0.3 { None } else { Some(i.to_string()) }).collect();
        let stamps: Vec<String> = (0..20_000)
            .map(|_| {
                chrono::DateTime::from_timestamp(1_700_000_000 + rng.i64(0..86400 * 365), 0)
                    .unwrap()
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            })
            .collect();
        let draw = |rng: &mut fastrand::Rng, n: usize| -> Vec<usize> { (0..n).map(|_| rng.usize(..20_000)).collect() };
        let config = DriftConfig::default();
        for _ in 0..500 {
            let (i, j) = (draw(&mut rng, 100), draw(&mut rng, 100));
            let pick = |ix: &[usize]| -> Vec<Option<String>> { ix.iter().map(|&k| Some(amounts[k].clone())).collect() };
            assert!(detect(&profile(&pick(&i)), &profile(&pick(&j)), true, &config).is_empty());
            let pick = |ix: &[usize]| -> Vec<Option<String>> { ix.iter().map(|&k| nullable[k].clone()).collect() };
            assert!(detect(&profile(&pick(&i)), &profile(&pick(&j)), false, &config).is_empty());
            let pick = |ix: &[usize]| -> Vec<Option<String>> { ix.iter().map(|&k| Some(stamps[k].clone())).collect() };
            assert!(detect(&profile(&pick(&i)), &profile(&pick(&j)), false, &config).is_empty());
        }
    }
}
