//! Robust trend statistics for short, noisy series: the Theil–Sen slope and the Mann–Kendall test.
//!
//! Heap measurements are noisy in one direction: a GC that happens while a request is in flight
//! measures its data too. Least squares lets a few such outliers tilt the line; the Theil–Sen slope
//! (the median of the slopes between every pair of points) ignores up to 29% of them. The
//! Mann–Kendall test asks only whether later points tend to be above earlier ones, so its
//! significance does not depend on the noise being normal. Both are O(n²); callers keep n small.

/// A point of a series: time and value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Point {
    /// Time, in seconds.
    pub t: f64,
    /// Value, in bytes.
    pub y: f64,
}

/// The median slope over all pairs of points with different times, in bytes per second; `None`
/// when no two points differ in time.
pub(crate) fn theil_sen_slope(points: &[Point]) -> Option<f64> {
    let mut slopes = Vec::with_capacity(points.len() * points.len().saturating_sub(1) / 2);
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            if b.t != a.t {
                slopes.push((b.y - a.y) / (b.t - a.t));
            }
        }
    }
    if slopes.is_empty() {
        return None;
    }
    let middle = slopes.len() / 2;
    let (_, upper, _) = slopes.select_nth_unstable_by(middle, f64::total_cmp);
    let upper = *upper;
    if slopes.len() % 2 == 1 {
        return Some(upper);
    }
    let lower = slopes[..middle].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lower + upper) / 2.0)
}

/// The Mann–Kendall statistic of points in time order, as a z-score: positive when later points
/// tend to be larger. Uses the normal approximation with the continuity correction and the
/// variance corrected for ties; 0 for fewer than 3 points or when every value is tied.
pub(crate) fn mann_kendall_z(points: &[Point]) -> f64 {
    let n = points.len();
    if n < 3 {
        return 0.0;
    }
    let mut s: i64 = 0;
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            s += match b.y.total_cmp(&a.y) {
                std::cmp::Ordering::Greater => 1,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
            };
        }
    }
    let mut values: Vec<f64> = points.iter().map(|p| p.y).collect();
    values.sort_unstable_by(f64::total_cmp);
    let mut tie_term = 0.0;
    let mut run = 1usize;
    for i in 1..=n {
        if i < n && values[i] == values[i - 1] {
            run += 1;
            continue;
        }
        let t = run as f64;
        tie_term += t * (t - 1.0) * (2.0 * t + 5.0);
        run = 1;
    }
    let nf = n as f64;
    let variance = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0;
    if variance <= 0.0 || s == 0 {
        return 0.0;
    }
    let corrected = s as f64 - (s.signum() as f64);
    corrected / variance.sqrt()
}

/// The standard normal distribution function Φ(z), to about 1e-7 (Abramowitz & Stegun 7.1.26 on
/// erf): how confident a one-sided test at `z` is.
pub(crate) fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[f64]) -> Vec<Point> {
        values.iter().enumerate().map(|(i, &y)| Point { t: i as f64, y }).collect()
    }

    #[test]
    fn theil_sen_ignores_outliers() {
        let mut values: Vec<f64> = (0..20).map(|i| 100.0 + 5.0 * i as f64).collect();
        values[3] = 10_000.0;
        values[11] = -5_000.0;
        values[17] = 9_000.0;
        assert_eq!(theil_sen_slope(&series(&values)), Some(5.0));
        assert_eq!(theil_sen_slope(&series(&[1.0])), None);
        assert_eq!(theil_sen_slope(&series(&[1.0, 3.0])), Some(2.0));
    }

    #[test]
    fn mann_kendall_matches_the_textbook() {
        // A strictly rising series of 10: S = 45, Var = 10·9·25/18 = 125, z = 44/√125.
        let rising = series(&(0..10).map(f64::from).collect::<Vec<_>>());
        assert!((mann_kendall_z(&rising) - 44.0 / 125f64.sqrt()).abs() < 1e-12);
        let falling: Vec<Point> = rising.iter().map(|p| Point { t: p.t, y: -p.y }).collect();
        assert!((mann_kendall_z(&falling) + 44.0 / 125f64.sqrt()).abs() < 1e-12);
        assert_eq!(mann_kendall_z(&series(&[7.0; 12])), 0.0);
        assert_eq!(mann_kendall_z(&series(&[1.0, 2.0])), 0.0);
    }

    #[test]
    fn normal_cdf_is_accurate() {
        for (z, p) in [(0.0, 0.5), (1.0, 0.841_344_7), (3.0, 0.998_650_1), (-2.0, 0.022_750_1)] {
            assert!((normal_cdf(z) - p).abs() < 1e-6, "Φ({z}) = {}", normal_cdf(z));
        }
    }
}
