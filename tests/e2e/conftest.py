"""End-to-end fixtures: a real sync server (embedded SQLite, demo data),
Xvfb, and the real Tauri app driven through tauri-driver + WebKitWebDriver.

Each app instance gets its own tauri-driver (so its own data folder, set
through GRIDPATROL_DATA_DIR in that driver's environment)."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.file_detector import UselessFileDetector

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
PHONE = (390, 844)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status < 500:
                    return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def artifact_log(name):
    """A log file kept with the screenshots (what a failed run leaves behind)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return open(ARTIFACTS / f"{name}.log", "a")


def photos_dir():
    if os.environ.get("GRIDPATROL_FIXTURES"):
        return Path(os.environ["GRIDPATROL_FIXTURES"])
    for d in ROOT.parents:
        if (d / "shared/fixtures/photos").is_dir():
            return d / "shared/fixtures/photos"
    raise RuntimeError("photo fixtures not found (../shared/fixtures/photos)")


@pytest.fixture(scope="session")
def binaries():
    # The same build as `cargo test --workspace` (which builds both binaries
    # for their integration tests): a no-op after the Rust tests ran, and no
    # second build with other features.
    subprocess.run(["cargo", "test", "--workspace", "--no-run", "--quiet"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
    return {"server": target / "gridpatrol-server", "app": target / "gridpatrol-app"}


@pytest.fixture(scope="session")
def display():
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    disp = ":%d" % (90 + os.getpid() % 9)
    xvfb = subprocess.Popen(["Xvfb", disp, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
    time.sleep(1.0)
    os.environ["DISPLAY"] = disp
    yield disp
    xvfb.terminate()


class Server:
    """A real sync server with embedded SQLite and the demo street office.
    `restart(**env)` stops it and starts it again on the same data and port
    (for example with GRIDPATROL_TEST_CLOCK_OFFSET, weeks later)."""

    def __init__(self, binaries, **env):
        self.binary = binaries["server"]
        self.data = Path(tempfile.mkdtemp(prefix="gp-e2e-server-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.start(**env)

    def start(self, **extra):
        env = dict(
            os.environ,
            GRIDPATROL_LISTEN=f"127.0.0.1:{self.port}",
            GRIDPATROL_DATABASE_URL=f"sqlite://{self.data}/server.sqlite",
            GRIDPATROL_BLOB_DIR=str(self.data / "blobs"),
            RUST_LOG="warn",
            **extra,
        )
        with artifact_log(f"server-{self.port}") as log:
            self.proc = subprocess.Popen([str(self.binary), "serve", "--demo"], env=env,
                                         stdout=log, stderr=subprocess.STDOUT)
        wait_http(self.url + "/v1/health")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def restart(self, **env):
        self.stop()
        self.start(**env)

    def close(self):
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture(scope="session")
def server(binaries):
    """The one server most scenarios share (their users do not overlap)."""
    s = Server(binaries)
    yield s.url
    s.close()


@pytest.fixture
def own_server(binaries):
    """A server of the test's own, for tests that restart it."""
    s = Server(binaries)
    yield s
    s.close()


@pytest.fixture
def link(server):
    """A cuttable link to the shared server (see link.py)."""
    from link import Link
    port = int(server.rsplit(":", 1)[1])
    lk = Link(port)
    yield lk
    lk.close()


class App:
    """One app instance: its own tauri-driver, data folder and session.
    `restart(**env)` quits the app and starts it again on the same data
    folder and key (as after a reboot), with more environment."""

    def __init__(self, binaries, display, name, **env):
        self.name = name
        self.binary = binaries["app"]
        self.display = display
        self.data = Path(tempfile.mkdtemp(prefix=f"gp-e2e-{name}-"))
        # The database key lives outside the data folder, as the OS keystore would keep it.
        self.key_dir = Path(tempfile.mkdtemp(prefix=f"gp-e2e-{name}-key-"))
        self._start(env)

    def _start(self, extra):
        self.port = free_port()
        env = dict(os.environ, DISPLAY=self.display, GRIDPATROL_DATA_DIR=str(self.data),
                   GRIDPATROL_KEY_FILE=str(self.key_dir / "device-key.hex"),
                   GRIDPATROL_LOCATION="30.2712,120.1613", RUST_LOG="warn")
        env.update(extra)
        # The app inherits the driver's output.
        with artifact_log(f"{self.name}-app") as log:
            self.driver_proc = subprocess.Popen(
                ["tauri-driver", "--port", str(self.port), "--native-port", str(free_port())],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        wait_http(f"http://127.0.0.1:{self.port}/status")
        options = ArgOptions()
        options.set_capability("tauri:options", {"application": str(self.binary)})
        options.set_capability("browserName", "wry")
        self.driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{self.port}", options=options)
        # The app runs on this machine: send file paths as they are, not
        # through Selenium's upload endpoint (WebKitWebDriver has none).
        self.driver.file_detector = UselessFileDetector()
        self.driver.set_window_size(*PHONE)
        self.driver.implicitly_wait(0)

    def _stop(self):
        try:
            self.driver.quit()
        finally:
            self.driver_proc.terminate()
            self.driver_proc.wait(timeout=10)

    def restart(self, **env):
        self._stop()
        self._start(env)

    def shot(self, name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def close(self):
        try:
            self._stop()
        finally:
            shutil.rmtree(self.data, ignore_errors=True)
            shutil.rmtree(self.key_dir, ignore_errors=True)


@pytest.fixture
def make_app(binaries, display):
    apps = []

    def make(name, **env):
        app = App(binaries, display, name, **env)
        apps.append(app)
        return app

    yield make
    for a in apps:
        a.close()
