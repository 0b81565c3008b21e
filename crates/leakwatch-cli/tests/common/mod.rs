//! What the CLI tests share: real snapshots written by node, and a way to run `leakwatch`.

// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
    time::{Duration, SystemTime},
};

/// The two snapshots that `test/fixtures/snapshot-program.js` writes, in this process's own
/// directory (cargo may run several test binaries, and other checkouts, at once).
pub struct Fixtures {
    /// The directory holding the snapshots and the broken files made from them.
    pub dir: PathBuf,
    /// 1000 Foo, 10 Bar, 100 Baz.
    pub before: PathBuf,
    /// 1500 Foo, 10 Bar, no Baz.
    pub after: PathBuf,
}

/// The fixtures, made by node on first use.
pub fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_stale_runs(tmp);
        let dir = tmp.join(format!("{RUN_PREFIX}{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let program =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/snapshot-program.js");
        let out = Command::new("node")
            .arg(&program)
            .arg(&dir)
            .output()
            .expect("node runs");
        assert!(
            out.status.success(),
            "{} failed: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Fixtures {
            before: dir.join("before.heapsnapshot"),
            after: dir.join("after.heapsnapshot"),
            dir,
        }
    })
}

const RUN_PREFIX: &str = "leakwatch-cli-fixtures-";

/// Removes what earlier test runs left behind: a static is never dropped, so no run can clean up
/// after itself. An hour is far longer than any run takes.
fn remove_stale_runs(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        if old && entry.file_name().to_string_lossy().starts_with(RUN_PREFIX) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// What one run of `leakwatch` did.
pub struct Run {
    /// The exit status, `None` if a signal ended it.
    pub code: Option<i32>,
    /// All of stdout.
    pub stdout: String,
    /// All of stderr.
    pub stderr: String,
}

/// Runs the `leakwatch` binary that cargo built for these tests.
pub fn leakwatch(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_leakwatch"))
        .args(args)
        .output()
        .expect("leakwatch runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Run {
    /// Asserts a clean success, and returns stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        self.assert_success();
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", self.stdout))
    }

    /// Asserts exit status 0 and nothing on stderr.
    pub fn assert_success(&self) {
        assert_eq!(self.code, Some(0), "stderr: {}", self.stderr);
        assert_eq!(
            self.stderr, "",
            "a successful run with stderr piped prints nothing there"
        );
    }

    /// Asserts how every failure must look: status 2, nothing on stdout, and exactly one line
    /// on stderr that names `file` and is not a panic.
    pub fn assert_failure_naming(&self, file: &str) {
        assert_eq!(
            self.code,
            Some(2),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        assert_eq!(self.stdout, "", "a failed run prints nothing on stdout");
        assert!(
            !self.stderr.contains("panicked"),
            "a panic is not an error message: {}",
            self.stderr
        );
        assert!(
            self.stderr.ends_with('\n') && self.stderr.lines().count() == 1,
            "one line on stderr: {:?}",
            self.stderr
        );
        assert!(
            self.stderr.starts_with("leakwatch: error: "),
            "{:?}",
            self.stderr
        );
        assert!(
            self.stderr.contains(file),
            "stderr names {file}: {:?}",
            self.stderr
        );
    }
}

/// `path` as a `&str` argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("the test directory has a UTF-8 path")
}
