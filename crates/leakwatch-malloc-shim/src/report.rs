//! The report: a thread of the shim's own writes the live samples, added up per stack, to
//! `$LEAKWATCH_NATIVE_DIR/PID.stacks` once a second when they changed, through a temporary file
//! and a rename so that the watcher never reads half a report. Its format, line by line:
//!
//! ```text
//! leakwatch-native-stacks 1
//! sampling-mean-bytes 524288
//! dropped-samples 0
//! stack ESTIMATED_BYTES SAMPLES SAMPLED_BYTES ADDRESS ADDRESS ...
//! ```
//!
//! with one `stack` line per distinct stack, addresses in hexadecimal, innermost first.

use std::collections::HashMap;
use std::ffi::CStr;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::sampler::{self, SAMPLING_MEAN_BYTES};
use crate::table::{self, MAX_FRAMES};

/// How often the report is written (when it changed).
const EVERY: Duration = Duration::from_secs(1);

/// What the samples of one stack add up to.
#[derive(Default)]
struct StackTotal {
    estimated: usize,
    samples: usize,
    sampled: usize,
}

/// Started when the shim is loaded, before the program's own code: with `LEAKWATCH_NATIVE_DIR`
/// set, starts the thread that writes the report.
extern "C" fn start() {
    // SAFETY: a C string literal; getenv only reads the environment.
    let dir = unsafe { libc::getenv(c"LEAKWATCH_NATIVE_DIR".as_ptr()) };
    if dir.is_null() {
        return;
    }
    // SAFETY: getenv returns a NUL-terminated string.
    let dir = PathBuf::from(unsafe { CStr::from_ptr(dir) }.to_string_lossy().into_owned());
    // A thread that cannot start leaves the program as it is, unreported.
    let _ = std::thread::Builder::new().name("leakwatch-stacks".into()).spawn(move || write_reports(&dir));
}

/// Runs `start` when the dynamic loader loads the shim.
#[used]
#[link_section = ".init_array"]
static START: extern "C" fn() = start;

fn write_reports(dir: &std::path::Path) {
    sampler::exempt_this_thread();
    let pid = std::process::id();
    let path = dir.join(format!("{pid}.stacks"));
    let temporary = dir.join(format!("{pid}.stacks.writing"));
    let mut written = None;
    loop {
        std::thread::sleep(EVERY);
        let changes = table::changes();
        if written == Some(changes) {
            continue;
        }
        // The directory gone means the watcher is: nothing more to do.
        if std::fs::write(&temporary, render()).and_then(|()| std::fs::rename(&temporary, &path)).is_err() {
            return;
        }
        written = Some(changes);
    }
}

/// The report's text, from the live samples as they are now.
fn render() -> String {
    let mut stacks: HashMap<([usize; MAX_FRAMES], usize), StackTotal> = HashMap::new();
    table::for_each_live(|sample| {
        let total = stacks.entry((sample.frames, sample.depth)).or_default();
        total.estimated += sample.estimated;
        total.samples += 1;
        total.sampled += sample.size;
    });
    let mut text = format!(
        "leakwatch-native-stacks 1\nsampling-mean-bytes {SAMPLING_MEAN_BYTES}\ndropped-samples {}\n",
        table::dropped()
    );
    for ((frames, depth), total) in &stacks {
        let _ = write!(text, "stack {} {} {}", total.estimated, total.samples, total.sampled);
        for frame in &frames[..*depth] {
            let _ = write!(text, " {frame:x}");
        }
        text.push('\n');
    }
    text
}
