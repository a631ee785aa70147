//! The header timeout, kept per connection by one timer that ticks four
//! times per timeout, so that a request costs no clock reading and no timer
//! operation.
//!
//! hyper's own `header_read_timeout` allocates, registers and cancels a
//! timer for every request (weighed in `benches/README.md`). Here a
//! request only stores a flag and bumps a counter; the connection is closed
//! at the fourth tick in a row that finds it waiting for a head with no
//! answer written since the tick before. A head is thus allowed between one and one and a quarter
//! timeouts.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Ticks per timeout: the closing comes at most a quarter timeout late.
const TICKS: u32 = 4;

/// Wraps one connection's stream and service so that the connection is
/// closed when a request head does not arrive whole within `timeout` of the
/// connection's start or of the last answer the mock wrote. That covers a
/// client that never finishes its head, one that trickles it, and an idle
/// keep-alive connection.
pub(super) fn guard<T, S>(
    stream: T,
    service: S,
    timeout: Duration,
) -> (DeadlineIo<T>, MarkRequests<S>) {
    let handling = Arc::new(AtomicBool::new(false));
    let tick = timeout / TICKS;
    let io = DeadlineIo {
        stream,
        handling: handling.clone(),
        tick,
        timer: Box::pin(tokio::time::sleep(tick)),
        answers: 0,
        answers_at_last_tick: 0,
        quiet_ticks: 0,
        timer_holds_waker: false,
    };
    (io, MarkRequests { service, handling })
}

/// A stream whose reads fail with `TimedOut` once a request head is late.
pub(super) struct DeadlineIo<T> {
    stream: T,
    /// Set by [`MarkRequests`] while a request is handled: then the body
    /// timeout, not this one, governs reads.
    handling: Arc<AtomicBool>,
    tick: Duration,
    timer: Pin<Box<Sleep>>,
    /// Writes of an answer so far, so that a tick can tell whether one
    /// happened since the tick before.
    answers: u64,
    answers_at_last_tick: u64,
    /// Ticks in a row that found the connection waiting for a head.
    quiet_ticks: u32,
    /// Whether the timer was polled (so holds the task's waker) since it
    /// was last reset.
    timer_holds_waker: bool,
}

impl<T> DeadlineIo<T> {
    /// Counts the ticks that have come and fails once a head is late;
    /// otherwise the timer holds the task's waker, so a read that waits is
    /// woken at the next tick.
    fn check_deadline(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        // The timer holds this connection task's waker from its last poll,
        // and the task's waker never changes: until it fires there is
        // nothing to do, and a read that waits costs one load.
        if self.timer_holds_waker && !self.timer.is_elapsed() {
            return Ok(());
        }
        self.timer_holds_waker = true;
        while self.timer.as_mut().poll(cx).is_ready() {
            let waiting =
                !self.handling.load(Ordering::Relaxed) && self.answers == self.answers_at_last_tick;
            self.answers_at_last_tick = self.answers;
            self.quiet_ticks = if waiting { self.quiet_ticks + 1 } else { 0 };
            if self.quiet_ticks >= TICKS {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no whole request head within the header timeout",
                ));
            }
            // From now, not from the tick's time: a timer polled late must
            // not make up the missed ticks in a burst.
            self.timer.as_mut().reset(Instant::now() + self.tick);
        }
        Ok(())
    }

    /// An answer (or a part of a long one) went out: the wait for the next
    /// head starts now, so a slow reader is not cut off.
    fn answer_written(&mut self) {
        self.answers += 1;
        self.handling.store(false, Ordering::Relaxed);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for DeadlineIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        if read.is_pending() {
            this.check_deadline(cx)?;
        }
        read
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for DeadlineIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            this.answer_written();
        }
        written
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            this.answer_written();
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// A connection's service, which stops the head deadline while a request
/// is handled.
pub(super) struct MarkRequests<S> {
    service: S,
    handling: Arc<AtomicBool>,
}

impl<S: hyper::service::Service<R>, R> hyper::service::Service<R> for MarkRequests<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, request: R) -> Self::Future {
        self.handling.store(true, Ordering::Relaxed);
        self.service.call(request)
    }
}
