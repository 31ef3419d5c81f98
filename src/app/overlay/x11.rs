//! X11 specifics that winit 0.30 does not offer: keep the overlay from ever taking keyboard
//! focus, and move or resize it without the window manager's help.
//!
//! winit cannot create an X11 window inactive, so the hints are written here through the
//! system's libX11, loaded at run time as winit itself does (nothing new is linked), on a
//! connection of our own to the X server:
//! - `WM_HINTS.input = False` (ICCCM "no input": the window manager gives the window focus
//!   neither when it is mapped nor when it is clicked; pointer events still arrive),
//!   `_NET_WM_USER_TIME = 0` (EWMH: do not focus on map), and `_NET_WM_STATE` = above, skip
//!   taskbar, skip pager. eframe keeps the window unmapped until its first frame and the
//!   app is created before that, so the window manager reads them when it maps the window.
//! - Window managers refuse to start an interactive move (`_NET_WM_MOVERESIZE`) of a
//!   window that takes no input, so the overlay moves itself: the pointer's position on
//!   the root window ([`X11::pointer_on_root`]) places the window while the button is held.
//!
//! An X error is caught and reported, never fatal; the process's Xlib error handler is
//! swapped only for the duration of the calls, on the window's thread.

use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void, CStr};
use std::sync::atomic::{AtomicBool, Ordering};

type Display = c_void;
type Window = c_ulong;
type Atom = c_ulong;
type ErrorHandler = Option<unsafe extern "C" fn(*mut Display, *mut c_void) -> c_int>;

/// Xlib's `XWMHints`.
#[repr(C)]
struct WmHints {
    flags: c_long,
    input: c_int,
    initial_state: c_int,
    icon_pixmap: c_ulong,
    icon_window: c_ulong,
    icon_x: c_int,
    icon_y: c_int,
    icon_mask: c_ulong,
    window_group: c_ulong,
}

const INPUT_HINT: c_long = 1;
const XA_ATOM: Atom = 4;
const XA_CARDINAL: Atom = 6;
const PROP_MODE_REPLACE: c_int = 0;
const RTLD_NOW: c_int = 2;
const RTLD_LOCAL: c_int = 0;

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlclose(handle: *mut c_void) -> c_int;
}

type OpenDisplay = unsafe extern "C" fn(*const c_char) -> *mut Display;
type CloseDisplay = unsafe extern "C" fn(*mut Display) -> c_int;
type DefaultRootWindow = unsafe extern "C" fn(*mut Display) -> Window;
type InternAtom = unsafe extern "C" fn(*mut Display, *const c_char, c_int) -> Atom;
type GetWmHints = unsafe extern "C" fn(*mut Display, Window) -> *mut WmHints;
type AllocWmHints = unsafe extern "C" fn() -> *mut WmHints;
type SetWmHints = unsafe extern "C" fn(*mut Display, Window, *mut WmHints) -> c_int;
type ChangeProperty =
    unsafe extern "C" fn(*mut Display, Window, Atom, Atom, c_int, c_int, *const u8, c_int) -> c_int;
type QueryPointer = unsafe extern "C" fn(
    *mut Display,
    Window,
    *mut Window,
    *mut Window,
    *mut c_int,
    *mut c_int,
    *mut c_int,
    *mut c_int,
    *mut c_uint,
) -> c_int;
type Free = unsafe extern "C" fn(*mut c_void) -> c_int;
type Sync = unsafe extern "C" fn(*mut Display, c_int) -> c_int;
type SetErrorHandler = unsafe extern "C" fn(ErrorHandler) -> ErrorHandler;

/// The libX11 functions used, looked up at run time.
struct Xlib {
    library: *mut c_void,
    open_display: OpenDisplay,
    close_display: CloseDisplay,
    default_root_window: DefaultRootWindow,
    intern_atom: InternAtom,
    get_wm_hints: GetWmHints,
    alloc_wm_hints: AllocWmHints,
    set_wm_hints: SetWmHints,
    change_property: ChangeProperty,
    query_pointer: QueryPointer,
    free: Free,
    sync: Sync,
    set_error_handler: SetErrorHandler,
}

impl Xlib {
    fn load() -> Result<Self, String> {
        let names: [&CStr; 2] = [c"libX11.so.6", c"libX11.so"];
        let library = names
            .iter()
            // SAFETY: dlopen with a valid C string; a null result is handled.
            .map(|name| unsafe { dlopen(name.as_ptr(), RTLD_NOW | RTLD_LOCAL) })
            .find(|handle| !handle.is_null())
            .ok_or("libX11 not found")?;
        macro_rules! symbol {
            ($name:literal as $type:ty) => {{
                // SAFETY: looked up in libX11; the field it is assigned to declares the
                // function's documented Xlib prototype.
                let pointer = unsafe { dlsym(library, $name.as_ptr()) };
                if pointer.is_null() {
                    // SAFETY: the handle came from dlopen and nothing from it is kept.
                    unsafe { dlclose(library) };
                    return Err(format!("libX11 lacks {}", $name.to_string_lossy()));
                }
                // SAFETY: as above.
                unsafe { std::mem::transmute::<*mut c_void, $type>(pointer) }
            }};
        }
        Ok(Self {
            library,
            open_display: symbol!(c"XOpenDisplay" as OpenDisplay),
            close_display: symbol!(c"XCloseDisplay" as CloseDisplay),
            default_root_window: symbol!(c"XDefaultRootWindow" as DefaultRootWindow),
            intern_atom: symbol!(c"XInternAtom" as InternAtom),
            get_wm_hints: symbol!(c"XGetWMHints" as GetWmHints),
            alloc_wm_hints: symbol!(c"XAllocWMHints" as AllocWmHints),
            set_wm_hints: symbol!(c"XSetWMHints" as SetWmHints),
            change_property: symbol!(c"XChangeProperty" as ChangeProperty),
            query_pointer: symbol!(c"XQueryPointer" as QueryPointer),
            free: symbol!(c"XFree" as Free),
            sync: symbol!(c"XSync" as Sync),
            set_error_handler: symbol!(c"XSetErrorHandler" as SetErrorHandler),
        })
    }
}

impl Drop for Xlib {
    fn drop(&mut self) {
        // SAFETY: the handle came from dlopen; no function pointer outlives `self`.
        unsafe { dlclose(self.library) };
    }
}

/// Set by the temporary error handler.
static X_ERROR: AtomicBool = AtomicBool::new(false);

unsafe extern "C" fn note_error(_display: *mut Display, _event: *mut c_void) -> c_int {
    X_ERROR.store(true, Ordering::SeqCst);
    0
}

/// A connection to the X server named by `DISPLAY`, for the overlay's own window.
pub struct X11 {
    display: *mut Display,
    root: Window,
    xlib: Xlib,
}

impl X11 {
    pub fn connect() -> Result<Self, String> {
        let xlib = Xlib::load()?;
        // SAFETY: XOpenDisplay(NULL) opens $DISPLAY; a null result is handled.
        let display = unsafe { (xlib.open_display)(std::ptr::null()) };
        if display.is_null() {
            return Err("cannot open the X display".into());
        }
        // SAFETY: a valid, open display.
        let root = unsafe { (xlib.default_root_window)(display) };
        Ok(Self {
            display,
            root,
            xlib,
        })
    }

    /// Runs Xlib calls with X errors caught; `Err` if any call raised one.
    fn guarded<R>(&self, calls: impl FnOnce(&Xlib, *mut Display) -> R) -> Result<R, String> {
        X_ERROR.store(false, Ordering::SeqCst);
        // SAFETY: Xlib calls on our open display; the process's error handler is restored
        // before returning. Called on the window's thread only.
        let result = unsafe {
            let previous = (self.xlib.set_error_handler)(Some(note_error));
            let result = calls(&self.xlib, self.display);
            (self.xlib.sync)(self.display, 0);
            (self.xlib.set_error_handler)(previous);
            result
        };
        if X_ERROR.load(Ordering::SeqCst) {
            Err("the X server refused a request".into())
        } else {
            Ok(result)
        }
    }

    /// Writes the no-focus, on-top, no-taskbar hints on `window` (an X window id), before
    /// it is mapped.
    pub fn refuse_focus(&self, window: u64) -> Result<(), String> {
        let window = Window::try_from(window).map_err(|_| "window id out of range")?;
        self.guarded(|xlib, display| {
            // SAFETY: hints come from Xlib and are freed with XFree; the property data is
            // borrowed from locals for the duration of each call; format 32 data is an
            // array of C longs.
            unsafe {
                let mut hints = (xlib.get_wm_hints)(display, window);
                if hints.is_null() {
                    hints = (xlib.alloc_wm_hints)();
                }
                if !hints.is_null() {
                    (*hints).flags |= INPUT_HINT;
                    (*hints).input = 0;
                    (xlib.set_wm_hints)(display, window, hints);
                    (xlib.free)(hints.cast());
                }
                let atom = |name: &CStr| (xlib.intern_atom)(display, name.as_ptr(), 0);
                let user_time: [c_long; 1] = [0];
                (xlib.change_property)(
                    display,
                    window,
                    atom(c"_NET_WM_USER_TIME"),
                    XA_CARDINAL,
                    32,
                    PROP_MODE_REPLACE,
                    user_time.as_ptr().cast(),
                    1,
                );
                let states: [c_long; 3] = [
                    atom(c"_NET_WM_STATE_ABOVE") as c_long,
                    atom(c"_NET_WM_STATE_SKIP_TASKBAR") as c_long,
                    atom(c"_NET_WM_STATE_SKIP_PAGER") as c_long,
                ];
                (xlib.change_property)(
                    display,
                    window,
                    atom(c"_NET_WM_STATE"),
                    XA_ATOM,
                    32,
                    PROP_MODE_REPLACE,
                    states.as_ptr().cast(),
                    states.len() as c_int,
                );
            }
        })
    }

    /// Where the pointer is on the screen, in physical pixels from the top-left corner of
    /// the root window.
    pub fn pointer_on_root(&self) -> Option<(i32, i32)> {
        let (mut root, mut child) = (0, 0);
        let (mut x, mut y, mut win_x, mut win_y) = (0, 0, 0, 0);
        let mut mask = 0;
        let on_screen = self
            .guarded(|xlib, display| {
                // SAFETY: every out-pointer is a live local.
                unsafe {
                    (xlib.query_pointer)(
                        display, self.root, &mut root, &mut child, &mut x, &mut y, &mut win_x,
                        &mut win_y, &mut mask,
                    )
                }
            })
            .ok()?;
        (on_screen != 0).then_some((x, y))
    }
}

impl Drop for X11 {
    /// Closes the display; the library is unloaded after, when `xlib` drops.
    fn drop(&mut self) {
        // SAFETY: the display was opened by `connect` and is closed once.
        unsafe { (self.xlib.close_display)(self.display) };
    }
}
