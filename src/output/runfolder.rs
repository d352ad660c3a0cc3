//! The run folder: written into a temporary folder beside the destination and renamed at
//! the end, so a failed or interrupted run never leaves a half-written folder and an earlier
//! run is replaced only by a complete one.

use crate::error::{FjordError, Result};
use std::path::{Path, PathBuf};

/// A run folder being written.
pub struct RunFolder {
    /// Final destination.
    pub dest: PathBuf,
    /// Temporary folder being written.
    pub tmp: PathBuf,
    done: bool,
}

impl RunFolder {
    /// Creates the temporary folder beside `dest`.
    pub fn create(dest: &Path) -> Result<Self> {
        let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| FjordError::io(parent, e))?;
        let tmp = parent.join(format!(".{}.tmp-{}", Self::name_of(dest), std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| FjordError::io(&tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| FjordError::io(&tmp, e))?;
        Ok(RunFolder { dest: dest.to_path_buf(), tmp, done: false })
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

    /// Replaces `dest` with the finished folder.
    pub fn commit(mut self) -> Result<PathBuf> {
        if self.dest.exists() {
            std::fs::remove_dir_all(&self.dest).map_err(|e| FjordError::io(&self.dest, e))?;
        }
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| FjordError::io(&self.dest, e))?;
        self.done = true;
        Ok(self.dest.clone())
    }
}

impl Drop for RunFolder {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}
