//! A city deployment in miniature: several real `gridpatrol-server`
//! processes over one PostgreSQL database and one S3 bucket (a moto
//! server), behind nginx terminating TLS with `deploy/nginx/gridpatrol.conf`
//! — the file the deployment guide installs, with the test's addresses,
//! port and certificate put in.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gridpatrol_server::Settings;

use crate::bench::server_proc::server_binary;
use crate::s3::Moto;

/// Whether nginx can run here; prints why not when it cannot.
pub fn nginx_available() -> bool {
    match Command::new("nginx").arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(s) if s.success() => true,
        other => {
            println!("SKIPPED: nginx is not installed ({other:?}); run scripts/setup");
            false
        }
    }
}

/// The nginx site configuration the deployment guide installs.
pub fn site_config() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx/gridpatrol.conf")
}

/// One server process.
#[derive(Debug)]
pub struct Instance {
    child: Option<Child>,
    /// Its own address (`http://127.0.0.1:PORT`), bypassing nginx.
    pub url: String,
}

impl Instance {
    /// `kill -9`.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The running deployment.
#[derive(Debug)]
pub struct Cluster {
    /// What devices use: `https://127.0.0.1:PORT` (nginx).
    pub url: String,
    /// nginx's `127.0.0.1:PORT`, for a fault proxy in front of it.
    pub addr: String,
    /// The certificate fingerprint devices pin.
    pub fingerprint: String,
    pub instances: Vec<Instance>,
    pub db_url: String,
    /// Settings naming the shared bucket (for listing it).
    pub blob_settings: Settings,
    nginx: Child,
    _moto: Moto,
    dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

async fn wait_http(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(url).await.is_err() {
        assert!(Instant::now() < deadline, "{url} did not answer within 30 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn wait_tcp(addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {addr} after 30 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn spawn_instance(port: u16, db_url: &str, moto: &Moto, bucket: &str, dir: &Path, demo: bool) -> Child {
    let mut cmd = Command::new(server_binary());
    cmd.arg("serve");
    if demo {
        cmd.arg("--demo");
    }
    cmd.env("GRIDPATROL_LISTEN", format!("127.0.0.1:{port}"))
        .env("GRIDPATROL_DATABASE_URL", db_url)
        // The deployment guide's way: the bucket in blob_url, the endpoint
        // and credentials in the standard AWS variables.
        .env("GRIDPATROL_BLOB_URL", format!("s3://{bucket}"))
        .env("GRIDPATROL_BLOB_DIR", dir.join(format!("no-blobs-here-{port}")))
        .env("AWS_ENDPOINT", &moto.endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("GRIDPATROL_TRUSTED_PROXIES", "[\"127.0.0.1\"]")
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(Stdio::null())
        .spawn()
        .expect("server starts")
}

/// The site config with this cluster's upstreams, port and certificate.
fn render_site(instances: &[u16], port: u16, cert: &Path, key: &Path) -> String {
    let site = std::fs::read_to_string(site_config()).expect("deploy/nginx/gridpatrol.conf");
    let mut out = Vec::new();
    let mut upstreams = instances.iter();
    for line in site.lines() {
        let t = line.trim_start();
        if t.starts_with("server 10.0.0.") {
            // One example line per instance in the committed file.
            let p = upstreams.next().expect("as many example upstreams as instances");
            out.push(line.replacen(t.split_whitespace().nth(1).unwrap(), &format!("127.0.0.1:{p}"), 1));
        } else if t.starts_with("listen 443") {
            out.push(line.replace("listen 443", &format!("listen 127.0.0.1:{port}")));
        } else if t.starts_with("ssl_certificate ") {
            out.push(format!("    ssl_certificate     {};", cert.display()));
        } else if t.starts_with("ssl_certificate_key ") {
            out.push(format!("    ssl_certificate_key {};", key.display()));
        } else {
            out.push(line.to_owned());
        }
    }
    assert!(upstreams.next().is_none(), "the site config lists {} upstreams", instances.len());
    out.join("\n")
}

impl Cluster {
    /// Starts `n` (≤ 3, the example upstreams) instances and nginx; the
    /// first instance imports the demo street office.
    pub async fn start(n: usize) -> Cluster {
        crate::init_logs();
        let dir = tempfile::tempdir().expect("temp dir");
        let moto = Moto::start().await;
        let bucket = moto.bucket().await;
        let db_url = crate::server::fresh_pg_database().await;
        let mut instances = Vec::new();
        let mut ports = Vec::new();
        for i in 0..n {
            let port = free_port();
            let child = spawn_instance(port, &db_url, &moto, &bucket, dir.path(), i == 0);
            let url = format!("http://127.0.0.1:{port}");
            wait_http(&format!("{url}/v1/health")).await;
            instances.push(Instance { child: Some(child), url });
            ports.push(port);
        }

        let (cert, key, fingerprint) =
            gridpatrol_server::net::tls::self_signed(&["127.0.0.1".into(), "localhost".into()]).expect("certificate");
        let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert_path, cert).unwrap();
        std::fs::write(&key_path, key).unwrap();
        let port = free_port();
        let site = dir.path().join("gridpatrol.conf");
        std::fs::write(&site, render_site(&ports, port, &cert_path, &key_path)).unwrap();
        let nginx_dir = dir.path().join("nginx");
        std::fs::create_dir_all(&nginx_dir).unwrap();
        // nginx's workers may run as another user: they write request
        // bodies to the temp folder.
        use std::os::unix::fs::PermissionsExt;
        for d in [dir.path(), &nginx_dir] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let n_dir = nginx_dir.display();
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {n_dir}/nginx.pid;\nerror_log {n_dir}/error.log warn;\n\
             events {{ worker_connections 512; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {n_dir}/body;\n  proxy_temp_path {n_dir}/proxy;\n  \
             fastcgi_temp_path {n_dir}/fastcgi;\n  uwsgi_temp_path {n_dir}/uwsgi;\n  scgi_temp_path {n_dir}/scgi;\n  \
             include {};\n}}\n",
            site.display()
        );
        let main_path = nginx_dir.join("nginx.conf");
        std::fs::write(&main_path, main).unwrap();
        let check =
            Command::new("nginx").arg("-t").arg("-p").arg(&nginx_dir).arg("-c").arg(&main_path).output().unwrap();
        assert!(check.status.success(), "nginx -t: {}", String::from_utf8_lossy(&check.stderr));
        let nginx = Command::new("nginx")
            .arg("-p")
            .arg(&nginx_dir)
            .arg("-c")
            .arg(&main_path)
            .stdout(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let addr = format!("127.0.0.1:{port}");
        wait_tcp(&addr).await;
        let mut blob_settings = Settings::default();
        moto.configure(&mut blob_settings, &bucket);
        Cluster {
            url: format!("https://{addr}"),
            addr,
            fingerprint,
            instances,
            db_url,
            blob_settings,
            nginx,
            _moto: moto,
            dir,
        }
    }

    /// nginx's error log so far (for failure messages).
    pub fn nginx_errors(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("nginx/error.log")).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // TERM, not KILL: the master then stops its workers too.
        let _ = Command::new("kill").arg("-TERM").arg(self.nginx.id().to_string()).status();
        let _ = self.nginx.wait();
        for i in &mut self.instances {
            i.kill9();
        }
    }
}
