//! Replacing a file atomically: write a temporary file beside it under a name no other writer
//! uses, flush it to disk, rename it over the target. A reader sees the old file or the new one,
//! never half of one; the new file gets the mode any new file gets under the user's umask.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::core::error::{FloError, Result};

fn io_error(path: &Path, e: std::io::Error) -> FloError {
    FloError::io(path.display(), &e)
}

/// Whether two paths name the same existing file (hard links and symlinks included).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                x.dev() == y.dev() && x.ino() == y.ino()
            }
            #[cfg(not(unix))]
            {
                let _ = (x, y);
                a.canonicalize().ok() == b.canonicalize().ok()
            }
        }
        _ => false,
    }
}

/// Refuses `path` if it is one of `inputs`.
pub fn check_not_input(path: &Path, inputs: &[&Path]) -> Result<()> {
    if inputs.iter().any(|i| same_file(path, i)) {
        return Err(FloError::OutputIsInput {
            path: path.display().to_string(),
        });
    }
    Ok(())
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A temporary file in `dir`, created exclusively under a name unique to this process, thread
/// and call.
fn create_temporary(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    loop {
        let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = dir.join(format!(
            ".{name}.{}-{seq}-{nanos:x}.tmp",
            std::process::id()
        ));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Writes `path` through `fill`, atomically, after checking it is none of `inputs`. The folder
/// is created if needed.
pub fn write_atomically(
    path: &Path,
    inputs: &[&Path],
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    check_not_input(path, inputs)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_abandoned(&dir, &name);
    let (tmp, file) = create_temporary(&dir, &name).map_err(|e| io_error(path, e))?;
    let result = (|| -> std::io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 20, file);
        fill(&mut w)?;
        w.flush()?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(path, e));
    }
    sync_folder(&dir);
    Ok(())
}

/// Makes the rename itself durable: a crash right after it leaves the new name, not the old.
fn sync_folder(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        // Best effort: some file systems refuse fsync on a folder, and the data is already
        // safe in the renamed file.
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Removes temporary files of `name` left by writers that were killed (their process is gone),
/// so a crash leaves no litter after the next successful write.
fn remove_abandoned(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|f| f.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // Signal 0 checks existence only; EPERM means it exists under another user.
    // SAFETY: kill with signal 0 sends nothing and touches no memory.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    // Without a cheap liveness check, never remove another process's file.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("flo_rfm_atomic_{tag}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn replaces_and_leaves_no_temporary() {
        let dir = scratch("replace");
        let path = dir.join("sub").join("t.csv");
        write_atomically(&path, &[], |w| w.write_all(b"one\n")).unwrap();
        write_atomically(&path, &[], |w| w.write_all(b"two\n")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two\n");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn removes_what_killed_writers_left_and_nothing_else() {
        let dir = scratch("abandoned");
        std::fs::create_dir_all(&dir).unwrap();
        // No process has a pid this large (Linux caps pids at 2^22).
        let dead = dir.join(".t.csv.999999999-0-0.tmp");
        let alive = dir.join(format!(".t.csv.{}-0-0.tmp", std::process::id()));
        let other = dir.join(".u.csv.999999999-0-0.tmp");
        for p in [&dead, &alive, &other] {
            std::fs::write(p, b"partial").unwrap();
        }
        write_atomically(&dir.join("t.csv"), &[], |w| w.write_all(b"new\n")).unwrap();
        assert!(!dead.exists());
        assert!(alive.exists(), "a live writer's file is kept");
        assert!(other.exists(), "another target's file is kept");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failed_write_keeps_old_file() {
        let dir = scratch("fail");
        let path = dir.join("t.csv");
        write_atomically(&path, &[], |w| w.write_all(b"old\n")).unwrap();
        let err = write_atomically(&path, &[], |_| Err(std::io::Error::other("disk full")));
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old\n");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_an_input_even_through_a_link() {
        let dir = scratch("input");
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("in.csv");
        std::fs::write(&input, b"data\n").unwrap();
        let link = dir.join("link.csv");
        std::fs::hard_link(&input, &link).unwrap();
        let err = write_atomically(&link, &[&input], |w| w.write_all(b"x")).unwrap_err();
        assert!(matches!(err, FloError::OutputIsInput { .. }), "{err}");
        assert_eq!(std::fs::read(&input).unwrap(), b"data\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_writers_of_one_file_do_not_collide() {
        let dir = scratch("threads");
        let path = dir.join("t.csv");
        std::thread::scope(|s| {
            for k in 0..8 {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomically(path, &[], |w| writeln!(w, "{k}")).unwrap();
                    }
                });
            }
        });
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
