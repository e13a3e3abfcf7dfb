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

/// Random faults, drawn per connection from a seeded generator: cut it at
/// a random byte offset, stall it, or replay its request afterwards.
#[derive(Debug, Clone, Copy)]
pub struct Chaos {
    pub seed: u64,
    /// Chance that a connection is cut somewhere in its first 64 KiB.
    pub cut: f64,
    /// Chance that a connection stalls up to 300 ms before forwarding.
    pub stall: f64,
    /// Chance that a finished connection's request bytes are sent again.
    pub replay: f64,
}

#[derive(Debug, Default)]
struct Shared {
    faults: Mutex<VecDeque<Cut>>,
    chaos: Mutex<Option<(rand::rngs::StdRng, Chaos)>>,
    up: AtomicU64,
    down: AtomicU64,
    cuts: AtomicU64,
    stalls: AtomicU64,
    replays: AtomicU64,
    /// The link is down: every connection is dropped at once.
    link_down: std::sync::atomic::AtomicBool,
    /// The far end is stuck: connections are accepted and never answered.
    stalled: std::sync::atomic::AtomicBool,
}

/// What chaos decided for one connection.
#[derive(Debug, Default, Clone, Copy)]
struct Plan {
    cut: Option<Cut>,
    stall_ms: u64,
    replay: bool,
}

impl Shared {
    fn plan(&self) -> Plan {
        use rand::Rng;
        let mut guard = self.chaos.lock().unwrap();
        let Some((rng, c)) = guard.as_mut() else { return Plan::default() };
        let cut = rng.gen_bool(c.cut).then(|| {
            let dir = if rng.gen_bool(0.5) { Direction::Up } else { Direction::Down };
            // Mostly early (most requests are small), sometimes deep.
            let limit = if rng.gen_bool(0.6) { 4096 } else { 64 * 1024 };
            Cut { dir, after: rng.gen_range(1..limit) }
        });
        let stall_ms = if rng.gen_bool(c.stall) { rng.gen_range(1..300) } else { 0 };
        Plan { cut, stall_ms, replay: rng.gen_bool(c.replay) }
    }
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
                if s.link_down.load(Ordering::Relaxed) {
                    drop(client);
                    continue;
                }
                if s.stalled.load(Ordering::Relaxed) {
                    tokio::spawn(async move {
                        let _held = client;
                        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
                    });
                    continue;
                }
                tokio::spawn(async move {
                    let plan = s.plan();
                    if plan.stall_ms > 0 {
                        s.stalls.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(std::time::Duration::from_millis(plan.stall_ms)).await;
                    }
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        let sent = pipe(client, server, s.clone(), plan.cut).await;
                        if plan.replay && !sent.is_empty() {
                            // The same request bytes again, answer discarded.
                            s.replays.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut again) = TcpStream::connect(&upstream).await {
                                let _ = again.write_all(&sent).await;
                                let mut sink = vec![0u8; 64 * 1024];
                                let _ = tokio::time::timeout(std::time::Duration::from_secs(10), async {
                                    while let Ok(n) = again.read(&mut sink).await {
                                        if n == 0 {
                                            break;
                                        }
                                    }
                                })
                                .await;
                            }
                        }
                    }
                });
            }
        });
        FaultProxy { url, shared }
    }

    /// Starts a proxy that injects random faults (see [`Chaos`]).
    pub async fn start_chaos(upstream: &str, chaos: Chaos) -> FaultProxy {
        use rand::SeedableRng;
        let p = Self::start(upstream).await;
        *p.shared.chaos.lock().unwrap() = Some((rand::rngs::StdRng::seed_from_u64(chaos.seed), chaos));
        p
    }

    /// Takes the link down (every connection dropped) or brings it back.
    pub fn set_down(&self, down: bool) {
        self.shared.link_down.store(down, Ordering::Relaxed);
    }

    /// Makes new connections hang (accepted, never answered) or not.
    pub fn set_stalled(&self, stalled: bool) {
        self.shared.stalled.store(stalled, Ordering::Relaxed);
    }

    /// Turns random faults off (to let the last sync through cleanly).
    pub fn calm(&self) {
        *self.shared.chaos.lock().unwrap() = None;
    }

    /// (cuts, stalls, replays) injected so far.
    pub fn injected(&self) -> (u64, u64, u64) {
        let s = &self.shared;
        (s.cuts.load(Ordering::Relaxed), s.stalls.load(Ordering::Relaxed), s.replays.load(Ordering::Relaxed))
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

/// Forwards both ways until either side ends or a fault cuts it; returns
/// the bytes the client sent (for a replay).
async fn pipe(client: TcpStream, server: TcpStream, s: Arc<Shared>, mut cut: Option<Cut>) -> Vec<u8> {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let mut sent = Vec::new();
    let mut up_cut = cut.filter(|c| c.dir == Direction::Up).map(|c| c.after);
    let mut down_cut = cut.take().filter(|c| c.dir == Direction::Down).map(|c| c.after);
    let up = copy(&mut cr, &mut sw, &s, Direction::Up, &mut up_cut, Some(&mut sent));
    let down = copy(&mut sr, &mut cw, &s, Direction::Down, &mut down_cut, None);
    // When either side ends or is cut, drop both: the connection is gone.
    tokio::select! {
        _ = up => {},
        _ = down => {},
    }
    sent
}

async fn copy<R: AsyncReadExt + Unpin, W: AsyncWriteExt + Unpin>(
    r: &mut R,
    w: &mut W,
    s: &Shared,
    dir: Direction,
    local_cut: &mut Option<u64>,
    mut record: Option<&mut Vec<u8>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let queued = budget(s, dir).map_or(n as u64, |b| b.min(n as u64));
        let allowed = local_cut.map_or(queued, |b| b.min(queued)) as usize;
        if w.write_all(&buf[..allowed]).await.is_err() {
            return;
        }
        if let Some(rec) = record.as_deref_mut()
            && rec.len() < 8 << 20
        {
            rec.extend_from_slice(&buf[..allowed]);
        }
        let counter = if dir == Direction::Up { &s.up } else { &s.down };
        counter.fetch_add(allowed as u64, Ordering::Relaxed);
        let mut cut_now = consume(s, dir, allowed as u64);
        if let Some(b) = local_cut {
            *b -= allowed as u64;
            if *b == 0 {
                s.cuts.fetch_add(1, Ordering::Relaxed);
                cut_now = true;
            }
        }
        if cut_now {
            let _ = w.flush().await;
            return;
        }
        if allowed < n {
            return;
        }
    }
}
