//! Files only this user may read: folders made 0700 and files 0600 on Unix (the agent
//! voice profile, the event stream's token, saved transcripts, the control socket's
//! folder). Elsewhere the platform's per-user folders keep them private.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
#[cfg(all(test, unix))]
use std::path::PathBuf;

/// Creates `dir` and its missing parents, readable by this user only on Unix.
#[cfg(unix)]
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Creates `dir` and its missing parents.
#[cfg(not(unix))]
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

/// Why a folder could not be made private to this user.
#[derive(Debug, thiserror::Error)]
pub enum PrivateDirError {
    #[error("cannot create it: {0}")]
    Create(io::Error),
    #[error("cannot look at it: {0}")]
    Inspect(io::Error),
    #[error("it is not a directory")]
    NotADirectory,
    #[error("it belongs to another user")]
    OtherOwner,
    #[error("cannot make it private: {0}")]
    Restrict(io::Error),
}

impl From<PrivateDirError> for io::Error {
    fn from(e: PrivateDirError) -> Self {
        let kind = match &e {
            PrivateDirError::Create(source)
            | PrivateDirError::Inspect(source)
            | PrivateDirError::Restrict(source) => source.kind(),
            PrivateDirError::NotADirectory => io::ErrorKind::InvalidInput,
            PrivateDirError::OtherOwner => io::ErrorKind::PermissionDenied,
        };
        io::Error::new(kind, e)
    }
}

/// Makes `dir` (and its missing parents) a folder only this user may use: created 0700,
/// or, when it exists, checked to be a directory this user owns (not a link; another
/// user may have made it first in a shared place such as `/tmp`) and set to 0700.
#[cfg(unix)]
pub fn ensure_private_dir(dir: &Path) -> Result<(), PrivateDirError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !dir.exists() {
        create_private_dir_all(dir).map_err(PrivateDirError::Create)?;
    }
    let meta = fs::symlink_metadata(dir).map_err(PrivateDirError::Inspect)?;
    if !meta.is_dir() {
        return Err(PrivateDirError::NotADirectory);
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if meta.uid() != unsafe { libc::geteuid() } {
        return Err(PrivateDirError::OtherOwner);
    }
    if meta.mode() & 0o777 != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(PrivateDirError::Restrict)?;
    }
    Ok(())
}

/// Creates `dir` and its missing parents; the platform's per-user folders keep it private.
#[cfg(not(unix))]
pub fn ensure_private_dir(dir: &Path) -> Result<(), PrivateDirError> {
    fs::create_dir_all(dir).map_err(PrivateDirError::Create)
}

/// Creates `path` (it must not exist), readable and writable by this user only on Unix.
pub fn create_private_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates `path` (it must not exist) with `contents`, readable and writable by this user
/// only on Unix, and syncs it.
pub fn write_private_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = create_private_file(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_folder_is_made_private_and_one_of_another_user_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join("a/b");
        ensure_private_dir(&mine).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&mine), 0o700);
        fs::set_permissions(&mine, fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&mine).unwrap();
        assert_eq!(mode(&mine), 0o700, "an existing folder is tightened");

        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(
            ensure_private_dir(&file),
            Err(PrivateDirError::NotADirectory)
        ));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&mine, &link).unwrap();
        assert!(matches!(
            ensure_private_dir(&link),
            Err(PrivateDirError::NotADirectory)
        ));

        // SAFETY: geteuid has no preconditions.
        let other = if unsafe { libc::geteuid() } == 0 {
            // Root hands a folder to `nobody`; anyone else finds one of root's.
            let theirs = dir.path().join("theirs");
            fs::create_dir(&theirs).unwrap();
            std::os::unix::fs::chown(&theirs, Some(65_534), Some(65_534)).unwrap();
            theirs
        } else {
            PathBuf::from("/tmp")
        };
        assert!(matches!(
            ensure_private_dir(&other),
            Err(PrivateDirError::OtherOwner)
        ));
    }
}
