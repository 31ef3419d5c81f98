//! `callcue install` and `callcue uninstall` on Windows: put the unpacked zip where
//! programs live, start callcue at sign-in, list it in Installed apps, and take all of it
//! away again.
//!
//! | | per user (default) | machine-wide (`--machine`, as an administrator) |
//! |---|---|---|
//! | program folder | `%LOCALAPPDATA%\Programs\callcue` | `%ProgramFiles%\callcue` |
//! | start at sign-in | `HKCU\...\CurrentVersion\Run` value `callcue` | the same under `HKLM` (every user) |
//! | Installed apps | `HKCU\...\CurrentVersion\Uninstall\callcue` | the same under `HKLM` |
//! | folders made | `%APPDATA%\callcue` (user config), `%LOCALAPPDATA%\callcue\models`, `\logs` | `%ProgramData%\callcue` (machine config, with `callcue.toml.example`) |
//!
//! The sign-in entry runs `callcuew.exe run`: `callcuew.exe` starts `callcue.exe` without a
//! console window (see crates/callcue-windowless). The program folder gets `callcue.exe`,
//! `callcuew.exe` and whatever else the zip holds beside them (`models\`, the README, the
//! example config). Uninstall removes the program folder, the sign-in entry and the
//! Installed-apps entry; the user's config, models, logs and summaries stay unless
//! `--purge`.

use std::path::{Path, PathBuf};
use std::{fs, io};

use anyhow::{anyhow, bail, Context};

use super::registry::{self, Hive, Key};

const RUN_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";
const UNINSTALL_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Uninstall\callcue";
/// The name of the sign-in entry under the Run key.
const RUN_VALUE: &str = "callcue";
/// The console-less launcher the sign-in entry starts.
const LAUNCHER: &str = "callcuew.exe";
const PROGRAM: &str = "callcue.exe";
/// What the zip holds beside the two programs, copied when present.
const OPTIONAL_FILES: &[&str] = &["README.md", "callcue.toml.example", "COPYRIGHT.txt"];
const MODELS_DIR: &str = "models";

/// Who an installation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// This user only; no administrator needed.
    User,
    /// Every user of this PC; run as an administrator.
    Machine,
}

impl Scope {
    fn hive(self) -> Hive {
        match self {
            Scope::User => Hive::CurrentUser,
            Scope::Machine => Hive::LocalMachine,
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Scope::User => "",
            Scope::Machine => " --machine",
        }
    }
}

/// Where an installation of `scope` puts things on this PC.
struct Layout {
    program_dir: PathBuf,
    /// Folders made at install.
    made_dirs: Vec<PathBuf>,
    /// The folders of config, models, logs and summaries: kept by `uninstall`, removed by
    /// `uninstall --purge`.
    data_dirs: Vec<PathBuf>,
    /// Where `callcue.toml.example` is also put (the folder of the config file IT or the
    /// user writes).
    config_dir: Option<PathBuf>,
}

impl Layout {
    fn of(scope: Scope) -> anyhow::Result<Layout> {
        match scope {
            Scope::User => {
                let local = dirs::data_local_dir().ok_or_else(|| {
                    anyhow!("this user has no local application data folder (%LOCALAPPDATA%)")
                })?;
                let config_dir = callcue::config::user_config_path()
                    .and_then(|file| file.parent().map(Path::to_path_buf));
                // The folders callcue itself writes models and logs to.
                let mut made_dirs = vec![callcue::models::default_install_dir()];
                made_dirs.extend(crate::app::run_log::log_dir());
                made_dirs.extend(config_dir.clone());
                let mut data_dirs = vec![local.join("callcue")];
                data_dirs.extend(config_dir.clone());
                Ok(Layout {
                    program_dir: local.join("Programs").join("callcue"),
                    made_dirs,
                    data_dirs,
                    config_dir,
                })
            }
            Scope::Machine => {
                let program_files = std::env::var_os("ProgramFiles")
                    .ok_or_else(|| anyhow!("%ProgramFiles% is not set"))?;
                let config_dir = callcue::config::machine_config_path()
                    .and_then(|file| file.parent().map(Path::to_path_buf));
                let data_dirs: Vec<PathBuf> = config_dir.iter().cloned().collect();
                Ok(Layout {
                    program_dir: PathBuf::from(program_files).join("callcue"),
                    made_dirs: data_dirs.clone(),
                    data_dirs,
                    config_dir,
                })
            }
        }
    }
}

/// `callcue install [--machine]`: copies the programs beside this one into the program
/// folder, makes the data folders, and registers the sign-in entry and the Installed-apps
/// entry. Installing again over an installation updates it.
pub fn install(scope: Scope) -> anyhow::Result<()> {
    let source_dir = std::env::current_exe()
        .context("cannot tell where callcue.exe is")?
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| anyhow!("cannot tell where callcue.exe is"))?;
    if !source_dir.join(LAUNCHER).is_file() {
        bail!(
            "{LAUNCHER} is not beside callcue.exe in {}: unpack the whole zip and run callcue install from there",
            source_dir.display()
        );
    }
    let layout = Layout::of(scope)?;
    let program_dir = &layout.program_dir;

    let copied = if same_dir(&source_dir, program_dir) {
        0
    } else {
        copy_programs(&source_dir, program_dir).map_err(|e| in_admin_words(e, scope))?
    };
    for dir in &layout.made_dirs {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()))
            .map_err(|e| in_admin_words(e, scope))?;
    }
    if let Some(config_dir) = &layout.config_dir {
        let example = source_dir.join("callcue.toml.example");
        if example.is_file() {
            let to = config_dir.join("callcue.toml.example");
            fs::copy(&example, &to).with_context(|| format!("cannot write {}", to.display()))?;
        }
    }

    let hive = scope.hive();
    let launcher = program_dir.join(LAUNCHER);
    let program = program_dir.join(PROGRAM);
    let register = || -> io::Result<()> {
        Key::create(hive, RUN_KEY)?
            .set_string(RUN_VALUE, &format!("\"{}\" run", launcher.display()))?;
        let entry = Key::create(hive, UNINSTALL_KEY)?;
        let uninstall = format!("\"{}\" uninstall{}", program.display(), scope.flag());
        entry.set_string("DisplayName", "callcue")?;
        entry.set_string("DisplayVersion", env!("CARGO_PKG_VERSION"))?;
        entry.set_string("Publisher", "callcue")?;
        entry.set_string("InstallLocation", &program_dir.display().to_string())?;
        entry.set_string("DisplayIcon", &program.display().to_string())?;
        entry.set_string("UninstallString", &uninstall)?;
        entry.set_string("QuietUninstallString", &uninstall)?;
        entry.set_dword("NoModify", 1)?;
        entry.set_dword("NoRepair", 1)?;
        entry.set_dword("EstimatedSize", folder_size_kib(program_dir))?;
        Ok(())
    };
    register()
        .with_context(|| format!("cannot write the registry under {}", hive.short_name()))
        .map_err(|e| in_admin_words(e, scope))?;

    println!(
        "installed callcue {} in {}",
        env!("CARGO_PKG_VERSION"),
        program_dir.display()
    );
    if copied > 0 {
        println!("  {copied} file(s) copied from {}", source_dir.display());
    }
    println!(
        "  starts at sign-in{}: {}\\{RUN_KEY} value {RUN_VALUE}",
        if scope == Scope::Machine {
            " for every user"
        } else {
            ""
        },
        hive.short_name()
    );
    println!(
        "  listed in Installed apps; `callcue uninstall{}` removes it",
        scope.flag()
    );
    for dir in &layout.made_dirs {
        println!("  folder {}", dir.display());
    }
    Ok(())
}

/// `callcue uninstall [--machine] [--purge]`: removes the sign-in entry, the
/// Installed-apps entry and the program folder; with `purge`, the data folders too.
pub fn uninstall(scope: Scope, purge: bool) -> anyhow::Result<()> {
    let layout = Layout::of(scope)?;
    let hive = scope.hive();
    let unregister = || -> io::Result<bool> {
        let run_removed = match Key::open(hive, RUN_KEY)? {
            Some(run) => run.delete_value(RUN_VALUE)?,
            None => false,
        };
        let entry_removed = registry::delete_tree(hive, UNINSTALL_KEY)?;
        Ok(run_removed || entry_removed)
    };
    let was_registered = unregister()
        .with_context(|| format!("cannot change the registry under {}", hive.short_name()))
        .map_err(|e| in_admin_words(e, scope))?;

    let program_dir = &layout.program_dir;
    let removal = if program_dir.exists() {
        remove_program_dir(program_dir).map_err(|e| in_admin_words(e, scope))?
    } else {
        Removal::NotThere
    };
    if !was_registered && removal == Removal::NotThere {
        let whom = match scope {
            Scope::User => "for this user",
            Scope::Machine => "for every user of this PC",
        };
        println!("callcue is not installed {whom}: nothing to remove");
    } else {
        println!("uninstalled callcue from {}", program_dir.display());
        println!(
            "  sign-in entry and Installed-apps entry removed ({})",
            hive.short_name()
        );
        if removal == Removal::AfterExit {
            println!(
                "  the folder is removed a moment after this command ends (it holds this program)"
            );
        }
    }
    if purge {
        for dir in &layout.data_dirs {
            match fs::remove_dir_all(dir) {
                Ok(()) => println!("  removed {}", dir.display()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => bail!("cannot remove {}: {e}", dir.display()),
            }
        }
    } else {
        let kept: Vec<String> = layout
            .data_dirs
            .iter()
            .filter(|dir| dir.exists())
            .map(|dir| dir.display().to_string())
            .collect();
        if !kept.is_empty() {
            println!(
                "  kept (config, models, logs, summaries; --purge removes them): {}",
                kept.join(", ")
            );
        }
    }
    Ok(())
}

/// Copies callcue.exe, callcuew.exe, the optional files and `models\` from `from` into
/// `to`; returns how many files were copied.
fn copy_programs(from: &Path, to: &Path) -> anyhow::Result<usize> {
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let mut copied = 0;
    for name in [PROGRAM, LAUNCHER].iter().chain(OPTIONAL_FILES) {
        let source = from.join(name);
        if !source.is_file() {
            continue;
        }
        let target = to.join(name);
        fs::copy(&source, &target).map_err(|e| {
            if e.raw_os_error() == Some(32) {
                // ERROR_SHARING_VIOLATION: the installed program is running.
                anyhow!(
                    "{} is in use: quit callcue (or sign out) and install again",
                    target.display()
                )
            } else {
                anyhow::Error::new(e).context(format!(
                    "cannot copy {} to {}",
                    source.display(),
                    target.display()
                ))
            }
        })?;
        copied += 1;
    }
    let models = from.join(MODELS_DIR);
    if models.is_dir() {
        let target_dir = to.join(MODELS_DIR);
        fs::create_dir_all(&target_dir)
            .with_context(|| format!("cannot create {}", target_dir.display()))?;
        for entry in
            fs::read_dir(&models).with_context(|| format!("cannot read {}", models.display()))?
        {
            let entry = entry.with_context(|| format!("cannot read {}", models.display()))?;
            if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
                let target = target_dir.join(entry.file_name());
                fs::copy(entry.path(), &target).with_context(|| {
                    format!(
                        "cannot copy {} to {}",
                        entry.path().display(),
                        target.display()
                    )
                })?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Removal {
    Done,
    /// This program runs from the folder: Windows keeps a running program's file, so a
    /// detached `cmd` removes the folder once this process has ended.
    AfterExit,
    NotThere,
}

fn remove_program_dir(dir: &Path) -> anyhow::Result<Removal> {
    let running_from_it = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|parent| same_dir(parent, dir)))
        .unwrap_or(false);
    match fs::remove_dir_all(dir) {
        Ok(()) => return Ok(Removal::Done),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Removal::NotThere),
        Err(e) if !running_from_it => {
            return Err(anyhow::Error::new(e).context(format!("cannot remove {}", dir.display())))
        }
        Err(_) => {}
    }
    remove_after_exit(dir)?;
    Ok(Removal::AfterExit)
}

/// Starts a hidden, detached `cmd` that waits two seconds (this process has ended by
/// then) and removes `dir`.
fn remove_after_exit(dir: &Path) -> anyhow::Result<()> {
    use std::os::windows::process::CommandExt;
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    const DETACHED_PROCESS: u32 = 0x0000_0008;
    let script = format!(
        "ping -n 3 127.0.0.1 >nul & rmdir /s /q \"{}\"",
        dir.display()
    );
    std::process::Command::new("cmd.exe")
        .arg("/d")
        .arg("/c")
        .raw_arg(&script)
        .creation_flags(CREATE_NO_WINDOW | DETACHED_PROCESS)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("cannot remove {} (it holds this program)", dir.display()))?;
    Ok(())
}

/// The same folder, whatever the spelling (case, `..`, a trailing separator).
fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The folder's size in KiB, as Installed apps shows it (0 when unreadable).
fn folder_size_kib(dir: &Path) -> u32 {
    fn size(dir: &Path) -> u64 {
        fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| match entry.file_type() {
                        Ok(t) if t.is_dir() => size(&entry.path()),
                        Ok(_) => entry.metadata().map(|m| m.len()).unwrap_or(0),
                        Err(_) => 0,
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    u32::try_from(size(dir) / 1024).unwrap_or(u32::MAX)
}

/// A machine-wide change refused for want of rights says what to do about it.
fn in_admin_words(error: anyhow::Error, scope: Scope) -> anyhow::Error {
    let denied = error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::PermissionDenied);
    if scope == Scope::Machine && denied {
        anyhow!("{error:#}: --machine needs an administrator (run it from an elevated prompt)")
    } else {
        error
    }
}
