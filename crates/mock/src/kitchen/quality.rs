//! Deterministic scores (QLT-002, QLT-003, QLT-004).
//!
//! Scores are drawn from a small generator seeded from object IDs, so the
//! same inputs in a session always give the same scores, and every score is
//! a whole number of thousandths inside its documented range.

use std::ops::RangeInclusive;

use serde::Serialize;

/// Why an object is degraded (QLT-001, SIM-002). Every kind but one is
/// written as the answer's `degradation_reason`; `Inherited` is the
/// degradation of the kinds whose answers name no reason (a slice of a
/// degraded tomato, a degraded pizza baked), and is never written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Degradation {
    /// A raw tomato went into the pot (SIM-002).
    RawIngredient,
    /// A degraded ingredient went into the pot.
    DegradedIngredient,
    /// The pizza's sauce is degraded.
    DegradedSauce,
    /// One of the pizza's toppings is degraded.
    DegradedTopping,
    /// The pizza's base is degraded.
    DegradedBase,
    /// Made from a degraded input, by a step whose answer names no reason.
    #[serde(skip)]
    Inherited,
}

/// `overall_score` when every step was correct (QLT-002), in thousandths.
pub const OPTIMAL_OVERALL: RangeInclusive<u32> = 900..=980;
/// `overall_score` when any step degraded (QLT-002), in thousandths.
pub const DEGRADED_OVERALL: RangeInclusive<u32> = 350..=500;
/// Sub-scores of a correct pizza; all above the degraded range (QLT-003).
pub const OPTIMAL_SUB: RangeInclusive<u32> = 850..=990;
/// Sub-scores of a degraded pizza; all below the optimal range (QLT-003).
pub const DEGRADED_SUB: RangeInclusive<u32> = 250..=550;

/// A SplitMix64 generator seeded by an FNV-1a hash of strings.
pub struct Seeded(u64);

impl Seeded {
    /// A generator for these seed strings; the same strings give the same
    /// sequence on every platform and run.
    pub fn new(parts: &[&str]) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for byte in part.bytes().chain(std::iter::once(0xff)) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Seeded(hash)
    }

    /// The next raw value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A score in `range` thousandths, as a number between 0 and 1.
    pub fn score(&mut self, range: RangeInclusive<u32>) -> f64 {
        let (lo, hi) = (*range.start(), *range.end());
        let span = u64::from(hi - lo + 1);
        let thousandths = lo + (self.next_u64() % span) as u32;
        f64::from(thousandths) / 1000.0
    }

    /// A whole number in `range`.
    pub fn pick(&mut self, range: RangeInclusive<u32>) -> u32 {
        let (lo, hi) = (*range.start(), *range.end());
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_scores() {
        let a: Vec<f64> = {
            let mut s = Seeded::new(&["pza_abc"]);
            (0..5).map(|_| s.score(OPTIMAL_OVERALL)).collect()
        };
        let mut s = Seeded::new(&["pza_abc"]);
        let b: Vec<f64> = (0..5).map(|_| s.score(OPTIMAL_OVERALL)).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn scores_stay_inside_their_range_including_both_ends() {
        let mut s = Seeded::new(&["x"]);
        let mut seen_low = false;
        let mut seen_high = false;
        for _ in 0..20_000 {
            let v = s.score(DEGRADED_OVERALL);
            assert!((0.35..=0.50).contains(&v), "{v}");
            seen_low |= v == 0.35;
            seen_high |= v == 0.5;
        }
        assert!(seen_low && seen_high);
    }

    #[test]
    fn every_degraded_sub_score_is_below_every_optimal_one() {
        assert!(DEGRADED_SUB.end() < OPTIMAL_SUB.start());
        assert!(DEGRADED_OVERALL.end() < OPTIMAL_OVERALL.start());
    }
}
