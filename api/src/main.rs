//! The server binary: `cargo run` serves; `cargo run -- print-schema` prints the SDL.

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use api::config::Settings;
use api::seed::generate::GenerateOptions;
use api::startup::{Application, shutdown_signal};

/// jemalloc rather than glibc's allocator or mimalloc: resolving a GraphQL response allocates
/// many small short-lived objects across worker threads. Measured on the 100-organisation
/// page under load: glibc 39 req/s and 54 MB peak, mimalloc 39 to 50 req/s and 109 to 122 MB,
/// jemalloc 51 req/s and 75 MB.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The Partnership Graph API server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Print the GraphQL schema (SDL) to standard output.
    PrintSchema,
    /// Fill the database with synthetic data (after migrating it), deterministic per seed.
    Generate(GenerateOptions),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", api::graphql::sdl());
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
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
    let app = Application::build(&cli.settings).await?;
    tracing::info!(address = %app.local_addr()?, "serving GraphQL at /graphql");
    app.run_until(shutdown_signal()).await?;
    Ok(())
}
