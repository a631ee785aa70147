//! The runner's HTTP side: the client it builds, one request sent and its
//! answer read (bounded by `--max-body`), and why a request got no answer,
//! classified once from the error's types (reqwest's kinds, rustls's
//! errors, `io::ErrorKind`), never from its text.

use std::time::Duration;

use super::outcome::{ReceivedResponse, SentRequest};
use super::target::Target;

/// The HTTP client of the runner: `http://` and `https://` (rustls with
/// the ring provider, the system's root certificates), no redirects
/// followed, since a redirect is itself an answer to check.
///
/// `extra_roots` is a PEM bundle of further CA certificates to trust, for
/// targets behind a private CA (`check --ca-cert`).
///
/// # Errors
/// When the PEM bundle does not parse or no TLS configuration can be built.
pub fn http_client_trusting(extra_roots: Option<&[u8]>) -> Result<reqwest::Client, ClientError> {
    // Installing twice is harmless; the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = extra_roots {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(ClientError::NotPem)?;
        if certs.is_empty() {
            return Err(ClientError::NoCertificate);
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(ClientError::Build)
}

/// Why no HTTP client could be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The CA file does not parse as PEM.
    #[error("the CA certificate file is not a PEM bundle: {0}")]
    NotPem(reqwest::Error),
    /// The CA file parses but holds no certificate.
    #[error("the CA certificate file holds no PEM certificate")]
    NoCertificate,
    /// reqwest refused the configuration.
    #[error("cannot build an HTTP client: {0}")]
    Build(reqwest::Error),
}

/// [`http_client_trusting`] with the system's root certificates only.
///
/// # Errors
/// When no TLS configuration can be built.
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    http_client_trusting(None)
}

/// A TLS failure anywhere in `error`'s chain, in words.
pub fn tls_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::CertificateError as Cert;
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(match tls {
                rustls::Error::InvalidCertificate(certificate) => match certificate {
                    Cert::UnknownIssuer => "its certificate is signed by an authority this runner does not trust (give that CA with --ca-cert)".to_owned(),
                    Cert::Expired | Cert::ExpiredContext { .. } => "its certificate has expired".to_owned(),
                    Cert::NotValidYet | Cert::NotValidYetContext { .. } => "its certificate is not valid yet".to_owned(),
                    Cert::NotValidForName | Cert::NotValidForNameContext { .. } => {
                        "its certificate is not valid for this host name".to_owned()
                    }
                    Cert::Revoked => "its certificate is revoked".to_owned(),
                    other => format!("its certificate is not accepted ({})", printable_debug(other)),
                },
                other => other.to_string(),
            });
        }
        // An io::Error hands out its inner error's source, not the inner
        // error itself, which is where tokio-rustls keeps the rustls error.
        cause = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    None
}

/// A value's debug form without rustls's nesting, e.g. `CaUsedAsEndEntity`
/// for `Other(OtherError(CaUsedAsEndEntity))`.
fn printable_debug(value: &impl std::fmt::Debug) -> String {
    let text = format!("{value:?}");
    let inner = text
        .trim_start_matches("Other(OtherError(")
        .trim_end_matches("))");
    inner.to_owned()
}

/// The innermost cause of an error chain, which is where a TLS or DNS
/// failure says what went wrong.
pub fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Sends one request and reads its answer, at most `target.max_body`.
///
/// # Errors
/// No (whole) answer, or a method HTTP does not allow.
pub async fn send(
    client: &reqwest::Client,
    target: &Target,
    sent: &SentRequest,
) -> Result<ReceivedResponse, SendError> {
    let method = reqwest::Method::from_bytes(sent.method.as_bytes())
        .map_err(|_| SendError::Method(sent.method.clone()))?;
    let mut request = client.request(method, &sent.url).timeout(target.timeout);
    for (name, value) in &sent.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &sent.body {
        request = request.body(body.clone());
    }
    let response = request
        .send()
        .await
        .map_err(|e| classify(e, &target.base_url, target.timeout))?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // Read in chunks, so that a runaway target costs at most `max_body`.
    let mut bytes = Vec::new();
    let mut response = response;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > target.max_body {
                    return Err(SendError::BodyTooLarge {
                        status,
                        limit: target.max_body,
                    });
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => {
                return Err(SendError::BodyCut {
                    status,
                    headers: headers
                        .iter()
                        .map(|(n, v)| format!("{n}: {v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    received: bytes.len(),
                    cause: root_cause(&error),
                })
            }
        }
    }
    Ok(ReceivedResponse::new(status, headers, &bytes))
}

/// Why a request got no (whole) answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The case's method is not one HTTP allows.
    #[error("`{0}` is not an HTTP method")]
    Method(String),
    /// No answer within the timeout.
    #[error("no response within {} (--timeout)", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// No connection.
    #[error("cannot connect to {base_url}: {cause}")]
    Connect {
        base_url: String,
        /// What the operating system said, by its kind.
        kind: ConnectKind,
        /// The innermost cause, where TLS and DNS say what went wrong.
        cause: String,
    },
    /// The answer's body passed `--max-body`; reading stopped there.
    #[error("HTTP {status} with a body of more than {limit} bytes (--max-body); stopped reading")]
    BodyTooLarge {
        /// The status the answer had.
        status: u16,
        limit: usize,
    },
    /// The connection ended in the middle of the answer's body.
    #[error("HTTP {status} ({headers}), then the body broke off after {received} bytes: {cause}")]
    BodyCut {
        /// The status the answer had.
        status: u16,
        /// Its headers, as received.
        headers: String,
        /// Body bytes received before the break.
        received: usize,
        /// The innermost cause.
        cause: String,
    },
    /// The TLS handshake failed.
    #[error("TLS with {base_url} failed: {why}")]
    Tls {
        base_url: String,
        /// In words, with what to do where there is something to do.
        why: String,
    },
    /// Anything else reqwest reports.
    #[error("{}", root_cause(.0))]
    Other(reqwest::Error),
}

/// Why a connection could not be made, by the `io::ErrorKind` in the
/// error's chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectKind {
    /// Nothing listens there (the port is closed).
    Refused,
    /// No route to the host or its network.
    Unreachable,
    /// Anything else: a name that does not resolve, a reset...
    Other,
}

impl ConnectKind {
    fn of(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut cause = Some(error);
        while let Some(current) = cause {
            if let Some(io) = current.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => return Self::Refused,
                    std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable => return Self::Unreachable,
                    _ => {}
                }
            }
            cause = current.source();
        }
        Self::Other
    }
}

/// The one classification of a request that got no answer: reqwest's own
/// kinds first, then rustls's errors, then the operating system's.
pub fn classify(error: reqwest::Error, base_url: &str, timeout: Duration) -> SendError {
    if error.is_timeout() {
        SendError::Timeout(timeout)
    } else if let Some(why) = tls_problem(&error) {
        SendError::Tls {
            base_url: base_url.to_owned(),
            why,
        }
    } else if error.is_connect() {
        SendError::Connect {
            base_url: base_url.to_owned(),
            kind: ConnectKind::of(&error),
            cause: root_cause(&error),
        }
    } else {
        SendError::Other(error)
    }
}
