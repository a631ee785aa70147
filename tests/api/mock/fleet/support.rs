//! What the fleet tests run on: a real `redis-server`, replicas that can
//! be stopped, and a round-robin balancer with no affinity.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use pizzastack::config::ServeConfig;
use pizzastack::server::{run, AppState};

use crate::helpers::*;

/// A `redis-server` of its own, on a free loopback port, without
/// persistence; stopped when dropped.
pub struct Redis {
    port: u16,
    child: Option<std::process::Child>,
    binary: &'static std::path::Path,
}

impl Redis {
    /// Starts one, or `None` (the test then skips, saying why) where
    /// `redis-server` is neither installed nor installable.
    pub fn start(test: &str) -> Option<Self> {
        let binary = system_command_or_skip(test, &["redis-server"], "redis-server")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut redis = Self {
            port,
            child: None,
            binary,
        };
        redis.restart();
        Some(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server again on the same port (empty: no persistence).
    pub fn restart(&mut self) {
        self.stop();
        let child = std::process::Command::new(self.binary)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One replica, as a process would run: its own state, on its own port,
/// stopped by dropping it.
pub struct Replica {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Replica {
    pub async fn start(config: ServeConfig) -> Self {
        config.validate().expect("test config is valid");
        let state = AppState::new(&config).expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(run(listener, state, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            stop: Some(stop),
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A client talking to one replica directly.
pub fn direct(replica: &Replica) -> TestApp {
    TestApp {
        addr: replica.addr,
        client: pizzastack::runner::http_client().unwrap(),
    }
}

/// A fleet's configuration: both keys, admin on, sessions in `redis`.
pub fn replica_config(redis: &Redis) -> ServeConfig {
    ServeConfig {
        api_keys: vec![KEY.into(), OTHER_KEY.into()],
        admin: true,
        store: Some(redis.url().parse().unwrap()),
        ..ServeConfig::default()
    }
}

/// A balancer that sends each request to the next replica in turn, on
/// its own connection choice: no affinity of any kind.
pub struct RoundRobin {
    pub app: TestApp,
    /// Requests each backend got.
    pub counts: Arc<Vec<AtomicUsize>>,
}

struct Balancer {
    backends: Vec<SocketAddr>,
    next: AtomicUsize,
    counts: Arc<Vec<AtomicUsize>>,
    client: reqwest::Client,
}

impl RoundRobin {
    pub async fn over(backends: &[SocketAddr]) -> Self {
        let counts: Arc<Vec<AtomicUsize>> =
            Arc::new(backends.iter().map(|_| AtomicUsize::new(0)).collect());
        let balancer = Arc::new(Balancer {
            backends: backends.to_vec(),
            next: AtomicUsize::new(0),
            counts: counts.clone(),
            client: pizzastack::runner::http_client().unwrap(),
        });
        let router = axum::Router::new().fallback(forward).with_state(balancer);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            app: TestApp {
                addr,
                client: pizzastack::runner::http_client().unwrap(),
            },
            counts,
        }
    }
}

async fn forward(State(balancer): State<Arc<Balancer>>, request: Request) -> Response {
    let turn = balancer.next.fetch_add(1, Ordering::Relaxed) % balancer.backends.len();
    balancer.counts[turn].fetch_add(1, Ordering::Relaxed);
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let url = format!(
        "http://{}{}",
        balancer.backends[turn],
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut headers = parts.headers;
    for hop in ["host", "connection", "content-length", "transfer-encoding"] {
        headers.remove(hop);
    }
    let answer = balancer
        .client
        .request(parts.method, url)
        .headers(headers)
        .body(body)
        .send()
        .await;
    let Ok(answer) = answer else {
        return Response::builder().status(502).body(Body::empty()).unwrap();
    };
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if !matches!(
            name.as_str(),
            "connection" | "content-length" | "transfer-encoding"
        ) {
            response = response.header(name, value);
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(body)).unwrap()
}
