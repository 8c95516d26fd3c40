"""A real OpenSSH sshd on 127.0.0.1 for the SFTP tests and benchmark.

Per session: its own config, host keys (ed25519 and RSA) and client keys in a temporary folder, a
free high port on loopback only, and a chroot under /srv (sshd wants every part of the chroot
path root-owned and not group/world-writable, so not under /tmp). The SFTP user is a locked
system account (password '*': no password login, but not "locked" in sshd's eyes) that can only
run internal-sftp inside the chroot. Needs root and `openssh-server`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
USER = "nvchubsftp"

CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {conf}/host_ed25519
HostKey {conf}/host_rsa
PidFile {conf}/sshd.pid
AuthorizedKeysFile {conf}/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers {user}
AllowTcpForwarding no
X11Forwarding no
MaxStartups 200
MaxSessions 50
LogLevel ERROR
Subsystem sftp internal-sftp
ChrootDirectory {root}
ForceCommand internal-sftp
"""


def available() -> str | None:
    """Why a real sshd cannot run here, or None when it can."""
    if not Path(SSHD).exists():
        return "sshd not installed (apt-get install -y openssh-server)"
    if os.geteuid() != 0:
        return "sshd tests need root (chroot, own user)"
    if shutil.which("ssh-keygen") is None:
        return "ssh-keygen not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path, kind: str) -> str:
    bits = ["-b", "2048"] if kind == "rsa" else []
    subprocess.run(["ssh-keygen", "-q", "-t", kind, *bits, "-N", "", "-C", "", "-f", str(path)],
                   check=True)
    return Path(f"{path}.pub").read_text().strip()


def _ensure_user() -> bool:
    """Create the SFTP user if missing; True when this call created it."""
    if subprocess.run(["id", USER], capture_output=True).returncode == 0:
        return False
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                    USER], check=True)
    subprocess.run(["usermod", "-p", "*", USER], check=True)
    return True


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (sshd's per-connection children call setsid)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class SshServer:
    conf: Path
    root: Path
    port: int
    uid: int
    gid: int
    created_user: bool
    host_keys: dict[str, str] = field(default_factory=dict)  # "ed25519" / "rsa" -> pub line
    client_keys: dict[str, Path] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    host: str = "127.0.0.1"
    user: str = USER

    @classmethod
    def create(cls) -> SshServer:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        created = _ensure_user()
        conf = Path(tempfile.mkdtemp(prefix="nvc-hub-sshd-"))
        conf.chmod(0o755)  # sshd reads authorized_keys as the user
        root = Path("/srv") / f"nvc-hub-sftp-{secrets.token_hex(4)}"
        root.mkdir(parents=True, mode=0o755)
        os.chown(root, 0, 0)
        (root / "data").mkdir(mode=0o755)
        out = subprocess.run(["id", "-u", USER], capture_output=True, text=True, check=True)
        uid = int(out.stdout)
        gid = int(subprocess.run(["id", "-g", USER], capture_output=True, text=True,
                                 check=True).stdout)
        server = cls(conf=conf, root=root, port=free_port(), uid=uid, gid=gid,
                     created_user=created)
        for kind in ("ed25519", "rsa"):
            server.host_keys[kind] = _keygen(conf / f"host_{kind}", kind)
        authorized = []
        for kind in ("ed25519", "rsa"):
            authorized.append(_keygen(conf / f"client_{kind}", kind))
            server.client_keys[kind] = conf / f"client_{kind}"
        (conf / "authorized_keys").write_text("\n".join(authorized) + "\n")
        (conf / "authorized_keys").chmod(0o644)
        (conf / "sshd_config").write_text(CONFIG.format(
            port=server.port, conf=conf, user=USER, root=root))
        subprocess.run([SSHD, "-t", "-f", str(conf / "sshd_config")], check=True)
        return server

    def host_key_line(self, kind: str = "ed25519") -> str:
        kind_name, blob = self.host_keys[kind].split()[:2]
        return f"{kind_name} {blob}"

    def start(self) -> None:
        log = (self.conf / "sshd.log").open("ab")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.conf / "sshd_config")],
                                     stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.conf / 'sshd.log').read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(
                    (self.host, self.port), timeout=0.5) as s:
                if s.recv(4).startswith(b"SSH"):
                    return
            time.sleep(0.05)
        raise RuntimeError("sshd did not start listening")

    def kill(self) -> None:
        """SIGKILL sshd and every session under it (as a crash or a cut cable would)."""
        if self.proc is None:
            return
        victims = [self.proc.pid, *_descendants(self.proc.pid)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        sessions = _descendants(self.proc.pid)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for pid in sessions:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        self.proc = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.conf, ignore_errors=True)
        if self.created_user:
            subprocess.run(["userdel", USER], capture_output=True)

    def mailbox(self, name: str) -> Mailbox:
        """A bank's folders under the chroot, owned by the SFTP user."""
        local = self.root / "data" / name
        local.mkdir(mode=0o755)
        os.chown(local, self.uid, self.gid)
        for sub in ("outbound", "inbound", "processed", "failed"):
            (local / sub).mkdir(mode=0o755)
            os.chown(local / sub, self.uid, self.gid)
        return Mailbox(server=self, local=local, remote=f"/data/{name}")

    def settings(self, mailbox: Mailbox, *, key: str = "ed25519", **more: object) -> dict[
            str, object]:
        """A connector settings table for this server and mailbox."""
        table: dict[str, object] = {
            "host": self.host, "port": self.port, "user": self.user,
            "key_file": str(self.client_keys[key]),
            "host_key": self.host_key_line("ed25519"),
            "outbound_dir": f"{mailbox.remote}/outbound",
            "inbound_dir": f"{mailbox.remote}/inbound",
            "processed_dir": f"{mailbox.remote}/processed",
            "failed_dir": f"{mailbox.remote}/failed",
            "connect_timeout": 5.0, "timeout": 10.0, "backoff_initial": 0.05,
            "backoff_max": 0.5, "poll_interval": 0.05,
        }
        table.update(more)
        return table


@dataclass
class Mailbox:
    server: SshServer
    local: Path  # the folder on this machine
    remote: str  # the same folder as the SFTP user sees it

    def drop(self, name: str, data: bytes, folder: str = "inbound") -> Path:
        """Put a file where the bank would: written whole, owned by the SFTP user."""
        path = self.local / folder / name
        path.write_bytes(data)
        os.chown(path, self.server.uid, self.server.gid)
        return path

    def files(self, folder: str) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((self.local / folder).iterdir())}
