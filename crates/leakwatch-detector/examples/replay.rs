//! Replays GC traces through the leak detector, to tune it on recorded runs rather than live ones.
//!
//! ```text
//! cargo run --release -p leakwatch-detector --example replay -- [--sensitivity Z] [--min-window-ms MS] [--status] TRACE.jsonl...
//! ```
//!
//! `--status` also prints the detector's status after every full GC.
//!
//! A trace has one JSON object per GC: `{"t": ms, "kind": "major"|"minor"|…, "heap": bytes,
//! "data_heap": bytes, "external": bytes, "ms": duration}`, as `bench/watch-program.js` writes
//! them; the detector is fed `data_heap` (the heap less V8's code) when a trace has it. Prints,
//! per trace, when the detector first reported a leak (seconds after the first GC) and on which
//! memory.

use leakwatch_detector::{Detector, DetectorOptions, GcSample};
use serde::Deserialize;

#[derive(Deserialize)]
struct Line {
    t: f64,
    kind: String,
    heap: f64,
    /// What the detector watches, when the trace has it: the heap less V8's code and bytecode.
    #[serde(default)]
    data_heap: Option<f64>,
    external: f64,
    #[serde(default)]
    ms: f64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut options = DetectorOptions::default();
    let mut files = Vec::new();
    let mut print_status = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || -> Result<f64, Box<dyn std::error::Error>> {
            Ok(args.next().ok_or(format!("{arg} needs a value"))?.parse()?)
        };
        match arg.as_str() {
            "--sensitivity" => options.sensitivity = value()?,
            "--min-window-ms" => options.min_window_ms = value()?,
            "--min-growth" => options.min_growth = value()?,
            "--min-rate" => options.min_rate = value()?,
            "--status" => print_status = true,
            _ => files.push(arg),
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let mut detector = Detector::new(options.clone());
        let mut first = None;
        let mut found = Vec::new();
        let mut fulls = 0;
        for line in text.lines().filter(|l| !l.is_empty()) {
            let line: Line = serde_json::from_str(line)?;
            let start = *first.get_or_insert(line.t);
            fulls += usize::from(line.kind == "major");
            let sample = GcSample {
                time_ms: line.t,
                full: line.kind == "major",
                heap_used: line.data_heap.unwrap_or(line.heap),
                external: line.external,
                duration_ms: line.ms,
                native: None,
            };
            let findings = detector.observe(sample);
            if print_status && sample.full {
                let s = detector.status();
                println!(
                    "{:6.1} s {:7.2} MB  {:?} {:.0} KB/s z-conf {:.4}{}",
                    (line.t - start) / 1000.0,
                    sample.heap_used / 1048576.0,
                    s.state,
                    s.rate / 1024.0,
                    s.confidence,
                    if s.leak_found { " found" } else { "" }
                );
            }
            for finding in findings {
                found.push(format!(
                    "{:.1} s {} ({:.0} KB/s, window {:.0} s, z-conf {:.4})",
                    (line.t - start) / 1000.0,
                    finding.memory.name(),
                    finding.rate / 1024.0,
                    (finding.end_ms - finding.start_ms) / 1000.0,
                    finding.confidence
                ));
            }
        }
        let name = std::path::Path::new(&file).file_name().map_or(file.clone(), |n| n.to_string_lossy().into());
        println!("{name:28} {fulls:4} full GCs  {}", if found.is_empty() { "-".to_string() } else { found.join("; ") });
    }
    Ok(())
}
