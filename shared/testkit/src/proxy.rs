//! A TCP proxy between a service and one of its servers, which a test can cut (close every
//! connection and refuse new ones, as a crashed or restarting server would) and restore. It lets
//! tests fail RabbitMQ or PostgreSQL without touching the machine's real servers.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    io::copy_bidirectional,
    net::{TcpListener, TcpStream},
    sync::watch,
};

pub struct FaultProxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    /// Bumped on every cut; live connections watch it and close.
    generation: watch::Sender<u64>,
    accept_task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy on an ephemeral port forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let up = Arc::new(AtomicBool::new(true));
        let (generation, _) = watch::channel(0u64);
        let accept_task = tokio::spawn(accept_loop(listener, upstream, up.clone(), generation.clone()));
        Ok(Self { addr, up, generation, accept_task })
    }

    /// Starts a proxy in front of the server of `url` (`scheme://user:pass@host:port/path`) and
    /// returns it with the same URL pointing at the proxy.
    pub async fn in_front_of(url: &str) -> std::io::Result<(Self, String)> {
        let (before, rest) = url.split_once("://").ok_or_else(|| invalid(url))?;
        let (userinfo, rest) = rest.rsplit_once('@').map_or(("", rest), |(u, r)| (u, r));
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let upstream = tokio::net::lookup_host(authority).await?.next().ok_or_else(|| invalid(url))?;
        let proxy = Self::start(upstream).await?;
        let at = if userinfo.is_empty() { String::new() } else { format!("{userinfo}@") };
        let proxied = format!("{before}://{at}{}/{path}", proxy.addr());
        Ok((proxy, proxied))
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every proxied connection and refuses new ones until [`FaultProxy::restore`].
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept_task.abort();
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, up: Arc<AtomicBool>, generation: watch::Sender<u64>) {
    loop {
        let Ok((mut client, _)) = listener.accept().await else { continue };
        if !up.load(Ordering::SeqCst) {
            drop(client);
            continue;
        }
        let mut cut = generation.subscribe();
        tokio::spawn(async move {
            let Ok(mut server) = TcpStream::connect(upstream).await else { return };
            tokio::select! {
                _ = copy_bidirectional(&mut client, &mut server) => {}
                _ = cut.changed() => {}
            }
        });
    }
}

fn invalid(url: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("not a server URL with host and port: {url}"))
}
