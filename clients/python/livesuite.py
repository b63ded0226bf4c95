"""Starts the all-in-one binary (ACCESSFLOW_BIN, built by `make test-clients`) on free loopback
ports with a temporary data dir, and a webhook subscriber on loopback, for the live tests."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, TypeVar

from accessflow_client import Endpoints

T = TypeVar("T")


def poll(what: str, timeout: float, fn: Callable[[], T | None]) -> T:
    """Calls fn until it returns something other than None, or raises after timeout seconds."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while True:
        try:
            v = fn()
            if v is not None:
                return v
        except Exception as err:  # noqa: BLE001 - reported when the deadline passes
            last = err
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s (last error: {last!r})")
        time.sleep(0.05)


def _free_ports(n: int) -> list[int]:
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@dataclass
class Suite:
    endpoints: Endpoints
    gateway_url: str
    admin: dict  # client_id, client_secret, token_url
    _proc: subprocess.Popen
    _data_dir: str
    _log: Path

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(timeout=30)
        shutil.rmtree(self._data_dir, ignore_errors=True)


def start_suite() -> Suite:
    binary = os.environ.get("ACCESSFLOW_BIN")
    if not binary:
        raise RuntimeError("ACCESSFLOW_BIN must name the accessflow binary (make test-clients builds it)")
    ports = [f"127.0.0.1:{p}" for p in _free_ports(6)]
    data_dir = tempfile.mkdtemp(prefix="accessflow-py-")
    log = Path(data_dir) / "accessflow.log"
    args = [
        binary, "serve",
        "--data-dir", data_dir,
        "--gateway-addr", ports[0],
        "--admin-addr", ports[1],
        "--policy-addr", ports[2],
        "--trigger-ingest-addr", ports[3],
        "--approval-addr", ports[4],
        "--action-execution-addr", ports[5],
        # Lets the test's loopback subscriber receive deliveries.
        "--outbound-allow-cidrs", "127.0.0.0/8",
        "--log-level", "warn",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    gateway_url = f"http://{ports[0]}"

    def ready() -> bool | None:
        if proc.poll() is not None:
            raise RuntimeError(f"accessflow exited with {proc.returncode}")
        with urllib.request.urlopen(f"{gateway_url}/readyz", timeout=2) as resp:
            return True if resp.status == 200 else None

    try:
        poll("readyz", 60, ready)
    except AssertionError as err:
        proc.kill()
        raise AssertionError(f"{err}\n{log.read_text()}") from err
    admin = json.loads((Path(data_dir) / "admin-client.json").read_text())
    return Suite(Endpoints(policy=ports[2], trigger_ingest=ports[3]), gateway_url, admin, proc, data_dir, log)


@dataclass
class Received:
    headers: dict[str, str]
    body: object


@dataclass
class Subscriber:
    """A webhook subscriber on loopback that answers 200 and records every request."""

    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(Received({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
