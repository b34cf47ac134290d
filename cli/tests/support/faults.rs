//! A misbehaving HTTP/1.1 server on 127.0.0.1, written on raw TCP so it can
//! do what well-behaved servers cannot: reset connections, cut bodies short,
//! stall. Every request is logged as `METHOD /path?query` when it arrives.
//!
//! Routes (any method):
//! - `/create/{name}`: 201 `{"id": name}`
//! - `/items/{id}`: 200 `{"id": id}` (204 for DELETE)
//! - `/flaky/{key}/{fails}/{code}`: `code` for the first `fails` calls of
//!   `key` (with `Retry-After: N` for `?retry_after=N`), then 200
//! - `/reset`: the connection is reset once the request is read
//! - `/truncate`: announces 1000 bytes of JSON, sends 7, closes
//! - `/html`: 200 with an HTML page (for steps that expect JSON)
//! - `/big/{bytes}`: a body of that size (`?chunked=1`: no Content-Length)
//! - `/poll`: 200 `{"status": "PENDING"}`
//! - `?stall=MS` on any route: wait that long (at most 30 s) first

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct FaultServer {
    pub base: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl FaultServer {
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.starts_with(prefix))
            .count()
    }

    /// Waits (at most `limit`) until a request starting with `prefix` arrived.
    pub fn wait_for(&self, prefix: &str, limit: Duration) -> bool {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            if self.count(prefix) > 0 {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

/// Starts the server on a runtime thread of its own, so a test can block on
/// a child process while it serves.
pub fn start() -> FaultServer {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let log: Arc<Mutex<Vec<String>>> = Arc::default();
            let counters: Arc<Mutex<std::collections::HashMap<String, u32>>> = Arc::default();
            tx.send(FaultServer {
                base,
                log: log.clone(),
            })
            .unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (log, counters) = (log.clone(), counters.clone());
                tokio::spawn(async move {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(40), serve(stream, log, counters))
                            .await;
                });
            }
        });
    });
    rx.recv().unwrap()
}

type Counters = Arc<Mutex<std::collections::HashMap<String, u32>>>;

async fn serve(mut stream: TcpStream, log: Arc<Mutex<Vec<String>>>, counters: Counters) {
    let Some((method, target)) = read_request(&mut stream).await else {
        return;
    };
    log.lock().unwrap().push(format!("{method} {target}"));
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_string)
    };
    if let Some(ms) = param("stall").and_then(|v| v.parse::<u64>().ok()) {
        tokio::time::sleep(Duration::from_millis(ms.min(30_000))).await;
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["create", name] => {
            respond(&mut stream, 201, &[], &format!(r#"{{"id":"{name}"}}"#)).await;
        }
        ["items", _] if method == "DELETE" => respond(&mut stream, 204, &[], "").await,
        ["items", id] => respond(&mut stream, 200, &[], &format!(r#"{{"id":"{id}"}}"#)).await,
        ["flaky", key, fails, code] => {
            let n = {
                let mut c = counters.lock().unwrap();
                let n = c.entry(key.to_string()).or_default();
                *n += 1;
                *n
            };
            let fails: u32 = fails.parse().unwrap_or(0);
            let code: u16 = code.parse().unwrap_or(500);
            if n <= fails {
                let mut headers = Vec::new();
                let after = param("retry_after");
                if let Some(after) = &after {
                    headers.push(("Retry-After", after.as_str()));
                }
                respond(&mut stream, code, &headers, r#"{"error":"try later"}"#).await;
            } else {
                respond(
                    &mut stream,
                    200,
                    &[],
                    &format!(r#"{{"ok":true,"calls":{n}}}"#),
                )
                .await;
            }
        }
        ["reset"] => {
            // Linger 0: closing sends a RST instead of a FIN, at once (the
            // deprecation is about a non-zero linger blocking on drop).
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        ["truncate"] => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"id\":\"";
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        ["html"] => {
            let page = "<html><body><h1>Service maintenance</h1></body></html>";
            respond(&mut stream, 200, &[("Content-Type", "text/html")], page).await;
        }
        ["big", bytes] => {
            let n: usize = bytes.parse().unwrap_or(0);
            let chunked = param("chunked").is_some();
            big(&mut stream, n, chunked).await;
        }
        ["poll"] => respond(&mut stream, 200, &[], r#"{"status":"PENDING"}"#).await,
        _ => respond(&mut stream, 404, &[], r#"{"error":"no such route"}"#).await,
    }
}

/// The request line's method and target; the body is read and dropped.
async fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf.len() - end;
    while body < length.min(1 << 20) {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body += n;
    }
    let mut line = head.lines().next()?.split(' ');
    Some((line.next()?.to_string(), line.next()?.to_string()))
}

async fn respond(stream: &mut TcpStream, code: u16, headers: &[(&str, &str)], body: &str) {
    let mut text = format!("HTTP/1.1 {code} {}\r\n", reason(code));
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        && !body.is_empty()
    {
        text.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let _ = stream.write_all(text.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn big(stream: &mut TcpStream, n: usize, chunked: bool) {
    let mut head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n".to_string();
    if chunked {
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
    } else {
        head.push_str(&format!("Content-Length: {n}\r\n\r\n"));
    }
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let block = vec![b'a'; 64 * 1024];
    let mut left = n;
    while left > 0 {
        let k = left.min(block.len());
        let sent = if chunked {
            let mut piece = format!("{k:x}\r\n").into_bytes();
            piece.extend_from_slice(&block[..k]);
            piece.extend_from_slice(b"\r\n");
            stream.write_all(&piece).await
        } else {
            stream.write_all(&block[..k]).await
        };
        if sent.is_err() {
            return;
        }
        left -= k;
    }
    if chunked {
        let _ = stream.write_all(b"0\r\n\r\n").await;
    }
    let _ = stream.shutdown().await;
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
