//! The few registry operations `callcue install` needs, over the Win32 registry API
//! (windows-sys): open or create a key, write a string or a number, delete a value or a
//! whole key. Errors are `io::Error`s carrying the Windows error code, so
//! "not found" and "access denied" read as `io::ErrorKind`s.

use std::ffi::OsStr;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::ptr;

use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_SUCCESS, WIN32_ERROR};
use windows_sys::Win32::System::Registry::{
    RegCloseKey, RegCreateKeyExW, RegDeleteTreeW, RegDeleteValueW, RegOpenKeyExW, RegSetValueExW,
    HKEY, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WRITE, REG_DWORD,
    REG_OPTION_NON_VOLATILE, REG_SZ,
};

/// The hive a key lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hive {
    /// `HKEY_CURRENT_USER`: this user's settings.
    CurrentUser,
    /// `HKEY_LOCAL_MACHINE`: every user's; writing needs an administrator.
    LocalMachine,
}

impl Hive {
    fn handle(self) -> HKEY {
        match self {
            Hive::CurrentUser => HKEY_CURRENT_USER,
            Hive::LocalMachine => HKEY_LOCAL_MACHINE,
        }
    }

    /// The short name `reg.exe` and the Registry Editor use.
    pub fn short_name(self) -> &'static str {
        match self {
            Hive::CurrentUser => "HKCU",
            Hive::LocalMachine => "HKLM",
        }
    }
}

/// An open registry key, closed when dropped.
pub struct Key(HKEY);

impl Key {
    /// Opens `path` under `hive` for writing, creating it (and its parents) if missing.
    pub fn create(hive: Hive, path: &str) -> io::Result<Key> {
        let path = wide(path);
        let mut key: HKEY = ptr::null_mut();
        // SAFETY: `path` is NUL-terminated and outlives the call; `key` is written on success.
        let status = unsafe {
            RegCreateKeyExW(
                hive.handle(),
                path.as_ptr(),
                0,
                ptr::null(),
                REG_OPTION_NON_VOLATILE,
                KEY_READ | KEY_WRITE,
                ptr::null(),
                &mut key,
                ptr::null_mut(),
            )
        };
        check(status).map(|()| Key(key))
    }

    /// Opens an existing key for reading and writing; `None` when it does not exist.
    pub fn open(hive: Hive, path: &str) -> io::Result<Option<Key>> {
        let path = wide(path);
        let mut key: HKEY = ptr::null_mut();
        // SAFETY: as in `create`.
        let status = unsafe {
            RegOpenKeyExW(
                hive.handle(),
                path.as_ptr(),
                0,
                KEY_READ | KEY_WRITE,
                &mut key,
            )
        };
        if status == ERROR_FILE_NOT_FOUND {
            return Ok(None);
        }
        check(status).map(|()| Some(Key(key)))
    }

    /// Writes a `REG_SZ` value.
    pub fn set_string(&self, name: &str, value: &str) -> io::Result<()> {
        let data = wide(value);
        self.set_raw(name, REG_SZ, bytes_of(&data))
    }

    /// Writes a `REG_DWORD` value.
    pub fn set_dword(&self, name: &str, value: u32) -> io::Result<()> {
        self.set_raw(name, REG_DWORD, &value.to_le_bytes())
    }

    fn set_raw(&self, name: &str, kind: u32, data: &[u8]) -> io::Result<()> {
        let name = wide(name);
        let size = u32::try_from(data.len()).map_err(|_| io::ErrorKind::InvalidInput)?;
        // SAFETY: the key is open; `name` and `data` outlive the call.
        check(unsafe { RegSetValueExW(self.0, name.as_ptr(), 0, kind, data.as_ptr(), size) })
    }

    /// Deletes a value; `false` when there was none.
    pub fn delete_value(&self, name: &str) -> io::Result<bool> {
        let name = wide(name);
        // SAFETY: the key is open; `name` outlives the call.
        let status = unsafe { RegDeleteValueW(self.0, name.as_ptr()) };
        if status == ERROR_FILE_NOT_FOUND {
            return Ok(false);
        }
        check(status).map(|()| true)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the key was opened by this value and is closed once.
        unsafe { RegCloseKey(self.0) };
    }
}

/// Deletes `path` under `hive` with everything below it; `false` when it did not exist.
pub fn delete_tree(hive: Hive, path: &str) -> io::Result<bool> {
    let path = wide(path);
    // SAFETY: `path` is NUL-terminated and outlives the call.
    let status = unsafe { RegDeleteTreeW(hive.handle(), path.as_ptr()) };
    if status == ERROR_FILE_NOT_FOUND {
        return Ok(false);
    }
    check(status).map(|()| true)
}

fn check(status: WIN32_ERROR) -> io::Result<()> {
    if status == ERROR_SUCCESS {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(status as i32))
    }
}

/// `text` as a NUL-terminated UTF-16 string.
fn wide(text: &str) -> Vec<u16> {
    OsStr::new(text).encode_wide().chain(Some(0)).collect()
}

fn bytes_of(data: &[u16]) -> &[u8] {
    // SAFETY: u16 has no padding; the byte view covers exactly the same memory.
    unsafe { std::slice::from_raw_parts(data.as_ptr().cast(), std::mem::size_of_val(data)) }
}
