//! Judging windows: whether the full GCs of a window that ends at the latest one show a leak.
//!
//! For each time scale from `min_window` up to `max_window` (each half again as long as the one
//! before), the window of that length that ends at the latest full GC shows a leak only when all
//! of these hold:
//!
//! - **It rises, significantly.** The Mann–Kendall test (later points above earlier ones, whatever
//!   the noise's distribution) is at least `sensitivity` standard deviations above zero. It is
//!   taken over the post-full-GC measurements, or, when a window has more than [`GROUPS`] of
//!   them, over the lowest of each run of equally many: a batch held across a GC lifts one
//!   measurement far above the floor, rarely all of a run.
//! - **It rises fast enough.** The Theil–Sen slope (the median slope between pairs, which ignores
//!   outliers) is at least `min_rate` bytes per second, and the growth over the window at least
//!   `min_growth`.
//! - **Its floor rises throughout.** The window's thirds each contain a full GC, and the floor of
//!   each (the lower quartile of its full GCs) is above the one before by at least a quarter of
//!   the total: a step up in load, or a cache reaching its bound, raises the floor once, not twice.
//! - **It keeps rising.** Each half's own slope is at least a quarter of the window's, the later
//!   half's at least half the earlier's, and the last third's at least a third of the window's: a
//!   warm-up that stopped, a cache nearing its bound, or a burst in the middle does not qualify.
//!
//! Short windows find fast leaks within seconds; long ones find slow leaks under noise.

use crate::options::DetectorOptions;
use crate::series::{Series, BUCKET_MS};
use crate::trend::{mann_kendall_z, theil_sen_slope, Point};

/// Each window judged is this many times as long as the one before.
const WINDOW_STEP: f64 = 1.5;
/// Windows with more full GCs than this are judged on the floors of this many groups of them.
const GROUPS: usize = 16;
/// Windows with fewer full GCs than this are not judged.
const MIN_FULL_GCS: usize = 6;

/// How one window judged.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Verdict {
    pub window_ms: f64,
    pub z: f64,
    pub rate: f64,
    pub floors: [f64; 3],
    pub full_gcs: usize,
    pub leak: bool,
    pub suspect: bool,
}

/// Judges every window scale ending at `now` that the series covers; `None` for an empty series.
pub(crate) fn judge_scales(series: &Series, now: f64, options: &DetectorOptions) -> Option<Vec<Verdict>> {
    let first = series.first_ms()?;
    let mut verdicts = Vec::new();
    let mut window = options.min_window_ms;
    loop {
        let window_ms = window.min(options.max_window_ms);
        // Only windows the history covers: a partial window would be a shorter one.
        if first > now - window_ms + BUCKET_MS {
            break;
        }
        if let Some(v) = judge_window(series, now, window_ms, options) {
            verdicts.push(v);
        }
        if window_ms >= options.max_window_ms {
            break;
        }
        window *= WINDOW_STEP;
    }
    Some(verdicts)
}

fn judge_window(series: &Series, now: f64, window_ms: f64, o: &DetectorOptions) -> Option<Verdict> {
    let start = now - window_ms;
    let third = window_ms / 3.0;
    let mut per_third: [Vec<f64>; 3] = Default::default();
    let mut points = Vec::new();
    for b in series.buckets.iter().filter(|b| b.t + BUCKET_MS > start && b.t <= now) {
        if let Some(y) = b.min_full {
            let which = (((b.t.max(start) - start) / third) as usize).min(2);
            per_third[which].push(y);
            points.push(Point { t: (b.t - start) / 1000.0, y });
        }
    }
    if points.len() < MIN_FULL_GCS || per_third.iter().any(Vec::is_empty) {
        return None;
    }
    // The floor of a third is its lower quartile (the lowest of up to three full GCs, the
    // second lowest of four to seven...), so that one unusually low measurement, a moment
    // when a program held less than usual, does not pass for the floor; failing that, its
    // lowest value: when batches are held across most GCs of a third, its quartile is lifted.
    for values in &mut per_third {
        values.sort_by(f64::total_cmp);
    }
    let quartiles = per_third.each_ref().map(|sorted| sorted[sorted.len() / 4]);
    let lowest = per_third.each_ref().map(|sorted| sorted[0]);
    let floors = if !rises_throughout(&quartiles, o) && rises_throughout(&lowest, o) { lowest } else { quartiles };
    let full_gcs = points.len();
    let (z_envelope, rate, envelope) = envelope_trend(&points, GROUPS)?;
    let z = lowest_trend(&points).map_or(z_envelope, |z_lowest| z_envelope.max(z_lowest));
    // Suspect when either floor rises by half of `min_growth`: the lowest shows a slow rise
    // through batches held across most GCs of a third sooner than the quartile does.
    let rises_a_little = |f: &[f64; 3]| f[0] < f[1] && f[1] < f[2] && f[2] - f[0] >= o.min_growth / 2.0;
    let suspect =
        z >= o.sensitivity * 2.0 / 3.0 && rate >= o.min_rate / 2.0 && (rises_a_little(&floors) || rises_a_little(&lowest));
    let leak = suspect
        && z >= o.sensitivity
        && rate >= o.min_rate
        && rate * window_ms / 1000.0 >= o.min_growth
        && rises_throughout(&floors, o)
        && keeps_rising(&envelope, rate);
    Some(Verdict { window_ms, z, rate, floors, full_gcs, leak, suspect })
}

/// Whether floors of thirds rise by `min_growth` in all, and by a quarter of that at each step: a
/// step up in load, or a cache reaching its bound, raises the floor once, not twice.
fn rises_throughout(floors: &[f64; 3], o: &DetectorOptions) -> bool {
    let growth = floors[2] - floors[0];
    growth >= o.min_growth && floors[1] - floors[0] >= growth / 4.0 && floors[2] - floors[1] >= growth / 4.0
}

/// Whether the growth keeps on: each half of the points rises at a quarter of `rate` or more on
/// its own, the later half at least half as fast as the earlier, and the last third at a third of
/// `rate` or more. Growth that is dying down (a cache nearing its bound, a warm-up ending) does
/// not qualify.
fn keeps_rising(points: &[Point], rate: f64) -> bool {
    let n = points.len();
    let slope = |part: &[Point]| theil_sen_slope(part).unwrap_or(f64::NEG_INFINITY);
    let (early, late, last) = (slope(&points[..n.div_ceil(2)]), slope(&points[n / 2..]), slope(&points[n - n.div_ceil(3)..]));
    early >= rate / 4.0 && late >= rate / 4.0 && late >= early / 2.0 && last >= rate / 3.0
}

/// The trend of the lower envelope of `points`: the Mann–Kendall z and the Theil–Sen slope of
/// the lowest of each run of consecutive points, at most `max` runs; and the envelope whose last
/// run ends at the latest point.
///
/// Batches held across a GC lift some measurements far above the floor; the lowest of each run
/// is far more likely to be the floor, so a slow rise under heavy noise shows. Every run has the
/// same number of points (the oldest few are left out to make it so): the lowest of more points
/// is lower by chance alone, so runs of different sizes would make a trend out of noise. Where
/// the runs start changes the envelope, and with it the statistics, as each new point comes; so
/// they are averaged over every starting point, which keeps the verdict steady from one full GC
/// to the next (and an average of z-scores is, on pure noise, no more often high than one).
fn envelope_trend(points: &[Point], max: usize) -> Option<(f64, f64, Vec<Point>)> {
    let per_run = points.len().div_ceil(max).max(1);
    let envelope = |skip: usize| -> Vec<Point> {
        points[skip..]
            .chunks_exact(per_run)
            .map(|run| *run.iter().min_by(|a, b| a.y.total_cmp(&b.y)).expect("runs are not empty"))
            .collect()
    };
    let (mut z, mut rate) = (0.0, 0.0);
    for skip in 0..per_run {
        let env = envelope(skip);
        z += mann_kendall_z(&env);
        rate += theil_sen_slope(&env)?;
    }
    let runs = per_run as f64;
    Some((z / runs, rate / runs, envelope(points.len() % per_run)))
}

/// The Mann–Kendall z of the lowest third of `points` (at least [`MIN_FULL_GCS`]), taken in
/// time order; `None` when there are too few points.
///
/// On a series without trend, which points are the lowest says nothing of when they came, so
/// this z means what it means on any series; a batch held across several GCs in a row lifts
/// them out of the selection, where it would lift a whole run of the envelope.
fn lowest_trend(points: &[Point]) -> Option<f64> {
    let keep = points.len().div_ceil(3).max(MIN_FULL_GCS);
    if keep >= points.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[a].y.total_cmp(&points[b].y).then(a.cmp(&b)));
    order.truncate(keep);
    order.sort_unstable();
    let lowest: Vec<Point> = order.into_iter().map(|i| points[i]).collect();
    Some(mann_kendall_z(&lowest))
}
