//! The accept loop: HTTP/1.1 connections served with the limits that keep
//! slow or hostile clients from holding the mock, and a shutdown that
//! drains for a bounded time.
//!
//! axum's own `serve` has no header timeout, connection cap or drain
//! deadline, so connections are served here with hyper directly.

use std::future::Future;
use std::io;
use std::sync::Arc;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::head_deadline;
use crate::config::ConnectionLimits;

/// Serves `app` on `listener` until `shutdown` completes; then stops
/// accepting, lets open requests finish for at most the drain deadline and
/// closes whatever is still open.
pub(super) async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        // The header timeout is kept by `head_deadline`, at a lower cost.
        .header_read_timeout(None)
        .max_buf_size(MAX_HEADER_BYTES);
    let graceful = GracefulShutdown::new();
    let mut connections = tokio::task::JoinSet::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        // At the cap, wait for a connection to end before accepting: the
        // kernel's backlog holds newcomers meanwhile.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.map_err(io::Error::other)?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of descriptors, or a connection reset before it
                    // was accepted: never a reason to stop serving.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (stream, service) = head_deadline::guard(
            stream,
            TowerToHyperService::new(app.clone()),
            limits.header_timeout,
        );
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
        // Forget the connections that have ended.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_timeout) => {
            tracing::warn!(
                deadline = %humantime::format_duration(limits.shutdown_timeout),
                "connections still open at the shutdown deadline are closed"
            );
        }
    }
    connections.abort_all();
    Ok(())
}

/// The most a request's head (request line and headers) may take; hyper
/// answers a larger one with 431.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// How long to wait after a failed accept before the next.
const ACCEPT_BACKOFF: std::time::Duration = std::time::Duration::from_millis(50);
