//! A small HTTP proxy between hcprov and the emulator, on loopback only. A
//! rule decides per request whether to forward it or answer with a fault.
//! One request per connection (the answers say `Connection: close`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the proxy saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Request line and headers, as text.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Seen {
    /// True when the head or body mentions `needle` (an `X-Amz-Target`, an
    /// `Action=` of the query protocol, a path).
    pub fn mentions(&self, needle: &str) -> bool {
        self.head.contains(needle) || String::from_utf8_lossy(&self.body).contains(needle)
    }

    /// The AWS service the request is signed for (from the SigV4
    /// credential scope `.../region/SERVICE/aws4_request`).
    pub fn service(&self) -> String {
        self.head
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').nth(3))
            .unwrap_or("unknown")
            .to_string()
    }
}

/// Extra latency for each request.
pub type Delay = Arc<dyn Fn(&Seen) -> Duration + Send + Sync>;

/// A canned answer.
pub struct Fault {
    /// HTTP status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: String,
}

impl Fault {
    /// An AWS JSON-protocol error with `__type` = `code`.
    pub fn json_error(status: u16, code: &str, message: &str) -> Fault {
        Fault {
            status,
            headers: vec![
                ("content-type".into(), "application/x-amz-json-1.1".into()),
                ("x-amzn-errortype".into(), code.into()),
            ],
            body: serde_json::json!({"__type": code, "message": message}).to_string(),
        }
    }
}

/// Decides each request's fate: `None` forwards it.
pub type Rule = Arc<dyn Fn(&Seen) -> Option<Fault> + Send + Sync>;

/// A running proxy; stops accepting when dropped.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Requests answered with a fault.
    pub faults: Arc<AtomicUsize>,
    /// Every request: when it arrived and its service.
    pub log: Arc<Mutex<Vec<(Instant, String)>>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str, rule: Rule) -> Proxy {
        Proxy::start_with(upstream, rule, Arc::new(|_| Duration::ZERO))
    }

    /// Starts a proxy that also delays each request by `delay`.
    pub fn start_with(upstream: &str, rule: Rule, delay: Delay) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let up = upstream.trim_start_matches("http://").to_string();
        assert!(
            up.starts_with("127.0.0.1:"),
            "the proxy only ever talks to loopback"
        );
        let faults = Arc::new(AtomicUsize::new(0));
        let log = Arc::new(Mutex::new(vec![]));
        let stop = Arc::new(AtomicBool::new(false));
        let (f, s, l) = (faults.clone(), stop.clone(), log.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (rule, delay, up, f, l) = (
                    rule.clone(),
                    delay.clone(),
                    up.clone(),
                    f.clone(),
                    l.clone(),
                );
                std::thread::spawn(move || {
                    let _ = serve(conn, &up, &rule, &delay, &f, &l);
                });
            }
        });
        Proxy {
            url,
            faults,
            log,
            stop,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn serve(
    client: TcpStream,
    upstream: &str,
    rule: &Rule,
    delay: &Delay,
    faults: &AtomicUsize,
    log: &Mutex<Vec<(Instant, String)>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let len = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let seen = Seen { head, body };
    log.lock().unwrap().push((Instant::now(), seen.service()));
    let d = delay(&seen);
    if !d.is_zero() {
        std::thread::sleep(d);
    }
    let mut client = client;
    if let Some(fault) = rule(&seen) {
        faults.fetch_add(1, Ordering::SeqCst);
        let mut out = format!(
            "HTTP/1.1 {} Fault\r\ncontent-length: {}\r\nconnection: close\r\n",
            fault.status,
            fault.body.len()
        );
        for (k, v) in &fault.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        client.write_all(out.as_bytes())?;
        client.write_all(fault.body.as_bytes())?;
        return Ok(());
    }
    // Forward with `Connection: close` so the upstream ends the response.
    let mut up = TcpStream::connect(upstream)?;
    let head: String = seen
        .head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect();
    up.write_all(head.as_bytes())?;
    up.write_all(b"connection: close\r\n\r\n")?;
    up.write_all(&seen.body)?;
    let mut response = vec![];
    up.read_to_end(&mut response)?;
    client.write_all(&response)
}
