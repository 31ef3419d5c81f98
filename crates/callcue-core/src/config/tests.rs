//! Unit tests of the config: loading and its errors, the declarations (every key has a
//! doc, a default it allows, and a range that is checked), the shipped file (exactly what
//! the declarations render), the documented TOML round trip, and retired keys.

use std::path::Path;

use super::declare::{Allowed, Bound, Entry, Number};
use super::render::{toml_float, toml_string};
use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml_str(text, Path::new("test.toml"))
}

/// Every key of the default config with its declaration.
fn with_default_entries(mut each: impl FnMut(&Entry<'_>)) {
    let config = Config::default();
    for section in config.sections() {
        for entry in section.all_entries() {
            each(entry);
        }
    }
}

/// `[section]` or `[section.table]` and `key = value`, for one key.
fn one_key_file(entry: &Entry<'_>, value: &str) -> String {
    let at = entry.path.at;
    let table = match at.table {
        Some(table) => format!("{}.{table}", at.section),
        None => at.section.to_string(),
    };
    format!("[{table}]\n{} = {value}\n", entry.path.key)
}

#[test]
fn empty_file_gives_defaults() {
    assert_eq!(parse("").unwrap(), Config::default());
}

#[test]
fn partial_file_overrides_only_its_keys() {
    let config = parse("[turns]\nmin_overlap_ms = 800\n").unwrap();
    assert_eq!(config.turns.min_overlap_ms, 800);
    assert_eq!(config.turns.dead_air_ms, TurnsConfig::default().dead_air_ms);
}

#[test]
fn unknown_key_is_named() {
    let err = parse("[turns]\nmin_overlap = 800\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("min_overlap"), "{err}");
    assert!(err.starts_with("test.toml: "), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

#[test]
fn wrong_type_names_key_and_line() {
    let err = parse("[turns]\nmin_overlap_ms = \"lots\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("turns.min_overlap_ms"), "{err}");
    assert!(err.contains("lots"), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

#[test]
fn out_of_range_names_key_value_range_and_unit() {
    let err = parse("[turns]\nmin_overlap_ms = 99999\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "test.toml: turns.min_overlap_ms = 99999 is out of range: allowed 100 to 5000 ms"
    );
    let err = parse("[vad]\nframe_ms = 25\n").unwrap_err().to_string();
    assert_eq!(
        err,
        "test.toml: vad.frame_ms = 25 is out of range: allowed 10, 20 or 30 (ms)"
    );
    let err = parse("[overlay]\ntheme = \"blue\"\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "test.toml: overlay.theme = \"blue\" is out of range: \
         allowed \"auto\", \"dark\" or \"light\""
    );
}

#[test]
fn a_bound_that_is_another_key_uses_that_keys_value() {
    let err = parse("[caller_frustration]\nthreshold = 0.4\nhysteresis = 0.45\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "test.toml: caller_frustration.hysteresis = 0.45 is out of range: \
         allowed 0 to caller_frustration.threshold (0.4)"
    );
    let raised = "[caller_frustration]\nthreshold = 0.9\nhysteresis = 0.6\n\
                  strong_score = 0.95\nvoice_only_threshold = 0.9\n";
    assert!(parse(raised).is_ok());
    let err = parse("[caller_frustration]\nthreshold = 0.7\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("caller_frustration.voice_only_threshold = 0.6")
            && err.contains("allowed caller_frustration.threshold (0.7) to 1"),
        "{err}"
    );
}

#[test]
fn per_nudge_keys_are_checked() {
    let err = parse("[nudges.smile]\ntext = \"\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("nudges.smile.text"), "{err}");
    let err = parse(&format!("[nudges.pause]\ntext = \"{}\"\n", "x".repeat(61)))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nudges.pause.text") && err.contains("at most 60 characters"),
        "{err}"
    );
    let err = parse("[nudges.restate]\npriority = 101\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "test.toml: nudges.restate.priority = 101 is out of range: allowed 0 to 100"
    );
    let config = parse("[nudges.smile]\nenabled = false\n").unwrap();
    assert!(!config.nudges.smile.enabled);
    assert_eq!(config.nudges.smile.text, NudgesConfig::default().smile.text);
}

#[test]
fn phrase_lists_are_checked() {
    let err = parse("[words]\nagent_apology = [\"sorry\", \"...\"]\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "test.toml: words.agent_apology = [..., \"...\" (#1), ...] is out of range: \
         allowed phrases with at least one word each"
    );
}

#[test]
fn same_channel_for_both_sides_is_rejected() {
    let err = parse("[audio]\nagent_channel = 1\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "test.toml: audio.caller_channel = 1 is out of range: \
         allowed a channel other than audio.agent_channel"
    );
}

#[test]
fn model_must_be_a_name() {
    let err = parse("[stt]\nmodel = \"../x.bin\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("stt.model = \"../x.bin\"") && err.contains("stt.model_path"),
        "{err}"
    );
    let err = parse("[stt]\nmodel = \" \"\n").unwrap_err().to_string();
    assert!(err.contains("stt.model = \"\""), "{err}");
    let config = parse("[stt]\nmodel = \"\"\nmodel_path = \"/m/ggml-x.bin\"\n").unwrap();
    assert_eq!(config.stt.model_path, "/m/ggml-x.bin");
}

#[test]
fn display_round_trips() {
    let text = Config::default().to_string();
    assert_eq!(parse(&text).unwrap(), Config::default());
    assert_eq!(text, Config::default().to_documented_toml());
}

#[test]
fn shipped_file_is_the_reference() {
    let shipped = include_str!("../../../../config/callcue.toml");
    let reference = reference_toml();
    if shipped == reference {
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/callcue.toml");
    if std::env::var_os("CALLCUE_UPDATE_CONFIG").is_some() {
        std::fs::write(&path, &reference).unwrap();
        return;
    }
    let line = shipped
        .lines()
        .zip(reference.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| shipped.lines().count().min(reference.lines().count()));
    panic!(
        "config/callcue.toml differs from the declarations from line {}:\n  file: {:?}\n  \
         declarations: {:?}\nregenerate it: `callcue config --reference > config/callcue.toml`, \
         or `CALLCUE_UPDATE_CONFIG=1 cargo test -p callcue-core shipped_file`",
        line + 1,
        shipped.lines().nth(line).unwrap_or("(end of file)"),
        reference.lines().nth(line).unwrap_or("(end of file)"),
    );
}

#[test]
fn reference_parses_back_to_the_defaults() {
    let (config, warnings) =
        Config::from_toml_str_with_warnings(&reference_toml(), Path::new("test.toml")).unwrap();
    assert_eq!(config, Config::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    // Not merely through the defaults beneath it: the text sets every key itself.
    let written: toml::Table = toml::from_str(&reference_toml()).unwrap();
    let defaults = toml::Table::try_from(Config::default()).unwrap();
    assert_eq!(key_paths(&written), key_paths(&defaults));
}

/// Every `a.b.c` key path of a TOML table, sorted.
fn key_paths(table: &toml::Table) -> Vec<String> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
        for (key, value) in table {
            let path = format!("{prefix}{key}");
            match value {
                toml::Value::Table(inner) => walk(&format!("{path}."), inner, out),
                _ => out.push(path),
            }
        }
    }
    let mut out = Vec::new();
    walk("", table, &mut out);
    out.sort();
    out
}

#[test]
fn reference_lines_fit_in_90_columns() {
    for (i, line) in reference_toml().lines().enumerate() {
        assert!(
            line.chars().count() <= 90,
            "line {} is {} characters: {line}",
            i + 1,
            line.chars().count()
        );
    }
}

#[test]
fn every_section_table_and_key_has_a_doc() {
    let has_doc = |doc: &[&str]| doc.iter().any(|line| !line.trim().is_empty());
    let config = Config::default();
    let sections = config.sections();
    // Every table of the config is a declared section.
    let tables = toml::Table::try_from(&config).unwrap().len();
    assert_eq!(sections.len(), tables);
    let mut keys = 0;
    for section in &sections {
        assert!(has_doc(section.doc), "[{}] has no doc", section.name);
        for table in &section.tables {
            assert!(has_doc(table.doc), "[{}.{}]", section.name, table.name);
            assert!(has_doc(table.kind_doc), "[{}.{}]", section.name, table.name);
        }
        for entry in section.all_entries() {
            assert!(has_doc(entry.doc), "{} has no doc", entry.path);
            keys += 1;
        }
    }
    assert!(keys > 100, "{keys} keys");
}

#[test]
fn every_default_is_allowed() {
    assert!(Config::default().validate(Path::new("test.toml")).is_ok());
    let mut ranges = 0;
    with_default_entries(|entry| {
        if let Allowed::Range(low, high) = &entry.allowed {
            let super::declare::Value::Number(n) = entry.value else {
                panic!("{}: a range on a value that is not a number", entry.path);
            };
            assert!(
                n.within(low.number(), high.number()),
                "{} = {n} is outside its declared range",
                entry.path
            );
            ranges += 1;
        }
    });
    assert!(ranges > 80, "{ranges} ranges");
}

/// A value just outside `bound`, as TOML: one below (or above) for an integer, a little
/// below (or above) for a float.
fn just_outside(bound: Number, above: bool) -> (String, Number) {
    let sign = if above { 1.0 } else { -1.0 };
    match bound {
        Number::Int(n) => {
            let n = if above { n + 1 } else { n - 1 };
            (n.to_string(), Number::Int(n))
        }
        Number::Float(x) => {
            let step = (f64::from(x).abs() * 1e-3).max(1e-3);
            let y = (f64::from(x) + sign * step) as f32;
            assert!(if above { y > x } else { y < x });
            (toml_float(y), Number::Float(y))
        }
    }
}

#[test]
fn every_range_refuses_a_value_just_outside_naming_key_and_range() {
    let mut checked = 0;
    with_default_entries(|entry| {
        let Allowed::Range(low, high) = &entry.allowed else {
            return;
        };
        let key = entry.path.as_static();
        let allowed = entry.allowed.describe_with_values(entry.path.key).unwrap();
        let mut refused_in_range = 0;
        for (bound, above) in [(*low, false), (*high, true)] {
            assert!(
                allowed.contains(&bound.number().to_string()),
                "{key}: {allowed:?} lacks {}",
                bound.number()
            );
            if let Bound::Key(other, _) = bound {
                assert!(allowed.contains(&other.to_string()), "{allowed}");
            }
            let (written, value) = just_outside(bound.number(), above);
            let file = one_key_file(entry, &written);
            match parse(&file) {
                Err(ConfigError::OutOfRange {
                    key: named,
                    value: shown,
                    allowed: said,
                    ..
                }) => {
                    assert_eq!((named, said.as_str()), (key, allowed.as_str()), "{file}");
                    assert_eq!(shown, value.to_string(), "{file}");
                    refused_in_range += 1;
                }
                // Below 0 for an unsigned key: the type refuses it first, naming the key.
                Err(ConfigError::Parse { message, .. }) => {
                    assert!(
                        !above && bound.number() == Number::Int(0),
                        "{file}: {message}"
                    );
                    assert!(message.contains(key), "{file}: {message}");
                }
                other => panic!("{file}: {other:?}"),
            }
        }
        assert!(refused_in_range >= 1, "{key}");
        checked += 1;
    });
    assert!(checked > 80, "{checked} ranges");
}

#[test]
fn table_keys_have_their_full_names() {
    let config = Config::default();
    let nudges = config.sections().pop().unwrap();
    let pause = &nudges.tables[0];
    assert_eq!(pause.name, "pause");
    let names: Vec<&str> = pause.entries.iter().map(|e| e.path.as_static()).collect();
    assert_eq!(names[0], "nudges.pause.enabled");
    assert_eq!(names[4], "nudges.pause.priority");
    // Joined once: the same `&'static str` every time.
    assert!(std::ptr::eq(names[4], pause.entries[4].path.as_static()));
    assert_eq!(nudges.tables.len(), crate::ids::NudgeId::ALL.len());
    for (table, id) in nudges.tables.iter().zip(crate::ids::NudgeId::ALL) {
        assert_eq!(table.name, id.as_str());
    }
}

#[test]
fn retired_show_ms_loads_with_one_warning() {
    let text = "[overlay]\nshow_ms = 6000\nfade_ms = 300\n";
    let (config, warnings) =
        Config::from_toml_str_with_warnings(text, Path::new("old.toml")).unwrap();
    assert_eq!(config.overlay.fade_ms, 300);
    assert_eq!(
        warnings,
        [
            "old.toml: overlay.show_ms is no longer used: nudges.display_ms sets how long a \
          nudge shows"
        ]
    );
    assert_eq!(parse(text).unwrap(), config);
    let (_, warnings) =
        Config::from_toml_str_with_warnings("[overlay]\nfade_ms = 300\n", Path::new("x")).unwrap();
    assert!(warnings.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("callcue.toml");
    std::fs::write(&path, text).unwrap();
    let (loaded, warnings) = Config::load_with_warnings(&path).unwrap();
    assert_eq!(loaded, config);
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].starts_with(&path.display().to_string()) && warnings[0].contains("show_ms"),
        "{warnings:?}"
    );
    assert_eq!(Config::load(&path).unwrap(), config);
}

#[test]
fn documented_toml_round_trips_changed_values() {
    let mut config = Config::default();
    config.turns.min_overlap_ms = 777;
    config.vad.min_speech_level_dbfs = -42.125;
    config.overlay.opacity = 0.3;
    config.overlay.x_px = -1200;
    config.overlay.theme = "dark".into();
    config.caller_frustration.threshold = 0.1 + 0.2;
    config.stt.model_path = "C:\\models\\ggml \"x\".bin".into();
    config.capture.agent_device = "tab\there, newline\nthere, bell\u{7}, é".into();
    config.stream.allowed_origins = vec!["https://crm.example.com".into()];
    config.words.caller_loss = vec!["x".into(); 40];
    config.nudges.pause.text = "Let them finish: \"pause\"".into();
    config.nudges.smile.enabled = false;
    let text = config.to_documented_toml();
    assert_eq!(parse(&text).unwrap(), config, "{text}");
    assert!(text.contains("allowed_origins = [\"https://crm.example.com\"]\n"));
    assert!(text.contains("caller_loss = [\n  \"x\",\n"));
}

#[test]
fn floats_are_written_to_parse_back_exactly() {
    for x in [
        -55.0f32,
        0.92,
        0.1 + 0.2,
        1e-7,
        3.4e38,
        -0.0,
        f32::MIN_POSITIVE,
        16_777_217.0,
    ] {
        let text = toml_float(x);
        let parsed: toml::Table = toml::from_str(&format!("x = {text}")).unwrap();
        let back = parsed["x"].as_float().unwrap() as f32;
        assert_eq!(back.to_bits(), x.to_bits(), "{x} written as {text}");
    }
    assert_eq!(toml_float(-55.0), "-55.0");
    assert_eq!(toml_float(0.92), "0.92");
}

#[test]
fn texts_are_escaped() {
    let text = "a \"b\" \\ c\n\u{1}";
    let written = toml_string(text);
    let parsed: toml::Table = toml::from_str(&format!("x = {written}")).unwrap();
    assert_eq!(parsed["x"].as_str(), Some(text));
}

mod fuzzed {
    //! Property tests: any text, and the shipped config with one value changed to
    //! anything, loads or fails in one line that names the file (and the key).
    use super::*;
    use proptest::prelude::*;

    /// Every `section.key` path of the shipped config with its section.
    fn shipped_keys() -> Vec<(String, String)> {
        let shipped: toml::Table =
            toml::from_str(include_str!("../../../../config/callcue.toml")).unwrap();
        let mut keys = Vec::new();
        for (section, table) in &shipped {
            if let toml::Value::Table(table) = table {
                for key in table.keys() {
                    keys.push((section.clone(), key.clone()));
                }
            }
        }
        keys
    }

    fn any_value() -> impl Strategy<Value = toml::Value> {
        prop_oneof![
            any::<i64>().prop_map(toml::Value::Integer),
            (-5i64..5000).prop_map(toml::Value::Integer),
            any::<f64>().prop_map(toml::Value::Float),
            (-200.0f64..5000.0).prop_map(toml::Value::Float),
            any::<bool>().prop_map(toml::Value::Boolean),
            "[ -~]{0,12}".prop_map(toml::Value::String),
            prop::collection::vec("[a-z ]{0,8}".prop_map(toml::Value::String), 0..3)
                .prop_map(toml::Value::Array),
            Just(toml::Value::Table(toml::Table::new())),
        ]
    }

    fn check(result: Result<Config, ConfigError>) -> Result<Option<String>, TestCaseError> {
        match result {
            Ok(_) => Ok(None),
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with("test.toml: "), "{}", message);
                prop_assert!(!message.contains('\n'), "{}", message);
                Ok(Some(message))
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn any_text_loads_or_fails_in_one_line(text in "[\\[\\]a-z_.=\"0-9 \n-]{0,120}") {
            check(parse(&text))?;
        }

        #[test]
        fn any_value_for_a_known_key_loads_or_names_the_key(
            at in any::<prop::sample::Index>(),
            value in any_value(),
        ) {
            let keys = shipped_keys();
            let (section, key) = &keys[at.index(keys.len())];
            let mut table = toml::Table::new();
            let mut inner = toml::Table::new();
            inner.insert(key.clone(), value);
            table.insert(section.clone(), toml::Value::Table(inner));
            let text = toml::to_string(&table).unwrap();
            if let Some(message) = check(parse(&text))? {
                prop_assert!(message.contains(key.as_str()), "{} for {}", message, text);
            }
        }

        #[test]
        fn any_float_is_written_to_parse_back(x in any::<f32>()) {
            let text = toml_float(x);
            let parsed: toml::Table = toml::from_str(&format!("x = {text}")).unwrap();
            let back = parsed["x"].as_float().unwrap() as f32;
            let same = back.to_bits() == x.to_bits() || (x.is_nan() && back.is_nan());
            prop_assert!(same, "{} as {}", x, text);
        }
    }
}

#[test]
fn the_collector_needs_an_http_address_the_daily_files_and_well_formed_headers() {
    let ok = parse(
        "[fleet]\notlp_endpoint = \"https://otel.example.com:4318\"\n\
         otlp_headers = [\"Authorization: Bearer abc\", \"X-Scope-OrgID:team-7\"]\n",
    )
    .unwrap();
    assert_eq!(ok.fleet.otlp_headers.len(), 2);
    for (file, named, allowed) in [
        (
            "[fleet]\notlp_endpoint = \"otel.example.com:4318\"\n",
            "fleet.otlp_endpoint",
            "http:// or https://",
        ),
        (
            "[fleet]\nsave_summaries = false\notlp_endpoint = \"http://otel:4318\"\n",
            "fleet.otlp_endpoint",
            "fleet.save_summaries is false",
        ),
        (
            "[fleet]\notlp_endpoint = \"http://otel:4318\"\notlp_headers = [\"Bearer abc\"]\n",
            "fleet.otlp_headers",
            "\"Name: value\"",
        ),
    ] {
        let err = parse(file).unwrap_err().to_string();
        assert!(err.contains(named) && err.contains(allowed), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
    assert_eq!(
        http_header(" Api-Key :  s3cret "),
        Some(("Api-Key", "s3cret"))
    );
    for bad in ["Api Key: x", ": x", "Api-Key:", "Api-Key: a\nb"] {
        assert_eq!(http_header(bad), None, "{bad:?}");
    }
}
