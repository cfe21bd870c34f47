//! The server binary: `cargo run` serves; `cargo run -- print-schema` prints the SDL; see
//! `cargo run -- --help`.

use api::cli::{Cli, Command, KeysCommand};
use api::startup::{Application, shutdown_signal};

/// jemalloc rather than glibc's allocator or mimalloc: resolving a GraphQL response allocates
/// many small short-lived objects across worker threads. Measured on the 100-organisation
/// page under load: glibc 39 req/s and 54 MB peak, mimalloc 39 to 50 req/s and 109 to 122 MB,
/// jemalloc 51 req/s and 75 MB.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::from_env_and_args();
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", api::graphql::sdl());
        return Ok(());
    }
    if let Some(Command::Keys(command)) = &cli.command {
        // No logger: standard output carries the new key alone.
        return keys(&cli, command).await;
    }
    if let Some(Command::Export { since }) = &cli.command {
        // No logger: standard output carries the export alone.
        return export(&cli, since.as_deref()).await;
    }
    if let Some(Command::Import {
        file,
        dry_run,
        partial,
    }) = &cli.command
    {
        let options = api::service::import::Options {
            dry_run: *dry_run,
            partial: *partial,
        };
        return import(&cli, file, options).await;
    }
    cli.logging.init()?;
    if let Some(Command::Generate(options)) = &cli.command {
        let started = std::time::Instant::now();
        let url = &cli.settings.database_url;
        let (db, _) =
            api::store::database::connect(url, 2, std::time::Duration::from_secs(30)).await?;
        api::store::database::migrate(&db).await?;
        api::seed::generate::generate(&db, options).await?;
        let seconds = started.elapsed().as_secs_f64();
        tracing::info!(
            projects = options.projects,
            seconds,
            "generated synthetic data"
        );
        return Ok(());
    }
    if let Some(Command::Migrate) = cli.command {
        prepared(&cli.settings).await?;
        tracing::info!("the database is up to date");
        return Ok(());
    }
    let app = Application::build(&cli.settings).await?;
    tracing::info!(address = %app.local_addr()?, "serving GraphQL at /graphql");
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

/// The database of `settings`, prepared as `migrate` does, for a command-line tool.
async fn prepared(settings: &api::config::Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let (db, _) = api::store::database::connect(
        &settings.database_url,
        2,
        std::time::Duration::from_secs(30),
    )
    .await?;
    api::startup::prepare(&db, settings).await?;
    Ok(db)
}

/// The principal of command-line tools: an admin.
fn operator() -> api::auth::Principal {
    api::auth::Principal::Known {
        name: "command line".to_owned(),
        role: api::auth::Role::Admin,
        organisations: Vec::new(),
        credential: api::auth::Credential::BootstrapKey,
    }
}

/// `api keys …`: prepares the database as `migrate` does, then manages keys.
async fn keys(cli: &Cli, command: &KeysCommand) -> anyhow::Result<()> {
    let db = prepared(&cli.settings).await?;
    match command {
        KeysCommand::Create {
            name,
            role,
            organisations,
            expires,
        } => {
            let secret =
                api::service::api_keys::create(&db, name, role, organisations, *expires).await?;
            println!("{secret}");
        }
        KeysCommand::List => {
            for key in api::service::api_keys::list(&db).await? {
                let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
                    t.map_or_else(
                        || "-".to_owned(),
                        |t| t.format("%Y-%m-%d %H:%M").to_string(),
                    )
                };
                println!(
                    "{}\t{}\tpga_{}…\torganisations: {}\tcreated {}\texpires {}\trevoked {}\tlast used {}",
                    key.name,
                    key.role,
                    key.prefix,
                    if key.organisations.is_empty() {
                        "-".to_owned()
                    } else {
                        key.organisations.join(",")
                    },
                    day(Some(key.created_at)),
                    day(key.expires_at),
                    day(key.revoked_at),
                    day(key.last_used_at),
                );
            }
        }
        KeysCommand::Revoke { name } => {
            api::service::api_keys::revoke(&db, name).await?;
            eprintln!("revoked `{name}`");
        }
    }
    Ok(())
}

/// Lines written to standard output, counted on a progress bar.
struct StdoutSink {
    out: std::io::BufWriter<std::io::Stdout>,
    progress: indicatif::ProgressBar,
}

impl api::service::export::LineSink for StdoutSink {
    async fn line(&mut self, line: serde_json::Value) -> Result<(), ()> {
        use std::io::Write;
        // A command-line tool with nothing else to do may block on its output.
        serde_json::to_writer(&mut self.out, &line).map_err(|_| ())?;
        self.out.write_all(b"\n").map_err(|_| ())?;
        self.progress.inc(1);
        Ok(())
    }
}

/// `api export`: every record (or those changed since a cursor) as NDJSON on standard output,
/// with everything an admin sees.
async fn export(cli: &Cli, since: Option<&str>) -> anyhow::Result<()> {
    use std::io::Write;
    let db = prepared(&cli.settings).await?;
    let since = since
        .map(api::store::changes::FeedPosition::decode)
        .transpose()
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    let total = match since {
        Some(_) => 0,
        None => api::service::export::record_count(&db)
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?,
    };
    let progress = indicatif::ProgressBar::new(total).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} records {per_sec} {eta}")?,
    );
    let mut sink = StdoutSink {
        out: std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout()),
        progress,
    };
    let records = api::service::export::export(&db, &operator(), since, &mut sink)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    sink.out.flush()?;
    sink.progress.finish_and_clear();
    eprintln!("exported {records} records");
    Ok(())
}

/// `api import FILE`: the lines of an export file upserted as an admin; the report as JSON on
/// standard output, a line count on standard error.
async fn import(
    cli: &Cli,
    file: &std::path::Path,
    options: api::service::import::Options,
) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    use tokio_util::codec::{FramedRead, LinesCodec};
    let db = prepared(&cli.settings).await?;
    let writer = api::service::authorize(&operator(), &api::service::WriteRequest::default())
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    let input: Box<dyn tokio::io::AsyncRead + Send + Unpin> = if file == std::path::Path::new("-") {
        Box::new(tokio::io::stdin())
    } else {
        Box::new(
            tokio::fs::File::open(file)
                .await
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?,
        )
    };
    let progress = indicatif::ProgressBar::new_spinner().with_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} lines {per_sec}")?,
    );
    let counter = progress.clone();
    let lines = FramedRead::new(
        input,
        LinesCodec::new_with_max_length(api::service::import::MAX_LINE_BYTES),
    )
    .map(move |line| {
        counter.inc(1);
        line.map_err(|e| e.to_string())
    });
    let report = api::service::import::import(
        &db,
        &writer,
        &api::graphql::writes::import::InputReader,
        lines,
        options,
    )
    .await
    .map_err(|e| anyhow::anyhow!(e.message()))?;
    progress.finish_and_clear();
    println!("{}", serde_json::to_string_pretty(&report)?);
    eprintln!(
        "{} lines: {} created, {} updated, {} unchanged, {} deleted, {} refused; {}",
        report.lines,
        report.created,
        report.updated,
        report.unchanged,
        report.deleted,
        report.rejected,
        if report.committed {
            "kept"
        } else {
            "nothing kept"
        }
    );
    if report.rejected > 0 && !report.committed {
        std::process::exit(1);
    }
    Ok(())
}
