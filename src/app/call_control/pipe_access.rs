//! Windows: the control pipe's access list, and how many bytes wait in it.
//!
//! A named pipe made with the default security lets every user of the PC open it for
//! reading; the control pipe gets a protected list with one entry, this user's account
//! (full access), so no other user's program can reach it, nor inherit a wider grant from
//! anywhere.

use std::io;
use std::ptr;

use std::os::windows::io::{AsHandle, AsRawHandle};

use interprocess::local_socket::Stream as LocalSocketStream;
use interprocess::os::windows::security_descriptor::SecurityDescriptor;
use widestring::U16CString;
use windows_sys::Win32::Foundation::{
    CloseHandle, LocalFree, ERROR_BROKEN_PIPE, ERROR_NO_DATA, ERROR_PIPE_NOT_CONNECTED, HANDLE,
};
use windows_sys::Win32::Security::Authorization::ConvertSidToStringSidW;
use windows_sys::Win32::Security::{GetTokenInformation, TokenUser, TOKEN_QUERY, TOKEN_USER};
use windows_sys::Win32::System::Pipes::PeekNamedPipe;
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// The security descriptor that lets only this process's user open the pipe, as the
/// security descriptor string `D:P(A;;GA;;;<user's SID>)`.
pub fn user_only() -> io::Result<SecurityDescriptor> {
    let sddl = format!("D:P(A;;GA;;;{})", current_user_sid()?);
    let sddl = U16CString::from_str(&sddl).map_err(|_| io::ErrorKind::InvalidData)?;
    SecurityDescriptor::deserialize(&sddl)
}

/// This process's user account as a SID string (`S-1-5-21-...`).
fn current_user_sid() -> io::Result<String> {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: the pseudo-handle of this process needs no closing; `token` is closed below.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let sid = token_user_sid(token);
    // SAFETY: opened above, closed once.
    unsafe { CloseHandle(token) };
    sid
}

fn token_user_sid(token: HANDLE) -> io::Result<String> {
    let mut needed = 0u32;
    // SAFETY: the first call only asks for the size (it fails with "buffer too small").
    unsafe { GetTokenInformation(token, TokenUser, ptr::null_mut(), 0, &mut needed) };
    if needed == 0 {
        return Err(io::Error::last_os_error());
    }
    // u64 elements: aligned for TOKEN_USER.
    let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
    // SAFETY: `buffer` holds at least `needed` bytes.
    if unsafe {
        GetTokenInformation(
            token,
            TokenUser,
            buffer.as_mut_ptr().cast(),
            needed,
            &mut needed,
        )
    } == 0
    {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the call above filled the buffer with a TOKEN_USER (and the SID it points to).
    let user = unsafe { &*buffer.as_ptr().cast::<TOKEN_USER>() };
    let mut text = ptr::null_mut();
    // SAFETY: the SID lives in `buffer`; the string is allocated by the call and freed
    // below with LocalFree, as documented.
    if unsafe { ConvertSidToStringSidW(user.User.Sid, &mut text) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a NUL-terminated string from ConvertSidToStringSidW.
    let sid = unsafe { widestring::U16CStr::from_ptr_str(text) }.to_string_lossy();
    // SAFETY: allocated by ConvertSidToStringSidW, freed once.
    unsafe { LocalFree(text.cast()) };
    Ok(sid)
}

/// How many bytes wait to be read in the pipe; `None` when the other end has closed it.
pub fn bytes_waiting(connection: &LocalSocketStream) -> io::Result<Option<u32>> {
    #[allow(unreachable_patterns)]
    let handle = match connection {
        LocalSocketStream::NamedPipe(pipe) => pipe.inner().as_handle().as_raw_handle(),
        _ => return Err(io::ErrorKind::Unsupported.into()),
    };
    let mut available = 0u32;
    // SAFETY: the handle is borrowed from the open connection for the call; only the
    // count is asked for (no buffer).
    let peeked = unsafe {
        PeekNamedPipe(
            handle,
            ptr::null_mut(),
            0,
            ptr::null_mut(),
            &mut available,
            ptr::null_mut(),
        )
    };
    if peeked != 0 {
        return Ok(Some(available));
    }
    let error = io::Error::last_os_error();
    let closed = [ERROR_BROKEN_PIPE, ERROR_NO_DATA, ERROR_PIPE_NOT_CONNECTED]
        .iter()
        .any(|&code| error.raw_os_error() == Some(code as i32));
    if closed {
        Ok(None)
    } else {
        Err(error)
    }
}
