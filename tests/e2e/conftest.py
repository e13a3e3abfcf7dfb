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


@pytest.fixture(scope="session")
def server(binaries):
    data = Path(tempfile.mkdtemp(prefix="gp-e2e-server-"))
    port = free_port()
    env = dict(
        os.environ,
        GRIDPATROL_LISTEN=f"127.0.0.1:{port}",
        GRIDPATROL_DATABASE_URL=f"sqlite://{data}/server.sqlite",
        GRIDPATROL_BLOB_DIR=str(data / "blobs"),
        RUST_LOG="warn",
    )
    proc = subprocess.Popen([str(binaries["server"]), "serve", "--demo"], env=env)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/v1/health")
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def link(server):
    """A cuttable link to the shared server (see link.py)."""
    from link import Link
    port = int(server.rsplit(":", 1)[1])
    lk = Link(port)
    yield lk
    lk.close()


class App:
    """One app instance: its own tauri-driver, data folder and session."""

    def __init__(self, binaries, display, name):
        self.name = name
        self.data = Path(tempfile.mkdtemp(prefix=f"gp-e2e-{name}-"))
        # The database key lives outside the data folder, as the OS keystore would keep it.
        self.key_dir = Path(tempfile.mkdtemp(prefix=f"gp-e2e-{name}-key-"))
        self.port = free_port()
        env = dict(os.environ, DISPLAY=display, GRIDPATROL_DATA_DIR=str(self.data),
                   GRIDPATROL_KEY_FILE=str(self.key_dir / "device-key.hex"),
                   GRIDPATROL_LOCATION="30.2712,120.1613", RUST_LOG="warn")
        self.driver_proc = subprocess.Popen(
            ["tauri-driver", "--port", str(self.port), "--native-port", str(free_port())],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_http(f"http://127.0.0.1:{self.port}/status")
        options = ArgOptions()
        options.set_capability("tauri:options", {"application": str(binaries["app"])})
        options.set_capability("browserName", "wry")
        self.driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{self.port}", options=options)
        # The app runs on this machine: send file paths as they are, not
        # through Selenium's upload endpoint (WebKitWebDriver has none).
        self.driver.file_detector = UselessFileDetector()
        self.driver.set_window_size(*PHONE)
        self.driver.implicitly_wait(0)

    def shot(self, name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def close(self):
        try:
            self.driver.quit()
        finally:
            self.driver_proc.terminate()
            self.driver_proc.wait(timeout=10)
            shutil.rmtree(self.data, ignore_errors=True)
            shutil.rmtree(self.key_dir, ignore_errors=True)


@pytest.fixture
def make_app(binaries, display):
    apps = []

    def make(name):
        app = App(binaries, display, name)
        apps.append(app)
        return app

    yield make
    for a in apps:
        a.close()
