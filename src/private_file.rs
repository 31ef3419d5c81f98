//! Files only this user may read: folders made 0700 and files 0600 on Unix (the agent
//! voice profile, the event stream's token). Elsewhere the platform's per-user folders
//! keep them private.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

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
