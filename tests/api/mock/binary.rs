//! The `pizzastack` binary as a user runs it: it serves, and SIGTERM stops
//! it gracefully with exit code 0.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::helpers::*;

#[test]
fn sigterm_stops_the_server_gracefully_with_exit_code_0() {
    let ServedBinary {
        mut child,
        addr,
        stderr,
    } = start_binary(&[]);
    assert!(addr.ip().is_loopback(), "{addr}");
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
    let rest: Vec<String> = stderr.iter().collect();
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

#[test]
fn the_mock_refuses_to_deviate_from_a_rule_it_does_not_know() {
    let output = pizzastack_command()
        .args(["serve", "--listen", "127.0.0.1:0", "--deviate", "NOPE-001"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("it can switch off AUTH-001"));
}
