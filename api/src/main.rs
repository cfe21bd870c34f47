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
        let settings = &cli.settings;
        let (db, _) = api::store::database::connect(
            &settings.database_url,
            2,
            std::time::Duration::from_secs(30),
        )
        .await?;
        api::startup::prepare(&db, settings).await?;
        tracing::info!("the database is up to date");
        return Ok(());
    }
    let app = Application::build(&cli.settings).await?;
    tracing::info!(address = %app.local_addr()?, "serving GraphQL at /graphql");
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

/// `api keys …`: prepares the database as `migrate` does, then manages keys.
async fn keys(cli: &Cli, command: &KeysCommand) -> anyhow::Result<()> {
    let settings = &cli.settings;
    let (db, _) = api::store::database::connect(
        &settings.database_url,
        2,
        std::time::Duration::from_secs(30),
    )
    .await?;
    api::startup::prepare(&db, settings).await?;
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
    let settings = &cli.settings;
    let (db, _) = api::store::database::connect(
        &settings.database_url,
        2,
        std::time::Duration::from_secs(30),
    )
    .await?;
    api::startup::prepare(&db, settings).await?;
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
    let operator = api::auth::Principal::Known {
        name: "command line".to_owned(),
        role: api::auth::Role::Admin,
        organisations: Vec::new(),
        credential: api::auth::Credential::BootstrapKey,
    };
    let mut sink = StdoutSink {
        out: std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout()),
        progress,
    };
    let records = api::service::export::export(&db, &operator, since, &mut sink)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    sink.out.flush()?;
    sink.progress.finish_and_clear();
    eprintln!("exported {records} records");
    Ok(())
}
