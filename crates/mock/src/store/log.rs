//! The session log as JSON (LOG-001), from whichever store holds it.

use std::io::Write;
use std::time::{Duration, SystemTime};

use pizzastack_spec::ids::ObjectId;

/// One object of a session and the operation that created it.
pub(super) struct LogEntry<'a> {
    /// UTF-8 JSON, as the response that announced the object carried it.
    pub json: &'a [u8],
    pub id: ObjectId,
    /// When the operation took effect, in milliseconds since the Unix epoch.
    pub created_ms: u64,
}

/// The log as JSON bytes: the stored objects are copied in as they are,
/// since they are serde_json's output and need no re-encoding or checking.
/// `entries` is walked twice (objects, then operations), in creation order.
pub(super) fn render<'a, I>(session_id: &str, entries: I) -> Vec<u8>
where
    I: Iterator<Item = LogEntry<'a>> + Clone,
{
    // Sized up front: the log of a large session is hundreds of kilobytes,
    // and growing the buffer by doubling would copy it several times.
    let size: usize = entries
        .clone()
        .map(|e| e.json.len() + 1 + OPERATION_BYTES + e.id.kind().endpoint().len())
        .sum();
    let mut out = Vec::with_capacity(64 + session_id.len() * 6 + size);
    out.extend_from_slice(b"{\"session_id\":");
    out.extend_from_slice(json_string(session_id).as_bytes());
    out.extend_from_slice(b",\"objects\":[");
    for (i, entry) in entries.clone().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(entry.json);
    }
    out.extend_from_slice(b"],\"operations\":[");
    for (i, entry) in entries.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(entry.created_ms);
        // Endpoints and IDs are ASCII without quotes or backslashes, and
        // the timestamp is digits and separators: nothing to escape.
        let _ = write!(
            out,
            "{{\"timestamp\":\"{}\",\"endpoint\":\"{}\",\"result_id\":\"{}\"}}",
            humantime::format_rfc3339_millis(at),
            entry.id.kind().endpoint(),
            entry.id.text().as_str(),
        );
    }
    out.extend_from_slice(b"]}");
    out
}

/// Bytes of one operation in the log besides its endpoint: the field names
/// and punctuation, a 24-character timestamp and a 16-character ID.
const OPERATION_BYTES: usize = 64 + 24 + 16;

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}
