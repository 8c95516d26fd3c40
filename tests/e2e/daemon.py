"""Start `nvc-hub run` as a real process, wait for /readyz (never a sleep), stop it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Daemon:
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    api_port: int = field(default_factory=free_port)
    admin_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    token: str | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self, timeout: float = 30.0) -> None:
        env = {**os.environ, "HUB__HUB__DATA_DIR": str(self.data_dir),
               "HUB__API__PORT": str(self.api_port),
               "HUB__API__ADMIN_PORT": str(self.admin_port),
               "HUB__API__BOOTSTRAP_KEY_FILE": str(self.data_dir / "admin.key"),
               "HUB__DISPATCH__POLL_INTERVAL": "0.05", **self.env}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = self.data_dir / "daemon.log"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "hub", "run"], env=env,
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}: "
                                   f"{self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.admin_port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError("daemon did not become ready")
        key_file = self.data_dir / "admin.key"
        if self.token is None and key_file.exists():
            self.token = key_file.read_text().strip()
        if self.token is None:
            found = re.search(r"nvc_[0-9a-f]{8}_[A-Za-z0-9_-]+", self.log.read_text())
            self.token = found.group(0) if found else None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)
