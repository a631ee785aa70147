//! Spawns the real mock on port 0 and talks HTTP to it. Every response is
//! checked against the schema the OpenAPI document gives for its method,
//! path and status, and every error against the JSON error shape (ERR-001),
//! so each test also proves that what the mock sent conforms.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use pizzastack::config::ServeConfig;
use pizzastack::server::{run, AppState};
use pizzastack::spec::Spec;
use serde_json::{json, Value};

/// The key the docs' examples use; the mock accepts it by default.
pub const KEY: &str = "your-api-key";
/// A second accepted key, for ownership rules.
pub const OTHER_KEY: &str = "second-key";

/// A running mock and a client for it.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
}

/// A response, already checked against its schema.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    /// The `error` string of an error response.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    /// The `id` field.
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .expect("response has an id")
            .to_owned()
    }
}

/// A mock with admin endpoints and two keys.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(ServeConfig {
        api_keys: vec![KEY.into(), OTHER_KEY.into()],
        admin: true,
        ..ServeConfig::default()
    })
    .await
}

/// A mock with the given configuration, listening on a free loopback port.
pub async fn spawn_app_with(config: ServeConfig) -> TestApp {
    config.validate().expect("test config is valid");
    let state = AppState::new(&config).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(run(listener, state, std::future::pending()));
    TestApp {
        addr,
        client: pizzastack::runner::http_client().unwrap(),
    }
}

/// A fresh session ID.
pub fn new_session() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends a request with exactly these headers and body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self.client.request(method.clone(), self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("request reaches the mock");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let reply = Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
            text,
        };
        check_conformance(method.as_str(), path, &reply);
        reply
    }

    /// A request with the docs' key, `headers` and a JSON `body`, NOT held
    /// to the OpenAPI document: for answers outside it (freedoms, injected
    /// faults, the admin API). The body is `Null` when it is not JSON.
    pub async fn exchange(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .client
            .request(method.parse().unwrap(), self.url(path))
            .header("X-API-Key", KEY);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, body)
    }

    /// POSTs JSON the way the docs' examples do: key, session, content type.
    pub async fn post(&self, path: &str, session: &str, body: Value) -> Reply {
        self.post_as(KEY, path, session, body).await
    }

    /// Like [`post`](Self::post) with another API key.
    pub async fn post_as(&self, key: &str, path: &str, session: &str, body: Value) -> Reply {
        self.send(
            reqwest::Method::POST,
            path,
            &[
                ("X-API-Key", key),
                ("X-Session-ID", session),
                ("Content-Type", "application/json"),
            ],
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    /// The session log, read with `key`.
    pub async fn log_as(&self, key: &str, session: &str) -> Reply {
        self.send(
            reqwest::Method::GET,
            &format!("/v1/session/{session}/log"),
            &[("X-API-Key", key)],
            None,
        )
        .await
    }

    /// The session log, read with the default key.
    pub async fn log(&self, session: &str) -> Reply {
        self.log_as(KEY, session).await
    }

    /// Moves the mock's clock forward through the admin endpoint.
    pub async fn advance(&self, by: &str) {
        let reply = self
            .send(
                reqwest::Method::POST,
                "/__admin/clock/advance",
                &[("Content-Type", "application/json")],
                Some(json!({ "by": by }).to_string().into_bytes()),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }

    /// Live sessions and objects.
    pub async fn stats(&self) -> Value {
        self.send(reqwest::Method::GET, "/__admin/stats", &[], None)
            .await
            .body
    }

    // The documented pipeline, one call a step, each asserting success.

    pub async fn acquire(&self, session: &str) -> String {
        let reply = self
            .post(
                "/v1/tomato/acquire",
                session,
                json!({"variety": "San Marzano", "ripeness": 0.8, "weight": 150}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.id()
    }

    pub async fn slice(&self, session: &str, tomato: &str) -> String {
        let reply = self
            .post(
                "/v1/tomato/slice",
                session,
                json!({"tomato_ids": [tomato], "method": "dice", "size": "medium", "consistency": "uniform"}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.id()
    }

    pub async fn simmer(&self, session: &str, ingredient: &str) -> Reply {
        let reply = self
            .post(
                "/v1/cook/simmer",
                session,
                json!({
                    "ingredients": [
                        {"id": ingredient, "name": "tomato", "amount": 400, "unit": "g"},
                        {"id": "generic", "name": "garlic", "amount": 2, "unit": "cloves"}
                    ],
                    "temperature": 100,
                    "duration": "30m"
                }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply
    }

    pub async fn base(&self, session: &str) -> String {
        let reply = self
            .post(
                "/v1/pizza/base",
                session,
                json!({"thickness": "medium", "size": "12inch", "style": "neapolitan", "hydration": 0.65}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.id()
    }

    pub async fn assemble(&self, session: &str, base: &str, sauce: &str) -> Reply {
        let reply = self
            .post(
                "/v1/pizza/assemble",
                session,
                json!({"base_id": base, "sauce_id": sauce, "toppings": ["mozzarella", "basil"]}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply
    }

    pub async fn bake(&self, session: &str, pizza: &str) -> Reply {
        let reply = self
            .post("/v1/pizza/bake", session, json!({"pizza_id": pizza}))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply
    }

    /// The whole pipeline; `slice_first: false` passes the raw tomato to
    /// simmer, the documented silent mistake. Returns the baked pizza.
    pub async fn pipeline(&self, session: &str, slice_first: bool) -> Reply {
        let tomato = self.acquire(session).await;
        let ingredient = if slice_first {
            self.slice(session, &tomato).await
        } else {
            tomato
        };
        let sauce = self.simmer(session, &ingredient).await.id();
        let base = self.base(session).await;
        let pizza = self.assemble(session, &base, &sauce).await.id();
        self.bake(session, &pizza).await
    }
}

/// Fails the test if a response does not match its documented shape.
fn check_conformance(method: &str, path: &str, reply: &Reply) {
    let spec = Spec::embedded().expect("spec");
    let content_type = reply
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{method} {path} answered {} with Content-Type {content_type:?}: {}",
        reply.status,
        reply.text
    );
    assert!(
        reply.body.is_object(),
        "{method} {path}: body is not a JSON object: {}",
        reply.text
    );
    assert_ne!(
        reply.status, 500,
        "{method} {path} answered 500: {}",
        reply.text
    );
    let schema = spec
        .operation_for(method, path)
        .and_then(|op| op.response_schemas.get(&reply.status).cloned())
        .or_else(|| (reply.status >= 400).then(|| "error.json".to_owned()));
    if let Some(schema) = schema {
        if let Err(problems) = spec.validate(&schema, &reply.body) {
            panic!(
                "{method} {path} answered {} with a body that breaks {schema}:\n  {}\nbody: {}",
                reply.status,
                problems.join("\n  "),
                reply.text
            );
        }
    }
}

/// Every POST endpoint with a valid body that needs no other object.
pub fn standalone_bodies() -> Vec<(&'static str, Value)> {
    vec![
        (
            "/v1/tomato/acquire",
            json!({"variety": "Roma", "ripeness": 0.5, "weight": 100}),
        ),
        (
            "/v1/pizza/base",
            json!({"thickness": "thin", "size": "10inch", "style": "roman"}),
        ),
        (
            "/v1/cook/simmer",
            json!({"ingredients": [{"id": "generic", "name": "garlic", "amount": 1, "unit": "clove"}], "temperature": 90, "duration": "1h"}),
        ),
        (
            "/v1/cook/roast",
            json!({"ingredients": [{"id": "generic", "name": "pepper", "amount": 1, "unit": "piece"}], "temperature": 220, "duration": "45m"}),
        ),
    ]
}

/// Every object endpoint of the API.
pub const OBJECT_ENDPOINTS: [&str; 10] = [
    "/v1/tomato/acquire",
    "/v1/tomato/slice",
    "/v1/tomato/squeeze",
    "/v1/cook/simmer",
    "/v1/cook/roast",
    "/v1/pizza/base",
    "/v1/pizza/assemble",
    "/v1/pizza/bake",
    "/v1/taste/analyze",
    "/v1/taste/compare",
];

/// The built-in suite, loaded from `specs/cases/` (it must load cleanly).
pub fn suite() -> Vec<pizzastack::case::Case> {
    let loaded = pizzastack::case::CaseSources {
        paths: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/specs/cases").to_owned()],
        ..Default::default()
    }
    .load(&pizzastack::case::RuleCatalogue::embedded())
    .expect("specs/cases");
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded.cases
}

/// A mock with `config` (plus admin endpoints and both keys), as a target
/// the runner can check: everything the suite needs, expiry by the clock.
pub async fn suite_target(config: ServeConfig) -> pizzastack::runner::Target {
    let app = spawn_app_with(ServeConfig {
        api_keys: vec![KEY.into(), OTHER_KEY.into()],
        admin: true,
        ..config
    })
    .await;
    pizzastack::runner::Target {
        base_url: app.url(""),
        api_key: KEY.to_owned(),
        other_api_key: Some(OTHER_KEY.to_owned()),
        timeout: std::time::Duration::from_secs(10),
        expiry: pizzastack::runner::Expiry::AdminClock {
            ttl: pizzastack::config::DEFAULT_SESSION_TTL,
        },
        max_body: pizzastack::runner::DEFAULT_MAX_BODY,
        variables: Default::default(),
        waits: Default::default(),
    }
}

/// Every case of the suite against `target`.
pub async fn run_suite_against(
    target: &pizzastack::runner::Target,
) -> Vec<pizzastack::runner::CaseOutcome> {
    let client = pizzastack::runner::http_client().unwrap();
    let catalogue = pizzastack::case::RuleCatalogue::embedded();
    let spec = Spec::embedded().unwrap();
    let mut outcomes = Vec::new();
    for case in suite() {
        outcomes.push(pizzastack::runner::run_case(&client, target, &case, spec, &catalogue).await);
    }
    outcomes
}

/// Sends `{}` to every object endpoint with exactly `headers`, and checks
/// that each answers `status` with exactly `body`; `rule` names what is
/// checked, for the failure message.
pub async fn every_object_endpoint_answers(
    app: &TestApp,
    headers: &[(&str, &str)],
    status: u16,
    body: Value,
    rule: &str,
) {
    for path in OBJECT_ENDPOINTS {
        let reply = app
            .send(reqwest::Method::POST, path, headers, Some(b"{}".to_vec()))
            .await;
        assert_eq!(reply.status, status, "{rule} {path}: {}", reply.text);
        assert_eq!(reply.body, body, "{rule} {path}");
    }
}

/// The `pizzastack` binary serving on a free loopback port.
pub struct ServedBinary {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    /// Its stderr lines after the one that says where it listens; drained
    /// by a thread, so the child never blocks on a full pipe.
    pub stderr: std::sync::mpsc::Receiver<String>,
}

/// Starts `pizzastack serve` with `args` and waits until it listens.
pub fn start_binary(args: &[&str]) -> ServedBinary {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pizzastack"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("PIZZASTACK_API_KEYS")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("listening on"))
        .expect("the server says where it listens");
    let addr = listening
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("an address in {listening:?}"));
    let (sender, stderr) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    ServedBinary {
        child,
        addr,
        stderr,
    }
}

/// The binary as a user's shell runs it: no `PIZZASTACK_*` or CI setting
/// leaks in from the test's own environment, and no colour.
pub fn pizzastack_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pizzastack"));
    command
        .env_remove("PIZZASTACK_TARGET")
        .env_remove("PIZZASTACK_API_KEY")
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .env("NO_COLOR", "1");
    command
}

/// Runs the binary with `args` in `dir` (off the async runtime's threads),
/// with `env` set on top of [`pizzastack_command`]'s.
pub async fn run_pizzastack(
    dir: Option<&std::path::Path>,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut command = pizzastack_command();
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    tokio::task::spawn_blocking(move || command.output().expect("run pizzastack"))
        .await
        .unwrap()
}

/// A command from Debian's packages (`names`, the first found on PATH),
/// installed with apt-get as root or through sudo when missing, or `None`
/// after saying why the test skips. In CI (`CI` set; `.ci/run` installs
/// them all) a missing command fails the test instead.
pub fn system_command_or_skip(
    test: &str,
    names: &[&str],
    package: &str,
) -> Option<&'static std::path::Path> {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::{Mutex, OnceLock};
    static FOUND: OnceLock<Mutex<HashMap<String, &'static Result<PathBuf, NotInstalled>>>> =
        OnceLock::new();
    // One leaked answer per package, so that tests can keep the path.
    let found: &'static Result<PathBuf, NotInstalled> = FOUND
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(package.to_owned())
        .or_insert_with(|| Box::leak(Box::new(find_or_install(names, package))));
    match found {
        Ok(path) => Some(path.as_path()),
        Err(reason) if std::env::var_os("CI").is_some() => {
            panic!("{test}: {reason}, and CI must not skip")
        }
        Err(reason) => {
            eprintln!("SKIPPED {test}: {reason}");
            None
        }
    }
}

/// Why a command from Debian's packages is not there to use.
#[derive(Debug, thiserror::Error)]
enum NotInstalled {
    #[error("{0} is not installed, and installing it needs root or sudo")]
    NoRoot(String),
    #[error("apt-get could not install {0}")]
    AptFailed(String),
    #[error("{package} was installed but {command} is not on PATH")]
    NotOnPath { package: String, command: String },
}

fn find_or_install(names: &[&str], package: &str) -> Result<std::path::PathBuf, NotInstalled> {
    use std::process::{Command, Stdio};
    let find = || {
        let paths = std::env::var_os("PATH")?;
        names.iter().find_map(|name| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        })
    };
    if let Some(found) = find() {
        return Ok(found);
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let sudo = !root
        && Command::new("sudo")
            .args(["-n", "true"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !root && !sudo {
        return Err(NotInstalled::NoRoot(package.to_owned()));
    }
    eprintln!("installing {package} from Debian's packages");
    let apt = |args: &[&str]| {
        let mut command = if sudo {
            let mut c = Command::new("sudo");
            c.arg("-n").arg("apt-get");
            c
        } else {
            Command::new("apt-get")
        };
        command
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let install = ["install", "-y", "-qq", package];
    let installed = apt(&install) || (apt(&["update", "-qq"]) && apt(&install));
    if !installed {
        return Err(NotInstalled::AptFailed(package.to_owned()));
    }
    find().ok_or_else(|| NotInstalled::NotOnPath {
        package: package.to_owned(),
        command: names[0].to_owned(),
    })
}

/// The verdict `rule` got in one case's outcome, if the case touched it.
pub fn verdict(
    outcome: &pizzastack::runner::CaseOutcome,
    rule: &str,
) -> Option<pizzastack::runner::Verdict> {
    outcome
        .rule_checks
        .iter()
        .find(|c| c.id == rule)
        .map(|c| c.verdict)
}

/// Sends `bytes` on a fresh connection and reads until the server closes
/// it or `wait` passes; returns what was read and whether it closed.
pub fn exchange_raw(addr: SocketAddr, bytes: &[u8], wait: Duration) -> (String, bool) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(bytes).unwrap();
    read_until_closed(&mut stream, wait)
}

/// Reads until the server closes the connection or `wait` passes;
/// returns what was read and whether it closed.
pub fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> (String, bool) {
    let deadline = Instant::now() + wait;
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (String::from_utf8_lossy(&received).into_owned(), false);
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&received).into_owned(), true)
            }
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), false),
        }
    }
}
