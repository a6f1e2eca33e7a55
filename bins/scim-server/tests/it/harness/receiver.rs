//! A webhook receiver on a loopback port: a small HTTP/1.1 server (keep-alive, `Content-Length`
//! bodies) that records every request and answers as it is told: accept, fail (always or at
//! random), answer 410 Gone, or be down (connections refused) and come back on the same port.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Answer {
    /// Always this (2xx) status.
    Accept(u16),
    /// Always this status.
    Fail(u16),
    /// 500 for about this share of requests, at random; 200 otherwise.
    FailRandomly(f64),
}

/// One request received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// The path, query included.
    pub(crate) path: String,
    /// The headers, names in lower case.
    pub(crate) headers: BTreeMap<String, String>,
    /// The body.
    pub(crate) body: Vec<u8>,
    /// The status it was answered with.
    pub(crate) status: u16,
    /// When it arrived (before any delay of the answer).
    pub(crate) arrived: Instant,
}

impl Received {
    /// A header's value.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// Whether it was answered with a 2xx.
    pub(crate) fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON.
    #[track_caller]
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

struct Shared {
    requests: Mutex<Vec<Received>>,
    arrived: Condvar,
    answer: Mutex<Answer>,
    /// How long to wait before answering (to keep deliveries in flight).
    delay: Mutex<Duration>,
    /// While set, the port is closed and open connections are dropped without an answer.
    down: AtomicBool,
    stop: AtomicBool,
    random: AtomicU64,
}

/// A running receiver; stopped on drop.
pub(crate) struct Receiver {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl Receiver {
    /// A receiver on a free loopback port, accepting everything with 200.
    pub(crate) fn start() -> Self {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a port for the receiver");
        let addr = listener.local_addr().expect("the receiver's address");
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1;
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            answer: Mutex::new(Answer::Accept(200)),
            delay: Mutex::new(Duration::ZERO),
            down: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            random: AtomicU64::new(seed),
        });
        let mut receiver = Self {
            shared,
            addr,
            acceptor: None,
        };
        receiver.listen(listener);
        receiver
    }

    fn listen(&mut self, listener: TcpListener) {
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let shared = self.shared.clone();
        self.acceptor = Some(std::thread::spawn(move || {
            while !shared.stop.load(Ordering::SeqCst) && !shared.down.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let shared = shared.clone();
                        std::thread::spawn(move || serve(&shared, stream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
            // Dropping the listener closes the port: connections are refused from now on.
        }));
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers from now on with `answer`.
    pub(crate) fn answer(&self, answer: Answer) {
        *self.shared.answer.lock().expect("answer") = answer;
    }

    /// Waits this long before each answer.
    pub(crate) fn delay(&self, delay: Duration) {
        *self.shared.delay.lock().expect("delay") = delay;
    }

    /// Closes the port and drops open connections: deliveries fail to connect.
    pub(crate) fn go_down(&mut self) {
        self.shared.down.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.join().expect("the receiver's acceptor");
        }
    }

    /// Opens the same port again.
    pub(crate) fn come_back(&mut self) {
        let listener = (0..100)
            .find_map(|_| {
                TcpListener::bind(self.addr).ok().or_else(|| {
                    std::thread::sleep(Duration::from_millis(50));
                    None
                })
            })
            .expect("bind the receiver's port again");
        self.shared.down.store(false, Ordering::SeqCst);
        self.listen(listener);
    }

    /// Every request so far, in arrival order.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.shared.requests.lock().expect("requests").clone()
    }

    /// The requests to `path` answered with a 2xx, in arrival order.
    pub(crate) fn accepted(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path && r.accepted())
            .collect()
    }

    /// Waits until `done` holds for the requests received, or `timeout` passes; returns whether
    /// it held.
    pub(crate) fn wait_until(&self, timeout: Duration, done: impl Fn(&[Received]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut requests = self.shared.requests.lock().expect("requests");
        loop {
            if done(&requests) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            requests = self
                .shared
                .arrived
                .wait_timeout(requests, (deadline - now).min(Duration::from_millis(200)))
                .expect("requests")
                .0;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Serves one connection: requests one after the other until the client closes it.
fn serve(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut writer = stream;
    loop {
        let Some((path, headers, body)) = read_request(&mut reader) else {
            return;
        };
        let arrived = Instant::now();
        let delay = *shared.delay.lock().expect("delay");
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        if shared.down.load(Ordering::SeqCst) || shared.stop.load(Ordering::SeqCst) {
            // Down: the request is dropped unanswered, as by a server that just died.
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        let status = match *shared.answer.lock().expect("answer") {
            Answer::Accept(status) | Answer::Fail(status) => status,
            Answer::FailRandomly(ratio) => {
                if next_unit(&shared.random) < ratio {
                    500
                } else {
                    200
                }
            }
        };
        {
            let mut requests = shared.requests.lock().expect("requests");
            requests.push(Received {
                path,
                headers,
                body,
                status,
                arrived,
            });
            shared.arrived.notify_all();
        }
        let answer = format!(
            "HTTP/1.1 {status} {}\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{{}}",
            if status < 300 { "OK" } else { "Failed" }
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

type Request = (String, BTreeMap<String, String>, Vec<u8>);

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((path, headers, body))
}

/// xorshift64*: a uniform number in [0, 1), good enough to pick failures.
fn next_unit(state: &AtomicU64) -> f64 {
    let mut x = state.load(Ordering::Relaxed);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    state.store(x, Ordering::Relaxed);
    (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
}
