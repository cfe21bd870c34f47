//! The command line: `api` (or `api serve`) serves, `api migrate` prepares the database and
//! exits, `api print-schema` prints the SDL, `api generate` fills a database with synthetic
//! data. Every setting is a flag that works before or after the subcommand, and an environment
//! variable; a `.env` file in the working directory is read first, and variables already set
//! win over it.

use std::io::IsTerminal as _;

use clap::{Parser, Subcommand, ValueEnum};
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::Settings;
use crate::seed::generate::GenerateOptions;

/// The Partnership Graph API server.
#[derive(Debug, Parser)]
#[command(
    name = "api",
    version,
    about,
    after_help = "Every option can also be set by the environment variable shown beside it, \
                  or in a `.env` file in the working directory (see `.env.example`)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
    #[command(flatten)]
    pub logging: LogSettings,
}

/// What to do; serving is the default.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default): migrate, seed an empty database, then serve.
    Serve,
    /// Apply migrations, load the seed dataset into an empty database, refresh the derived
    /// tables, and exit: the one-off job before replicas start.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    PrintSchema,
    /// Fill the database with synthetic data (after migrating it), deterministic per seed.
    Generate(GenerateOptions),
    /// Manage API keys kept in the database (after preparing it as `migrate` does).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write every record to standard output as NDJSON, as `GET /export` does for an admin,
    /// with a progress bar on standard error.
    Export {
        /// A change-feed cursor: only the records changed after it.
        #[arg(long)]
        since: Option<String>,
    },
    /// Import an export file (NDJSON) as an admin, as `POST /import` does: records are upserted
    /// by key (by ID for types without one), all or nothing. Prints the report as JSON and
    /// exits with 1 when lines were refused.
    Import {
        /// The file to read; `-` for standard input.
        file: std::path::PathBuf,
        /// Check every line and keep nothing.
        #[arg(long)]
        dry_run: bool,
        /// Keep the good lines when some are bad.
        #[arg(long)]
        partial: bool,
    },
}

/// What to do with API keys.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Issue a key and print it, alone, on standard output: it is shown this once.
    Create {
        /// A unique name for the key; the audit log and rate limits name the caller by it.
        #[arg(long)]
        name: String,
        /// `reader`, `editor` or `admin`.
        #[arg(long)]
        role: String,
        /// The key of an organisation an editor may write for; repeat for several.
        #[arg(long = "organisation")]
        organisations: Vec<String>,
        /// The day the key stops working (it works until that day begins, UTC), `YYYY-MM-DD`.
        #[arg(long)]
        expires: Option<chrono::NaiveDate>,
    },
    /// List every key (never its secret): name, role, prefix, scope and times.
    List,
    /// Revoke the key with this name; every replica refuses it from the next request on.
    Revoke {
        /// The key's name.
        name: String,
    },
}

/// How the server logs.
#[derive(Debug, Clone, clap::Args)]
pub struct LogSettings {
    /// Log filter in tracing's `EnvFilter` syntax: `info`, `api=debug`, `api::db=trace` (every
    /// SQL statement).
    #[arg(long = "log", env = "RUST_LOG", default_value = "info", global = true)]
    pub filter: String,
    /// Log lines as text (coloured only when standard output is a terminal) or as one JSON
    /// object a line.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

/// The shape of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

impl Cli {
    /// The command line of this process, after reading `.env` when there is one.
    pub fn from_env_and_args() -> Self {
        // A missing `.env` is the normal case; a malformed one is reported by the variables
        // it fails to set.
        let _ = dotenvy::dotenv();
        Self::parse()
    }
}

impl LogSettings {
    /// Installs the global tracing subscriber, writing to standard output; an invalid filter
    /// is an error, not a silent fallback.
    pub fn init(&self) -> anyhow::Result<()> {
        let stdout_is_terminal = std::io::stdout().is_terminal();
        self.subscriber(std::io::stdout, stdout_is_terminal)?
            .try_init()
            .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
    }

    /// The subscriber these settings describe, writing to `writer`; colours only when
    /// `terminal`.
    pub fn subscriber<W>(
        &self,
        writer: W,
        terminal: bool,
    ) -> anyhow::Result<Box<dyn Subscriber + Send + Sync>>
    where
        W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        let filter = EnvFilter::try_new(&self.filter)
            .map_err(|e| anyhow::anyhow!("invalid RUST_LOG `{}`: {e}", self.filter))?;
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer);
        Ok(match self.log_format {
            LogFormat::Json => Box::new(builder.json().flatten_event(true).finish()),
            LogFormat::Text => Box::new(builder.with_ansi(terminal).finish()),
        })
    }
}
