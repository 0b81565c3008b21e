//! Progress on stderr, shown only to a person waiting at a terminal for more than a second.

use std::{
    io::{IsTerminal, Read},
    sync::mpsc,
    thread,
    time::Duration,
};

use indicatif::{MultiProgress, ProgressBar, ProgressBarIter, ProgressDrawTarget, ProgressStyle};

/// How long work may take before it is worth a progress bar: below this, bars only flicker.
const REVEAL_AFTER: Duration = Duration::from_secs(1);

/// The progress bars of one run, one line per file. They start hidden; a helper thread reveals
/// them after [`REVEAL_AFTER`] if the run is still going and stderr is a terminal.
pub struct Progress {
    bars: MultiProgress,
    /// Dropping this tells the helper thread that the work is done.
    done: Option<mpsc::Sender<()>>,
    reveal: Option<thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts the clock. Nothing is drawn yet, and nothing ever is unless stderr is a terminal.
    pub fn start() -> Progress {
        let bars = MultiProgress::with_draw_target(ProgressDrawTarget::hidden());
        if !std::io::stderr().is_terminal() {
            return Progress {
                bars,
                done: None,
                reveal: None,
            };
        }
        let (done, wait) = mpsc::channel::<()>();
        let shown = bars.clone();
        let reveal = thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(REVEAL_AFTER) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
            }
        });
        Progress {
            bars,
            done: Some(done),
            reveal: Some(reveal),
        }
    }

    /// A line for `label` that counts the bytes read through the returned reader, out of `len`.
    pub fn reading<R: Read>(
        &self,
        label: &str,
        len: u64,
        reader: R,
    ) -> (FileProgress, ProgressBarIter<R>) {
        let bar = self.bars.add(ProgressBar::new(len));
        bar.set_style(style(
            "{prefix} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
        ));
        bar.set_prefix(label.to_string());
        bar.set_message("reading");
        let reader = bar.wrap_read(reader);
        (FileProgress { bar }, reader)
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(reveal) = self.reveal.take() {
            // The helper only waits on the channel, so it ends as soon as `done` is dropped.
            let _ = reveal.join();
        }
        let _ = self.bars.clear();
    }
}

/// The progress line of one file.
pub struct FileProgress {
    bar: ProgressBar,
}

impl FileProgress {
    /// Turns the byte count into a spinner: the file is read, the analysis has no measurable
    /// progress of its own.
    pub fn analysing(&self) {
        self.bar
            .set_style(style("{prefix} {spinner} {msg} ({elapsed})"));
        self.bar.set_message("analysing");
        self.bar.enable_steady_tick(Duration::from_millis(100));
    }

    /// Removes the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The style for `template`; a template indicatif rejects falls back to its plain default,
/// because a progress bar is never worth failing a run for.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}
