//! `check` against an https target: the mock served over TLS with a
//! certificate from a private CA made here. With `--ca-cert` the suite runs;
//! without it the run stops with the TLS reason.

use std::io;
use std::sync::Arc;

use pizzastack::config::ServeConfig;
use pizzastack::server::{router, AppState};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            // A failed handshake (a client that does not trust us) is that
            // client's problem; keep serving the others.
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// A CA certificate (PEM) and a server config for `localhost` signed by it.
fn private_ca() -> (String, ServerConfig) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(leaf.der().to_vec())], key)
        .unwrap();
    (ca_cert.pem(), config)
}

#[tokio::test(flavor = "multi_thread")]
async fn check_runs_over_https_with_the_ca_given_and_explains_why_not_without() {
    // Installs the process's crypto provider, as check does.
    pizzastack::runner::http_client().unwrap();
    let (ca_pem, server_config) = private_ca();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = tcp.local_addr().unwrap().port();
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(Arc::new(server_config)),
    };
    let state = AppState::new(&ServeConfig::default()).unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await });

    let dir = std::env::temp_dir().join(format!("pizzastack-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let target = format!("https://localhost:{port}");
    let run = |with_ca: bool| {
        let (target, ca_file) = (target.clone(), ca_file.clone());
        tokio::task::spawn_blocking(move || {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pizzastack"));
            command.args(["check", "--target", &target, "tomato/acquire"]);
            if with_ca {
                command.arg("--ca-cert").arg(&ca_file);
            }
            command.output().unwrap()
        })
    };
    let trusted = run(true).await.unwrap();
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    assert_eq!(
        trusted.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(
        stdout.contains("conformance: 1 passed, 0 failed, 0 skipped"),
        "{stdout}"
    );
    let untrusted = run(false).await.unwrap();
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(2), "{stderr}");
    // One line, in words, saying what to do; no library's log lines.
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot reach the target")
            && stderr.contains("TLS failed: its certificate is signed by an authority this runner does not trust (give that CA with --ca-cert)"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
