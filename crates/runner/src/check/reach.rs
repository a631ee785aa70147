//! Reaching the target: its URL normalized, the HTTP client (trusting
//! `--ca-cert`), a probe that it answers HTTP and accepts the key, and how
//! its sessions can be made to expire.

use std::path::Path;
use std::time::Duration;

use super::error::{CheckError, TargetError};
use super::options::CheckOptions;
use crate::runner::{classify, http_client_trusting, ConnectKind, Expiry, SendError, Target};

/// The client and the target of a run; `list` only lists, so the target
/// is neither needed nor probed.
pub(super) fn reach(
    options: &CheckOptions,
    runtime: &tokio::runtime::Runtime,
    list: bool,
) -> Result<(reqwest::Client, Target), CheckError> {
    let base_url = match &options.target {
        Some(target) => normalize_target(target)?,
        None if list => String::new(),
        None => return Err(CheckError::NoTarget),
    };
    let pem = read_ca(options.ca_cert.as_deref())?;
    let client = http_client_trusting(pem.as_deref()).map_err(|source| CheckError::Client {
        path: options.ca_cert.clone(),
        source,
    })?;
    let expiry = if list {
        Expiry::Unavailable
    } else {
        runtime.block_on(probe(&client, &base_url, &options.api_key, options.timeout))?;
        runtime.block_on(detect_expiry(
            &client,
            &base_url,
            options.timeout,
            options.session_ttl,
        ))
    };
    let target = Target {
        base_url,
        api_key: options.api_key.clone(),
        other_api_key: options.other_api_key.clone(),
        timeout: options.timeout,
        expiry,
        max_body: options.max_body,
        variables: options.cases.variables.clone(),
        waits: Default::default(),
    };
    Ok((client, target))
}

/// The `--ca-cert` bundle, if one was given.
pub(super) fn read_ca(path: Option<&Path>) -> Result<Option<Vec<u8>>, CheckError> {
    path.map(|path| {
        std::fs::read(path).map_err(|source| CheckError::CaFile {
            path: path.to_owned(),
            source,
        })
    })
    .transpose()
}

/// `http://host:port`, without a trailing `/` or `/v1`.
///
/// # Errors
/// A URL this build cannot target.
pub fn normalize_target(target: &str) -> Result<String, TargetError> {
    let trimmed = target.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/v1").unwrap_or(trimmed);
    let Some(rest) = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
    else {
        return Err(TargetError::NotHttp(target.to_owned()));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(TargetError::NoHost(target.to_owned()));
    }
    Ok(trimmed.to_owned())
}

/// Fails unless the target answers HTTP at all.
async fn probe(
    client: &reqwest::Client,
    base_url: &str,
    api_key: &str,
    timeout: Duration,
) -> Result<(), CheckError> {
    let url = format!("{base_url}/v1/session/{}/log", uuid::Uuid::new_v4());
    let answer = client
        .get(&url)
        .header("X-API-Key", api_key)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| CheckError::Unreachable {
            base_url: base_url.to_owned(),
            why: unreachable_why(classify(e, base_url, timeout)),
        })?;
    // A session unknown to a key the target accepts is a 404 (LOG-002);
    // 401 or 403 means the key itself is refused, and every case would
    // fail alike.
    let status = answer.status().as_u16();
    if matches!(status, 401 | 403) {
        return Err(CheckError::KeyRefused {
            base_url: base_url.to_owned(),
            status,
        });
    }
    Ok(())
}

/// Why the probe got no answer, in the words of `cannot reach the target`.
fn unreachable_why(error: SendError) -> String {
    match error {
        SendError::Timeout(timeout) => {
            format!("no answer within {}", humantime::format_duration(timeout))
        }
        SendError::Tls { why, .. } => format!("TLS failed: {why}"),
        SendError::Connect {
            kind: ConnectKind::Refused | ConnectKind::Unreachable,
            ..
        } => "connection refused or host unreachable".to_owned(),
        SendError::Connect { cause, .. } => cause,
        SendError::Other(error) => error.to_string(),
        other => other.to_string(),
    }
}

/// The mock's admin clock if the target has one, else the TTL the user gave.
async fn detect_expiry(
    client: &reqwest::Client,
    base_url: &str,
    timeout: Duration,
    ttl: Option<Duration>,
) -> Expiry {
    let stats = client
        .get(format!("{base_url}/__admin/stats"))
        .timeout(timeout)
        .send()
        .await;
    if let Ok(response) = stats {
        if response.status().is_success() {
            let body = response.bytes().await.unwrap_or_default();
            if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) {
                if let Some(seconds) = json
                    .get("session_ttl_seconds")
                    .and_then(serde_json::Value::as_f64)
                {
                    return Expiry::AdminClock {
                        ttl: Duration::from_secs_f64(seconds),
                    };
                }
            }
        }
    }
    ttl.map_or(Expiry::Unavailable, |ttl| Expiry::Wait { ttl })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_normalized_and_bad_ones_explained() {
        assert_eq!(
            normalize_target("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_target("http://localhost:8080/v1").unwrap(),
            "http://localhost:8080"
        );
        assert_eq!(
            normalize_target("127.0.0.1:8080"),
            Err(TargetError::NotHttp("127.0.0.1:8080".to_owned()))
        );
        assert_eq!(
            normalize_target("https://api.example/v1/").unwrap(),
            "https://api.example"
        );
        assert!(normalize_target("http://").is_err());
    }
}
