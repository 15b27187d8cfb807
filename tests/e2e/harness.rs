//! Test harness: a moto server on a free loopback port per test, a scratch
//! project directory with `hcprov.toml`, the built `hcprov` binary, and SDK
//! clients pointed at the same emulator. Nothing but 127.0.0.1 is contacted.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use serde_json::Value;

/// The Python of the pinned emulator, installed by tests/setup.sh into
/// .venv, and tests/emulator.py, which runs moto's server with its fills.
fn emulator() -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("HCPROV_EMULATOR_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(".venv/bin/python"));
    (python, root.join("tests/emulator.py"))
}

/// A running moto server; killed on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    _dir: tempfile::TempDir,
}

/// The port a starting emulator prints on its first line, or why there is
/// none within a minute (it exited, or never got that far).
fn announced_port(child: &mut Child) -> Result<u16, String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| "no port within 60 s".to_string())?;
    line.trim()
        .parse()
        .map_err(|_| format!("exited without a port ({:?})", child.try_wait()))
}

impl Moto {
    /// Starts moto on a loopback port it binds itself and waits until it
    /// answers. (A port probed here and passed on could be taken by another
    /// test's listener in between, and this test would then talk to it.)
    pub fn start() -> Moto {
        let (python, script) = emulator();
        assert!(
            python.exists(),
            "the AWS emulator is not installed at {}: run `tests/setup.sh` (tests/run.sh does it for you)",
            python.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("moto.log");
        let mut child = Command::new(&python)
            .arg(&script)
            .arg("0")
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        match announced_port(&mut child) {
            // Bound and listening before it printed the port.
            Ok(port) => Moto {
                child,
                url: format!("http://127.0.0.1:{port}"),
                _dir: dir,
            },
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "moto did not start ({why}): {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            }
        }
    }

    /// SDK configuration for the emulator with dummy credentials.
    pub async fn sdk(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(aws_sdk_ec2::config::Credentials::new(
                "test",
                "test",
                None,
                None,
                "hcprov-tests",
            ))
            .load()
            .await
    }

    /// An S3 client for the emulator (path-style, as the emulator needs).
    pub async fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk().await)
                .force_path_style(true)
                .build(),
        )
    }
}

/// The names of every bucket `s3` lists.
pub async fn bucket_names(s3: &aws_sdk_s3::Client) -> Vec<String> {
    let listed = s3.list_buckets().send().await.unwrap();
    listed
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_string))
        .collect()
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one hcprov run did.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    /// Asserts the exit code, showing the output otherwise.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A scratch project: a directory with `hcprov.toml`, run against an endpoint.
pub struct Project {
    /// The directory.
    pub dir: tempfile::TempDir,
    /// The endpoint every run uses.
    pub endpoint: String,
}

/// The networking + IAM + KMS slice of the platform (issue 2's scope): a
/// `[stack]` table to put before `BASE_CONFIG`'s tables.
pub const SLICE: &str = "[stack]\ncomponents = [\"networking\", \"security\"]\n\n";

/// The configuration the tests start from. moto does not implement AWS
/// Backup selections, so that one resource is off here (it is tested with
/// recorded SDK responses instead).
pub const BASE_CONFIG: &str = r#"environment = "e2e"
region = "us-east-1"
disposable = true

[backup]
select_resources = false

[tags]
Repository = "hcprov"
Author = "e2e-tests"
"#;

impl Project {
    /// A project with `config` as hcprov.toml and a copy of the repository's
    /// Lambda handlers in `lambdas/`.
    pub fn new(endpoint: &str, config: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hcprov.toml"), config).unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("lambdas");
        std::fs::create_dir(dir.path().join("lambdas")).unwrap();
        for e in std::fs::read_dir(&src).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "py") {
                std::fs::copy(e.path(), dir.path().join("lambdas").join(e.file_name())).unwrap();
            }
        }
        Project {
            dir,
            endpoint: endpoint.to_string(),
        }
    }

    /// Replaces hcprov.toml.
    pub fn write_config(&self, config: &str) {
        std::fs::write(self.dir.path().join("hcprov.toml"), config).unwrap();
    }

    /// The default state file.
    pub fn state_path(&self) -> PathBuf {
        self.dir.path().join("state/e2e.json")
    }

    /// The state file parsed.
    pub fn state(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.state_path()).unwrap()).unwrap()
    }

    /// A command running hcprov in the project, with a clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hcprov"));
        c.current_dir(self.dir.path())
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .stdin(Stdio::null());
        c
    }

    /// Runs hcprov with `args`.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs `f` on a fresh single-threaded runtime (for SDK checks in tests).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The changes of a plan (`plan --json`) that do something: address,
/// action and the names of the attributes that change.
pub fn changes(plan: &Value) -> Vec<(String, String, Vec<String>)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no_op")
        .map(|c| {
            let attrs = c["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap().to_string())
                .collect();
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
                attrs,
            )
        })
        .collect()
}

/// Every file under `dir`, recursively.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The id the state records for `address`.
pub fn id(state: &Value, address: &str) -> String {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} is not in the state"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}
