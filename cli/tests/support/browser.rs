//! A headless Chromium driven over the DevTools protocol: open a page,
//! evaluate JavaScript against its real layout, move the mouse, take a
//! screenshot. Every wait is bounded, and the browser is killed when the
//! handle is dropped. `.ci/setup` installs Debian's `chromium` when it is missing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// How long any one step may take: a reply, a page load.
const TIMEOUT: Duration = Duration::from_secs(30);
/// How long the browser may take to listen: a first start with a fresh
/// profile on a loaded 2-core machine has taken more than 30 s.
const START_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Browser {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// Every event received so far, in order.
    pub events: Vec<Value>,
    /// Dropped last: kills the browser.
    _guard: Guard,
}

fn chromium() -> PathBuf {
    crate::support::installed::program("chromium", "chromium")
}

impl Browser {
    /// Starts a headless browser with a fresh profile, `width` x `height`.
    pub fn start(width: u32, height: u32) -> Browser {
        let profile =
            std::env::temp_dir().join(format!("caseflow-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&profile).unwrap();
        let log = std::fs::File::create(profile.join("chromium.log")).unwrap();
        let child = Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-extensions",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                &format!("--window-size={width},{height}"),
                &format!("--user-data-dir={}", profile.display()),
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("chromium starts");
        // Killed and its profile removed from here on, whatever fails.
        let mut guard = Guard {
            child: Some(child),
            profile,
        };
        let port = guard.wait_for_port();
        let url = page_socket_url(port, &mut guard);
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        let (socket, _) = tungstenite::client(url.as_str(), stream).expect("DevTools websocket");
        Browser {
            socket,
            next_id: 0,
            events: Vec::new(),
            _guard: guard,
        }
    }

    /// Calls a DevTools method and returns its result; events that arrive
    /// meanwhile are kept in [`events`](Self::events).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let request = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::text(request.to_string()))
            .expect("send to the browser");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline, method);
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
        }
    }

    /// Waits for an event named `method` received after the first `after` events.
    pub fn wait_for(&mut self, method: &str, after: usize) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(e) = self.events[after.min(self.events.len())..]
                .iter()
                .find(|e| e["method"] == method)
            {
                return e.clone();
            }
            self.receive(deadline, method);
        }
    }

    fn receive(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        assert!(
            Instant::now() < deadline,
            "no answer to {waiting_for} within {TIMEOUT:?}"
        );
        let message = match self.socket.read() {
            Ok(Message::Text(text)) => serde_json::from_str::<Value>(&text).unwrap(),
            Ok(_) => return Value::Null,
            Err(e) => panic!("reading from the browser, waiting for {waiting_for}: {e}"),
        };
        if message.get("method").is_some() {
            self.events.push(message.clone());
        }
        message
    }

    /// Opens a page and waits until it has loaded.
    pub fn open(&mut self, url: &str) {
        let before = self.events.len();
        let result = self.call("Page.navigate", json!({ "url": url }));
        assert!(result.get("errorText").is_none(), "{url}: {result}");
        self.wait_for("Page.loadEventFired", before);
    }

    /// The value of a JavaScript expression (JSON-serialisable).
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        if let Some(e) = result.get("exceptionDetails") {
            panic!("{expression}\nthrew: {e}");
        }
        result["result"]["value"].clone()
    }

    /// Moves the mouse to a point of the viewport.
    pub fn hover(&mut self, x: f64, y: f64) {
        self.call(
            "Input.dispatchMouseEvent",
            json!({ "type": "mouseMoved", "x": x, "y": y }),
        );
    }

    /// A PNG of the whole page (beyond the window), written to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        let size = self
            .eval("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]");
        let shot = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1 },
            }),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .unwrap();
        std::fs::write(path, png).unwrap();
    }
}

/// Kills the browser and removes its profile when dropped.
struct Guard {
    child: Option<Child>,
    profile: PathBuf,
}

impl Guard {
    fn log(&self) -> String {
        std::fs::read_to_string(self.profile.join("chromium.log")).unwrap_or_default()
    }

    /// The DevTools port, which the browser writes to its profile once it listens.
    fn wait_for_port(&mut self) -> u16 {
        let file = self.profile.join("DevToolsActivePort");
        let started = Instant::now();
        loop {
            if let Some(port) = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
            {
                return port;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!(
                    "chromium exited ({status}) before listening:\n{}",
                    self.log()
                );
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "chromium did not listen within {START_TIMEOUT:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The websocket URL of the browser's page, from `GET /json/list`.
fn page_socket_url(port: u16, guard: &mut Guard) -> String {
    let started = Instant::now();
    loop {
        // Early on the server may close before answering: asked again.
        let list = http_get(port, "/json/list").unwrap_or_else(|e| e.to_string());
        if let Some(url) = serde_json::from_str::<Value>(&list)
            .ok()
            .and_then(|targets| {
                targets
                    .as_array()?
                    .iter()
                    .find_map(|t| {
                        (t["type"] == "page").then(|| t["webSocketDebuggerUrl"].as_str())?
                    })
                    .map(str::to_string)
            })
        {
            return url;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "no page in /json/list: {list}\n{}",
            guard.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The body of a plain HTTP GET to the DevTools server, which keeps the
/// connection open: read up to its `Content-Length`.
fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            });
            if length.is_some_and(|n| body.len() >= n) {
                return Ok(body.to_string());
            }
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        response.extend_from_slice(&chunk[..n]);
    }
}
