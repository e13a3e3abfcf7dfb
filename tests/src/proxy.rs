//! A TCP fault proxy on 127.0.0.1 between a client and a server: forwards
//! bytes both ways and, when told, cuts connections after a number of
//! bytes, so tests can drop a request or a response half-way.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Which way bytes flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server (requests).
    Up,
    /// Server to client (responses).
    Down,
}

/// A one-shot fault: cut the connection after `after` more bytes in `dir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    pub dir: Direction,
    pub after: u64,
}

#[derive(Debug, Default)]
struct Shared {
    faults: Mutex<VecDeque<Cut>>,
    up: AtomicU64,
    down: AtomicU64,
    cuts: AtomicU64,
}

/// A running proxy.
#[derive(Debug, Clone)]
pub struct FaultProxy {
    pub url: String,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared::default());
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let s = shared.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (s, upstream) = (s.clone(), upstream.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        pipe(client, server, s).await;
                    }
                });
            }
        });
        FaultProxy { url, shared }
    }

    /// Queues a fault; each fires once, in order.
    pub fn cut(&self, dir: Direction, after: u64) {
        self.shared.faults.lock().unwrap().push_back(Cut { dir, after });
    }

    /// Bytes forwarded so far: (up, down).
    pub fn bytes(&self) -> (u64, u64) {
        (self.shared.up.load(Ordering::Relaxed), self.shared.down.load(Ordering::Relaxed))
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> u64 {
        self.shared.cuts.load(Ordering::Relaxed)
    }

    /// Faults not yet fired.
    pub fn pending(&self) -> usize {
        self.shared.faults.lock().unwrap().len()
    }
}

/// Bytes a direction may still pass before the next fault fires on it.
fn budget(s: &Shared, dir: Direction) -> Option<u64> {
    s.faults.lock().unwrap().front().filter(|c| c.dir == dir).map(|c| c.after)
}

fn consume(s: &Shared, dir: Direction, n: u64) -> bool {
    let mut q = s.faults.lock().unwrap();
    match q.front_mut() {
        Some(c) if c.dir == dir => {
            if n >= c.after {
                q.pop_front();
                s.cuts.fetch_add(1, Ordering::Relaxed);
                return true;
            }
            c.after -= n;
            false
        }
        _ => false,
    }
}

async fn pipe(client: TcpStream, server: TcpStream, s: Arc<Shared>) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = {
        let s = s.clone();
        async move { copy(&mut cr, &mut sw, &s, Direction::Up).await }
    };
    let down = {
        let s = s.clone();
        async move { copy(&mut sr, &mut cw, &s, Direction::Down).await }
    };
    // When either side ends or is cut, drop both: the connection is gone.
    tokio::select! {
        _ = up => {},
        _ = down => {},
    }
}

async fn copy<R: AsyncReadExt + Unpin, W: AsyncWriteExt + Unpin>(r: &mut R, w: &mut W, s: &Shared, dir: Direction) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let allowed = budget(s, dir).map_or(n as u64, |b| b.min(n as u64)) as usize;
        if w.write_all(&buf[..allowed]).await.is_err() {
            return;
        }
        let counter = if dir == Direction::Up { &s.up } else { &s.down };
        counter.fetch_add(allowed as u64, Ordering::Relaxed);
        if consume(s, dir, allowed as u64) {
            let _ = w.flush().await;
            return;
        }
        if allowed < n {
            return;
        }
    }
}
