//! A small HTTP proxy between hcprov and the emulator, on loopback only. A
//! rule decides per request whether to forward it or answer with a fault:
//! a throttling error or 503 in the service's own shape, or a dropped
//! connection; a delay adds latency.
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

    /// The region the request is signed for (from the SigV4 credential
    /// scope `.../REGION/service/aws4_request`).
    pub fn region(&self) -> String {
        self.head
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').nth(2))
            .unwrap_or("unknown")
            .to_string()
    }

    /// The SDK's attempt number for this call (`amz-sdk-request: attempt=N`).
    pub fn attempt(&self) -> u32 {
        self.head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("amz-sdk-request:"))
            .and_then(|l| l.split("attempt=").nth(1))
            .and_then(|a| a.split(';').next())
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or(1)
    }

    /// A short name of the operation: the JSON protocol's target, the
    /// query protocol's `Action`, or the request line.
    pub fn operation(&self) -> String {
        let head = self.head.to_ascii_lowercase();
        if let Some(t) = head.lines().find_map(|l| l.strip_prefix("x-amz-target:")) {
            let at = head.find(t).unwrap_or(0);
            return self.head[at..at + t.len()].trim().to_string();
        }
        let body = String::from_utf8_lossy(&self.body);
        if let Some(a) = body.split('&').find_map(|p| p.strip_prefix("Action=")) {
            return a.to_string();
        }
        let line = self.head.lines().next().unwrap_or_default();
        line.rsplit_once(' ')
            .map_or(line, |(l, _)| l)
            .chars()
            .take(80)
            .collect()
    }

    fn is_json_protocol(&self) -> bool {
        self.head.to_ascii_lowercase().contains("\nx-amz-target:")
    }
}

/// Extra latency for each request.
pub type Delay = Arc<dyn Fn(&Seen) -> Duration + Send + Sync>;

/// The request id of every answer the proxy makes up.
pub const PROXY_REQUEST_ID: &str = "proxy-req-4f2a";

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

impl Fault {
    fn xml(status: u16, body: String) -> Fault {
        Fault {
            status,
            headers: vec![("content-type".into(), "text/xml".into())],
            body,
        }
    }

    /// An error in the shape the request's service uses: EC2's
    /// `<Response><Errors>` (any status), the query protocol's
    /// `<ErrorResponse>` (IAM, STS, CloudWatch, SNS), S3's `<Error>`, the
    /// JSON protocol's `__type` (KMS, Logs, DynamoDB, EventBridge,
    /// CloudTrail), and REST-JSON's `x-amzn-ErrorType` (Lambda, API Gateway,
    /// Backup).
    pub fn shaped(seen: &Seen, status: u16, code: &str, message: &str) -> Fault {
        let mut f = Fault::shaped_body(seen, status, code, message);
        // The request id every AWS answer carries, in both header spellings.
        f.headers
            .push(("x-amzn-requestid".into(), PROXY_REQUEST_ID.into()));
        f.headers
            .push(("x-amz-request-id".into(), PROXY_REQUEST_ID.into()));
        f
    }

    fn shaped_body(seen: &Seen, status: u16, code: &str, message: &str) -> Fault {
        let service = seen.service();
        match service.as_str() {
            "ec2" => Fault::xml(
                status,
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{PROXY_REQUEST_ID}</RequestID></Response>"
                ),
            ),
            "iam" | "sts" | "monitoring" | "sns" => Fault::xml(
                status,
                format!(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{PROXY_REQUEST_ID}</RequestId></ErrorResponse>"
                ),
            ),
            "s3" => Fault::xml(
                status,
                format!("<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{PROXY_REQUEST_ID}</RequestId></Error>"),
            ),
            _ if seen.is_json_protocol() => Fault::json_error(status, code, message),
            _ => Fault {
                status,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("x-amzn-errortype".into(), code.into()),
                ],
                body: serde_json::json!({ "message": message }).to_string(),
            },
        }
    }

    /// The throttling error each service really sends: EC2
    /// `RequestLimitExceeded` (503), query `Throttling` (400), S3 `SlowDown`
    /// (503), JSON `ThrottlingException` (400), REST-JSON
    /// `TooManyRequestsException` (429).
    pub fn throttle(seen: &Seen) -> Fault {
        let (status, code) = match seen.service().as_str() {
            "ec2" => (503, "RequestLimitExceeded"),
            "iam" | "sts" | "monitoring" | "sns" => (400, "Throttling"),
            "s3" => (503, "SlowDown"),
            _ if seen.is_json_protocol() => (400, "ThrottlingException"),
            _ => (429, "TooManyRequestsException"),
        };
        Fault::shaped(seen, status, code, "Rate exceeded")
    }

    /// A 503 in the service's shape.
    pub fn unavailable(seen: &Seen) -> Fault {
        let code = match seen.service().as_str() {
            "ec2" => "Unavailable",
            "iam" | "sts" | "monitoring" | "sns" | "s3" => "ServiceUnavailable",
            _ => "ServiceUnavailableException",
        };
        Fault::shaped(seen, 503, code, "Service unavailable, try again")
    }

    /// No answer at all: the connection is closed after the request is read.
    pub fn drop_connection() -> Fault {
        Fault {
            status: 0,
            headers: vec![],
            body: String::new(),
        }
    }
}

/// What a [`chaos`] rule did.
#[derive(Debug, Default, Clone)]
pub struct ChaosCounts {
    /// Requests seen.
    pub requests: usize,
    /// Answered with the service's throttling error.
    pub throttled: usize,
    /// Answered with a 503.
    pub unavailable: usize,
    /// Connections dropped without an answer.
    pub dropped: usize,
    /// Throttles per service.
    pub throttled_by_service: std::collections::BTreeMap<String, usize>,
    /// Every service that was called.
    pub services: std::collections::BTreeSet<String>,
}

/// A rule that answers shares of the requests with throttling errors, 503s
/// and dropped connections, spread evenly through the run (error diffusion:
/// after N requests, about `share * N` of each kind were answered so). A
/// call's attempt number `max_faulted_attempt + 1` and later always go
/// through, so no call exhausts the SDK's attempts: the test is about
/// hcprov's handling of faults, not about the tail of a random draw.
pub fn chaos(
    throttle: f64,
    unavailable: f64,
    dropped: f64,
    max_faulted_attempt: u32,
) -> (Rule, Arc<Mutex<ChaosCounts>>) {
    let counts = Arc::new(Mutex::new(ChaosCounts::default()));
    // Per-mille accumulators: exact, where adding 0.3 in floating point is not.
    let share = [throttle, unavailable, dropped].map(|x| (x * 1000.0).round() as i32);
    let acc = Arc::new(Mutex::new([0i32; 3]));
    let c = counts.clone();
    let rule: Rule = Arc::new(move |seen: &Seen| {
        let mut a = acc.lock().unwrap();
        let mut n = c.lock().unwrap();
        n.requests += 1;
        n.services.insert(seen.service());
        for i in 0..3 {
            a[i] += share[i];
        }
        if seen.attempt() > max_faulted_attempt {
            return None;
        }
        // The first request to each service is always throttled, so every
        // service's own error shape is exercised whatever order the calls
        // come in; it is charged to the share (the accumulator may go
        // below zero), so the total stays at the share asked for.
        let first = !n.throttled_by_service.contains_key(&seen.service());
        if a[0] >= 1000 || (first && share[0] > 0) {
            a[0] -= 1000;
            n.throttled += 1;
            *n.throttled_by_service.entry(seen.service()).or_insert(0) += 1;
            return Some(Fault::throttle(seen));
        }
        if a[1] >= 1000 {
            a[1] -= 1000;
            n.unavailable += 1;
            return Some(Fault::unavailable(seen));
        }
        if a[2] >= 1000 {
            a[2] -= 1000;
            n.dropped += 1;
            return Some(Fault::drop_connection());
        }
        None
    });
    (rule, counts)
}

/// Where a request is when a [`Tap`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Read from hcprov, not yet forwarded.
    Arrived,
    /// The emulator answered; the answer is not yet relayed to hcprov.
    Answered,
}

/// Sees every forwarded request (numbered from 1 in arrival order) at each
/// phase; returning false at `Arrived` drops it unforwarded.
pub type Tap = Arc<dyn Fn(usize, &Seen, Phase) -> bool + Send + Sync>;

/// A forwarded request's number in the log (from 1), when its answer went
/// back, and its operation.
pub type Answered = (usize, Instant, String);

/// Where [`serve`] notes each request: on arrival (`log`) and once answered.
type Logs<'a> = (&'a Mutex<Vec<(Instant, String)>>, &'a Mutex<Vec<Answered>>);

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
    /// Forwarded requests: their number in `log` (from 1), when their
    /// answer went back to hcprov, and the operation.
    pub answered: Arc<Mutex<Vec<Answered>>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str, rule: Rule) -> Proxy {
        Proxy::start_with(upstream, rule, Arc::new(|_| Duration::ZERO))
    }

    /// Starts a proxy that also delays each request by `delay`.
    pub fn start_with(upstream: &str, rule: Rule, delay: Delay) -> Proxy {
        Proxy::start_tapped(upstream, rule, delay, Arc::new(|_, _, _| true))
    }

    /// Starts a proxy whose `tap` sees each request before it is forwarded
    /// and after the emulator answered it.
    pub fn start_tapped(upstream: &str, rule: Rule, delay: Delay, tap: Tap) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let up = upstream.trim_start_matches("http://").to_string();
        assert!(
            up.starts_with("127.0.0.1:"),
            "the proxy only ever talks to loopback"
        );
        let faults = Arc::new(AtomicUsize::new(0));
        let log = Arc::new(Mutex::new(vec![]));
        let answered = Arc::new(Mutex::new(vec![]));
        let stop = Arc::new(AtomicBool::new(false));
        let (f, s, l, a) = (faults.clone(), stop.clone(), log.clone(), answered.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (rule, delay, tap, up, f, l, a) = (
                    rule.clone(),
                    delay.clone(),
                    tap.clone(),
                    up.clone(),
                    f.clone(),
                    l.clone(),
                    a.clone(),
                );
                std::thread::spawn(move || {
                    let _ = serve(conn, &up, &rule, &delay, &tap, &f, (&l, &a));
                });
            }
        });
        Proxy {
            url,
            faults,
            log,
            answered,
            stop,
        }
    }
}

impl Proxy {
    /// The round trips of the forwarded calls after the first `mark`: the
    /// longest chain of calls each sent after the one before it was
    /// answered (so however slow the emulator is, calls sent together
    /// count once), as the chain's operations, and the span from the first
    /// call sent to the last answered, in ms.
    pub fn round_trips(&self, mark: usize) -> (Vec<String>, f64) {
        let sent: Vec<Instant> = self.log.lock().unwrap().iter().map(|(t, _)| *t).collect();
        let done: std::collections::HashMap<usize, (Instant, String)> = self
            .answered
            .lock()
            .unwrap()
            .iter()
            .map(|(i, t, op)| (*i, (*t, op.clone())))
            .collect();
        // (sent, answered, operation) of each call after the mark, by time sent.
        let calls: Vec<(Instant, Instant, String)> = (mark + 1..=sent.len())
            .filter_map(|i| {
                let (t, op) = done.get(&i)?;
                Some((sent[i - 1], *t, op.clone()))
            })
            .collect();
        // The longest chain ending at each call, and the call before it.
        let mut depth: Vec<(usize, Option<usize>)> = vec![(0, None); calls.len()];
        for i in 0..calls.len() {
            depth[i] = (0..i)
                .filter(|&j| calls[j].1 <= calls[i].0)
                .map(|j| (depth[j].0 + 1, Some(j)))
                .max_by_key(|d| d.0)
                .unwrap_or((1, None));
        }
        let mut chain = vec![];
        let mut at = (0..calls.len()).max_by_key(|&i| depth[i].0);
        while let Some(i) = at {
            chain.push(calls[i].2.clone());
            at = depth[i].1;
        }
        chain.reverse();
        let span = match (calls.first(), calls.iter().map(|c| c.1).max()) {
            (Some(first), Some(last)) => last.duration_since(first.0).as_secs_f64() * 1e3,
            _ => 0.0,
        };
        (chain, span)
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
    tap: &Tap,
    faults: &AtomicUsize,
    (log, answered): Logs<'_>,
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
    let index = {
        let mut l = log.lock().unwrap();
        l.push((Instant::now(), seen.service()));
        l.len()
    };
    let d = delay(&seen);
    if !d.is_zero() {
        std::thread::sleep(d);
    }
    let mut client = client;
    if let Some(fault) = rule(&seen) {
        faults.fetch_add(1, Ordering::SeqCst);
        if fault.status == 0 {
            // Close without a word.
            return client.shutdown(std::net::Shutdown::Both);
        }
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
    if !tap(index, &seen, Phase::Arrived) {
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
    tap(index, &seen, Phase::Answered);
    // Noted before the answer goes back, so no call hcprov sends after it
    // can look as if it was sent before.
    answered
        .lock()
        .unwrap()
        .push((index, Instant::now(), seen.operation()));
    client.write_all(&response)
}
