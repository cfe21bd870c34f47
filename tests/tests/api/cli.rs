//! The command line: options after the subcommand, every documented variable in each
//! subcommand's help, a busy port failing at once, and log lines a collector can read.

use std::io::Write;
use std::sync::{Arc, Mutex};

use api::cli::{Cli, Command, LogFormat, LogSettings};
use api::config::Settings;
use clap::{CommandFactory, Parser};

use crate::helpers::start_up_error;

#[test]
fn options_work_after_the_subcommand() {
    let cli = Cli::try_parse_from(["api", "serve", "--port", "9000", "--log-format", "json"])
        .expect("parses");
    assert!(matches!(cli.command, Some(Command::Serve)));
    assert_eq!(cli.settings.port, 9000);
    assert_eq!(cli.logging.log_format, LogFormat::Json);

    let cli = Cli::try_parse_from([
        "api",
        "generate",
        "--database-url",
        "sqlite://elsewhere.sqlite",
        "--projects",
        "5",
    ])
    .expect("parses");
    assert_eq!(cli.settings.database_url, "sqlite://elsewhere.sqlite");
    assert!(matches!(cli.command, Some(Command::Generate(ref o)) if o.projects == 5));

    let cli = Cli::try_parse_from(["api", "--port", "9001"]).expect("parses");
    assert!(cli.command.is_none());
    assert_eq!(cli.settings.port, 9001);
}

/// Every variable `.env.example` documents for the API, commented out or not (the PostgreSQL
/// password is for docker compose, the test database for the tests).
fn documented_variables() -> Vec<String> {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../.env.example"))
        .expect(".env.example");
    example
        .lines()
        .map(|line| line.trim_start_matches(['#', ' ']))
        .filter_map(|line| line.split_once('=').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .filter(|name| !["POSTGRES_PASSWORD", "TEST_DATABASE_URL"].contains(name))
        .map(str::to_owned)
        .collect()
}

#[test]
fn each_subcommands_help_lists_every_documented_variable() {
    let variables = documented_variables();
    for needed in ["RUST_LOG", "LOG_FORMAT", "DATABASE_URL", "PORT", "API_KEYS"] {
        assert!(
            variables.iter().any(|v| v == needed),
            "{needed} is in .env.example"
        );
    }
    let mut command = Cli::command();
    command.build();
    for subcommand in ["serve", "generate"] {
        let help = command
            .find_subcommand_mut(subcommand)
            .expect("subcommand")
            .render_long_help()
            .to_string();
        for variable in &variables {
            assert!(
                help.contains(&format!("[env: {variable}")),
                "`api {subcommand} --help` lists {variable}:\n{help}"
            );
        }
    }
}

#[tokio::test]
async fn a_busy_port_fails_at_once_before_any_database_work() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    // Nothing listens on port 1: were the database reached first, this would fail differently.
    let settings = Settings::for_database("postgres://nobody@127.0.0.1:1/nothing", port);
    let error = start_up_error(&settings).await;
    assert!(error.contains("cannot listen on"), "{error}");
}

/// A writer that keeps what is logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_one_event(format: LogFormat) -> String {
    let logging = LogSettings {
        filter: "info".into(),
        log_format: format,
    };
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = logging
        .subscriber(move || writer.clone(), false)
        .expect("subscriber");
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(port = 8080, "serving GraphQL at /graphql");
        tracing::debug!("filtered out");
    });
    let bytes = captured.0.lock().expect("lock").clone();
    String::from_utf8(bytes).expect("utf-8")
}

#[test]
fn json_logs_are_one_object_a_line_and_text_logs_off_a_terminal_have_no_colour() {
    let json = log_one_event(LogFormat::Json);
    let lines: Vec<&str> = json.lines().collect();
    assert_eq!(lines.len(), 1, "{json}");
    let line: serde_json::Value = serde_json::from_str(lines[0]).expect("a JSON object");
    assert_eq!(line["message"], "serving GraphQL at /graphql");
    assert_eq!(line["port"], 8080);
    assert_eq!(line["level"], "INFO");

    let text = log_one_event(LogFormat::Text);
    assert!(text.contains("serving GraphQL at /graphql"), "{text}");
    assert!(!text.contains('\u{1b}'), "no escape codes: {text:?}");
}

#[test]
fn an_invalid_log_filter_is_refused() {
    let logging = LogSettings {
        filter: "api=loud".into(),
        log_format: LogFormat::Text,
    };
    let error = logging
        .subscriber(std::io::sink, false)
        .err()
        .expect("refused");
    assert!(error.to_string().contains("invalid RUST_LOG"), "{error}");
}
