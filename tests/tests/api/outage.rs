//! When the database goes away, queries answer SERVICE_UNAVAILABLE within a second and /readyz
//! fails; when it comes back, the server recovers by itself. The test runs a PostgreSQL server of
//! its own on a spare port and stops and starts it while requests keep coming.
//!
//! It needs PostgreSQL's server programs (`initdb`, `pg_ctl`). Without them it says so and passes,
//! except under CI (`CI=true`), where it fails: CI installs them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use api::config::Settings;
use serde_json::json;
use tempfile::TempDir;

use crate::helpers::TestApp;

/// A throwaway PostgreSQL server: its programs, data folder and port.
#[derive(Debug, Clone)]
struct Instance {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

/// An [`Instance`] with the folder it lives in; stopped when dropped.
struct OwnPostgres {
    instance: Instance,
    _dir: TempDir,
}

/// The folder holding `initdb` and `pg_ctl`, newest version first.
fn server_programs() -> Option<PathBuf> {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| dirs.flatten().map(|d| d.path().join("bin")).collect())
        .unwrap_or_default();
    debian.sort();
    from_pg_config
        .into_iter()
        .chain(debian.into_iter().rev())
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
}

fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
    })
}

/// A server program's command line; PostgreSQL refuses to run as root, so as root it runs as
/// `postgres`.
fn command(program: &Path, args: &[&str]) -> Command {
    let mut command = if is_root() {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", "postgres", "--"]).arg(program);
        runuser
    } else {
        Command::new(program)
    };
    command.args(args);
    command
}

fn run(program: &Path, args: &[&str]) {
    let status = command(program, args)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(status.success(), "{} {args:?} failed", program.display());
}

fn spare_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl OwnPostgres {
    fn init(bin: PathBuf) -> Self {
        let dir = TempDir::new().expect("temp dir");
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success(), "chown of the data folder");
        }
        let data = dir.path().join("data");
        let data_arg = data.to_string_lossy().into_owned();
        run(
            &bin.join("initdb"),
            &[
                "-D",
                &data_arg,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
            ],
        );
        let instance = Instance {
            bin,
            data,
            port: spare_port(),
        };
        instance.start();
        Self {
            instance,
            _dir: dir,
        }
    }
}

impl Instance {
    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data_arg(&self) -> String {
        self.data.to_string_lossy().into_owned()
    }

    fn start(&self) {
        let data = self.data_arg();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off",
            self.port
        );
        let log = format!("{data}/server.log");
        run(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        );
    }

    /// Stops the server the way an operator would: open connections are cut.
    fn stop(&self) {
        run(
            &self.bin.join("pg_ctl"),
            &["-D", &self.data_arg(), "-m", "fast", "-w", "stop"],
        );
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.instance.data_arg();
        let _ = command(
            &self.instance.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "stop"],
        )
        .status();
    }
}

/// One answered request: when it was sent, how long it took, and what came back.
#[derive(Debug, Clone)]
struct Answer {
    sent: Instant,
    took: Duration,
    outcome: Result<(), String>,
}

async fn ask(app: &TestApp) -> Answer {
    let sent = Instant::now();
    let body = app.post("{ projects { totalCount } }", json!({})).await;
    let outcome = if body["data"]["projects"]["totalCount"] == 5 {
        Ok(())
    } else {
        Err(body["errors"][0]["extensions"]["code"]
            .as_str()
            .map_or_else(|| body.to_string(), str::to_owned))
    };
    Answer {
        sent,
        took: sent.elapsed(),
        outcome,
    }
}

async fn readiness(app: &TestApp) -> u16 {
    app.client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_fail_fast_while_the_database_is_stopped_and_recover_when_it_restarts() {
    let Some(bin) = server_programs() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs PostgreSQL's server programs (initdb, pg_ctl) for the outage test"
        );
        eprintln!("outage test skipped: PostgreSQL's server programs are not installed");
        return;
    };
    let server = OwnPostgres::init(bin);
    let instance = server.instance.clone();
    let dir = TempDir::new().expect("dir");
    let mut settings = Settings::for_database(instance.url(), 0);
    // The outage test is about the database, not about rate limits.
    settings.rate_limit_capacity = 0;
    let app = Arc::new(TestApp::start("postgres", settings, dir).await);
    assert_eq!(ask(&app).await.outcome, Ok(()));

    // Four clients keep sending requests, each one every 50 ms after its last answer, through
    // the whole outage and the recovery.
    let answers = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (app, answers, running) = (app.clone(), answers.clone(), running.clone());
            tokio::spawn(async move {
                while running.load(std::sync::atomic::Ordering::Relaxed) {
                    let answer = ask(&app).await;
                    answers.lock().expect("answers").push(answer);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let stopping = Instant::now();
    let stopper = instance.clone();
    tokio::task::spawn_blocking(move || stopper.stop())
        .await
        .expect("stopped");
    let stopped = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(readiness(&app).await, 503, "/readyz fails while it is down");
    let down_body = app.post("{ projects { totalCount } }", json!({})).await;

    let restarting = Instant::now();
    let starter = instance.clone();
    tokio::task::spawn_blocking(move || starter.start())
        .await
        .expect("restarted");
    let deadline = Instant::now() + Duration::from_secs(10);
    while ask(&app).await.outcome.is_err() {
        assert!(Instant::now() < deadline, "the server did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = restarting.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.store(false, std::sync::atomic::Ordering::Relaxed);
    for client in clients {
        client.await.expect("client finished");
    }
    assert_eq!(readiness(&app).await, 200, "/readyz passes again");

    let answers = answers.lock().expect("answers").clone();
    let during: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.sent >= stopped && a.sent + a.took < restarting)
        .collect();
    assert!(
        during.len() >= 10,
        "requests kept coming while it was down: {}",
        during.len()
    );
    for answer in &during {
        assert_eq!(
            answer.outcome,
            Err("SERVICE_UNAVAILABLE".to_owned()),
            "{answer:?}"
        );
    }
    for answer in &answers {
        assert!(
            answer.took < Duration::from_secs(1),
            "every request answers within a second: {answer:?}"
        );
        if let Err(code) = &answer.outcome {
            assert_eq!(code, "SERVICE_UNAVAILABLE", "{answer:?}");
        }
    }
    let text = down_body.to_string();
    assert!(
        !text.contains("pg_") && !text.contains("127.0.0.1") && !text.contains("connection"),
        "no internals in the message: {text}"
    );
    let slowest = answers.iter().map(|a| a.took).max().unwrap_or_default();
    eprintln!(
        "outage: {} requests, {} answered while stopped (stop took {:?}), slowest answer {:?}; \
         recovered {:?} after the restart",
        answers.len(),
        during.len(),
        stopped - stopping,
        slowest,
        recovered
    );
    drop(server);
}
