//! Output folders (a run, a sweep, a comparison): written into a temporary folder beside the
//! destination and renamed at the end, so a failed or interrupted run never leaves a
//! half-written folder and an earlier run is replaced only by a complete one.
//!
//! Safety rules (a tool only ever replaces what it made itself):
//! * every folder fjord writes carries the marker file [`MARKER`];
//! * a destination is replaced only if it is an empty folder or carries the marker; anything
//!   else (a user's folder, a regular file, a symbolic link) is refused as bad input before
//!   any work ([`check_dest`]);
//! * `.`, the current folder, any folder holding it, `/` and the home folder are refused
//!   outright, marker or not;
//! * `remove_dir_all` is only ever called on a temporary folder this process created, or on a
//!   folder checked to carry the marker (a stale temporary folder of a dead fjord process, or
//!   the earlier run being replaced);
//! * temporary folders are named `.NAME.tmp-PID`; they are removed on error (drop), on
//!   SIGINT/SIGTERM/SIGHUP ([`install_signal_cleanup`]), and after a SIGKILL by the next run
//!   into the same parent folder once `/proc/PID` shows the process gone.
//!
//! The replacement itself is two renames: the earlier folder to `.NAME.old-PID`, the new one
//! into place (undone if it fails), then the old one is removed. A signal waits for it.

use crate::error::{FjordError, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Mutex;

/// The marker file fjord writes into every run, sweep and compare folder.
pub const MARKER: &str = ".fjord-output";

/// What kind of folder is written (recorded in the marker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `fjord run` (also each case of a sweep).
    Run,
    /// `fjord sweep`.
    Sweep,
    /// `fjord compare`.
    Compare,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Compare => "compare",
        }
    }
}

/// Temporary folders of this process not yet committed or removed. The signal handler
/// removes them; `commit` and `drop` hold the lock while they rename or remove, so a signal
/// never lands half-way through a replacement.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Set on MPI ranks other than 0, which print nothing (the launcher forwards a Ctrl-C to
/// every rank; rank 0 alone says so).
static SIGNAL_SILENT: AtomicBool = AtomicBool::new(false);
/// Once the work is done and any message printed: the code to exit with if a signal still
/// arrives (−1: none yet). Under MPI the launcher stops the other ranks when one exits
/// non-zero, while they may still be finalising; they then leave quietly with their own code.
static SIGNAL_EXIT_CODE: AtomicI32 = AtomicI32::new(-1);

/// Signals make this process exit without a message (MPI ranks other than 0).
pub fn silence_signal_message() {
    SIGNAL_SILENT.store(true, Ordering::SeqCst);
}

/// The work is finished and reported: a signal from now on exits quietly with `code`.
pub fn finished_with(code: i32) {
    SIGNAL_EXIT_CODE.store(code, Ordering::SeqCst);
}

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A folder being written.
pub struct RunFolder {
    /// Final destination.
    pub dest: PathBuf,
    /// Temporary folder being written.
    pub tmp: PathBuf,
    kind: Kind,
    done: bool,
}

/// The path as the user wrote it, without a trailing slash.
fn shown(p: &Path) -> String {
    let s = p.components().collect::<PathBuf>().display().to_string();
    if s.is_empty() {
        p.display().to_string()
    } else {
        s
    }
}

fn out_error(dest: &Path, message: impl Into<String>) -> FjordError {
    FjordError::bad(&format!("--out {}", shown(dest)), None, "", message)
}

/// Refuses a destination fjord must not replace (bad input, exit 2); writes nothing.
/// Accepted: a path that does not exist yet, an empty folder, or a folder carrying [`MARKER`].
pub fn check_dest(dest: &Path) -> Result<()> {
    let outright = "fjord never replaces the current folder, a folder holding it, / or the home folder; name a new folder such as output/run1";
    if dest.as_os_str().is_empty() {
        return Err(out_error(dest, "expected a folder name"));
    }
    if dest.file_name().is_none() {
        // `.`, `..`, `/`, `x/..`
        return Err(out_error(dest, outright));
    }
    let meta = match std::fs::symlink_metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(out_error(dest, format!("cannot read it ({})", plain_io(&e)))),
    };
    if meta.file_type().is_symlink() {
        return Err(out_error(dest, "a symbolic link; name the folder itself"));
    }
    if !meta.is_dir() {
        return Err(out_error(dest, "a file, not a folder; choose another name"));
    }
    let canon = std::fs::canonicalize(dest).map_err(|e| out_error(dest, format!("cannot read it ({})", plain_io(&e))))?;
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).and_then(|h| std::fs::canonicalize(h).ok());
    if canon.parent().is_none() || cwd.is_some_and(|c| c.starts_with(&canon)) || home.is_some_and(|h| h == canon) {
        return Err(out_error(dest, outright));
    }
    if is_marked(dest) || is_empty_dir(dest) {
        Ok(())
    } else {
        Err(out_error(dest, "a folder that fjord did not write; choose another or empty it"))
    }
}

/// True if `dir` carries fjord's marker file.
pub fn is_marked(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file())
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}

/// The OS error text without the `(os error N)` suffix.
fn plain_io(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// If `name` is `.NAME.tmp-PID` or `.NAME.old-PID`, the PID.
fn temp_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let i = rest.rfind(".tmp-").or_else(|| rest.rfind(".old-"))?;
    if i == 0 {
        return None;
    }
    rest[i + 5..].parse().ok()
}

/// Removes temporary folders in `parent` left by fjord processes that are gone (after a
/// SIGKILL or a power cut). Only on systems with `/proc`; only folders carrying the marker
/// (or empty ones) are removed; errors are ignored (another run may be doing the same).
pub fn remove_stale_temps(parent: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let me = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(temp_pid) else { continue };
        if pid == me || Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let p = e.path();
        if is_marked(&p) {
            let _ = std::fs::remove_dir_all(&p);
        } else {
            let _ = std::fs::remove_dir(&p); // only if empty
        }
    }
}

impl RunFolder {
    /// Checks `dest` ([`check_dest`]), removes stale temporary folders beside it and creates
    /// the temporary folder `.NAME.tmp-PID` with the marker. A destination that cannot be
    /// written is bad input (exit 2) naming `dest`, never the temporary path.
    pub fn create(dest: &Path, kind: Kind) -> Result<Self> {
        check_dest(dest)?;
        let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| out_error(dest, format!("cannot create the folder holding it ({})", plain_io(&e))))?;
        remove_stale_temps(parent);
        let tmp = parent.join(format!(".{}.tmp-{}", Self::name_of(dest), std::process::id()));
        let mut reg = live();
        if reg.contains(&tmp) {
            return Err(FjordError::Other(format!("{} is already being written by this process", shown(dest))));
        }
        if std::fs::symlink_metadata(&tmp).is_ok() {
            // Left by an earlier process with our PID (PIDs are reused): remove it only if it is fjord's.
            if is_marked(&tmp) {
                let _ = std::fs::remove_dir_all(&tmp);
            } else {
                let _ = std::fs::remove_dir(&tmp);
            }
        }
        std::fs::create_dir(&tmp).map_err(|e| out_error(dest, format!("cannot write there ({})", plain_io(&e))))?;
        reg.push(tmp.clone());
        drop(reg);
        let folder = RunFolder { dest: dest.to_path_buf(), tmp, kind, done: false };
        let text = format!(
            "This {} folder was written by fjord {}. fjord replaces a folder only when it holds this file or is empty.\n",
            kind.name(),
            env!("CARGO_PKG_VERSION")
        );
        folder.write(MARKER, &text).map_err(|_| out_error(dest, "cannot write there"))?;
        Ok(folder)
    }

    /// The folder's final name: the last component of the destination (`run` if it has none).
    pub fn name(&self) -> String {
        Self::name_of(&self.dest)
    }

    fn name_of(dest: &Path) -> String {
        dest.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "run".into())
    }

    /// Path of `file` inside the temporary folder.
    pub fn file(&self, file: &str) -> PathBuf {
        self.tmp.join(file)
    }

    /// Writes a text file into the folder.
    pub fn write(&self, file: &str, text: &str) -> Result<()> {
        let p = self.file(file);
        std::fs::write(&p, text).map_err(|e| FjordError::io(&p, e))
    }

    /// What kind of folder this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Replaces `dest` with the finished folder. `dest` is checked again (it may have changed
    /// while the run was going); the earlier folder is removed only after the new one is in place.
    pub fn commit(mut self) -> Result<PathBuf> {
        let mut reg = live();
        check_dest(&self.dest)?;
        if std::fs::symlink_metadata(&self.dest).is_ok() {
            let parent = self.tmp.parent().unwrap_or(Path::new("."));
            let name = self.dest.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let old = parent.join(format!(".{name}.old-{}", std::process::id()));
            std::fs::rename(&self.dest, &old).map_err(|e| FjordError::io(&self.dest, e))?;
            if let Err(e) = std::fs::rename(&self.tmp, &self.dest) {
                let _ = std::fs::rename(&old, &self.dest);
                return Err(FjordError::io(&self.dest, e));
            }
            // `old` is the folder check_dest accepted: marked or empty.
            if is_marked(&old) {
                let _ = std::fs::remove_dir_all(&old);
            } else {
                let _ = std::fs::remove_dir(&old);
            }
        } else {
            std::fs::rename(&self.tmp, &self.dest).map_err(|e| FjordError::io(&self.dest, e))?;
        }
        reg.retain(|p| p != &self.tmp);
        self.done = true;
        Ok(self.dest.clone())
    }
}

impl Drop for RunFolder {
    fn drop(&mut self) {
        if !self.done {
            let mut reg = live();
            // Created by this process in `create`.
            let _ = std::fs::remove_dir_all(&self.tmp);
            reg.retain(|p| p != &self.tmp);
        }
    }
}

/// Removes every unfinished folder of this process and exits with `128 + signal` on SIGINT,
/// SIGTERM or SIGHUP. Call once from the binary; a no-op where signals are not supported.
pub fn install_signal_cleanup() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // Held until exit: no commit or drop can start after this.
                let reg = live();
                let mut removed = 0;
                for p in reg.iter() {
                    // Workers may still be writing: try a few times.
                    for _ in 0..5 {
                        let _ = std::fs::remove_dir_all(p);
                        if std::fs::symlink_metadata(p).is_err() {
                            removed += 1;
                            break;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                }
                let done = SIGNAL_EXIT_CODE.load(Ordering::SeqCst);
                if done >= 0 {
                    std::process::exit(done);
                }
                if !SIGNAL_SILENT.load(Ordering::SeqCst) {
                    if removed > 0 {
                        eprintln!("\nfjord: interrupted; removed the unfinished output");
                    } else {
                        eprintln!("\nfjord: interrupted");
                    }
                }
                std::process::exit(128 + sig);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("fjord-runfolder-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Writes a run folder at `dest` holding `file` and commits it.
    fn commit_with(dest: &Path, file: &str, text: &str) {
        let f = RunFolder::create(dest, Kind::Run).unwrap();
        f.write(file, text).unwrap();
        f.commit().unwrap();
    }

    #[test]
    fn temp_names_parse() {
        assert_eq!(temp_pid(".run.tmp-123"), Some(123));
        assert_eq!(temp_pid(".a.b.old-7"), Some(7));
        assert_eq!(temp_pid("run.tmp-123"), None);
        assert_eq!(temp_pid(".tmp-123"), None);
        assert_eq!(temp_pid(".run.tmp-x"), None);
    }

    #[test]
    fn only_marked_or_empty_folders_are_replaced() {
        let d = scratch("replace");
        let dest = d.join("out");
        // New path: written, marked.
        commit_with(&dest, "a.txt", "1");
        assert!(is_marked(&dest));
        // Marked: replaced, earlier files gone, no temp or old folder left.
        commit_with(&dest, "b.txt", "2");
        assert!(!dest.join("a.txt").exists() && dest.join("b.txt").exists());
        let names: Vec<_> = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")]);
        // A user's folder: refused, untouched.
        let user = d.join("precious");
        std::fs::create_dir_all(&user).unwrap();
        std::fs::write(user.join("notes.txt"), "mine").unwrap();
        let e = RunFolder::create(&user, Kind::Run).err().unwrap();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("a folder that fjord did not write"), "{e}");
        assert_eq!(std::fs::read_to_string(user.join("notes.txt")).unwrap(), "mine");
        // A regular file: refused.
        let e = RunFolder::create(&user.join("notes.txt"), Kind::Run).err().unwrap();
        assert_eq!(e.exit_code(), 2);
        // An empty folder: accepted.
        let empty = d.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        RunFolder::create(&empty, Kind::Sweep).unwrap().commit().unwrap();
        assert!(is_marked(&empty));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_dropped_folder_leaves_the_earlier_one() {
        let d = scratch("drop");
        let dest = d.join("out");
        commit_with(&dest, "first.txt", "1");
        let f = RunFolder::create(&dest, Kind::Run).unwrap();
        let tmp = f.tmp.clone();
        f.write("second.txt", "2").unwrap();
        drop(f);
        assert!(!tmp.exists());
        assert!(dest.join("first.txt").exists() && !dest.join("second.txt").exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn stale_temps_of_dead_processes_are_removed() {
        let d = scratch("stale");
        // PID 2^22+1 is above Linux's pid_max limit: never alive.
        let stale = d.join(".out.tmp-4194305");
        std::fs::create_dir_all(stale.join("plots")).unwrap();
        std::fs::write(stale.join(MARKER), "x").unwrap();
        let stale_empty = d.join(".other.tmp-4194305");
        std::fs::create_dir_all(&stale_empty).unwrap();
        // Not fjord's (no marker, not empty): kept.
        let foreign = d.join(".keep.tmp-4194305");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("x"), "x").unwrap();
        // A live process (this one's parent... use PID 1): kept.
        let alive = d.join(".live.tmp-1");
        std::fs::create_dir_all(&alive).unwrap();
        std::fs::write(alive.join(MARKER), "x").unwrap();
        remove_stale_temps(&d);
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists() && !stale_empty.exists());
        }
        assert!(foreign.exists() && alive.exists());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
