//! The `pizzastack` binary as a user runs it: it serves, and SIGTERM stops
//! it gracefully with exit code 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn sigterm_stops_the_server_gracefully_with_exit_code_0() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pizzastack"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("PIZZASTACK_API_KEYS")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("listening on"))
        .expect("the server says where it listens");
    assert!(listening.contains("http://127.0.0.1:"), "{listening}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop within 10 s of SIGTERM"
        );
        std::thread::yield_now();
    };
    assert_eq!(exit.code(), Some(0));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("shutting down gracefully")),
        "{rest:?}"
    );
}

#[test]
fn help_lists_both_commands() {
    let output = Command::new(env!("CARGO_BIN_EXE_pizzastack"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("serve") && text.contains("check"), "{text}");
}
