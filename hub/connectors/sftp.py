"""A bank's SFTP mailbox: upload our files to its inbox, take its files from its outbox.

Outbound: each file goes up under a temporary hidden name and is then renamed to its final name,
so the bank never sees half a file. SFTP v3 `rename` refuses an existing target (OpenSSH links and
unlinks), so a retry after a crash that finds the final name taken compares size and SHA-256: the
same bytes mean the earlier attempt landed (sent once), other bytes are a conflict. Where the
bank's format allows it, `send_batch` puts many messages in one file (see framing.py).

Inbound: the bank's outbox is listed every `poll_interval`; a file is taken once it is stable
(same size and mtime on two polls, or its done-marker present), read, checked against the bank's
detached CMS signature when configured, and yielded. The hub acks after its journal committed:
the file then moves to `processed_dir`; a reject moves it to `failed_dir` with
`<name>.errors.json` beside it. Only the holder of the mailbox lease polls, and files already
journalled (`seen`) are moved on without being yielded again.

paramiko is blocking: every call runs on one dedicated thread per direction (one connection for
sending, one for polling), never on the event loop. The host key is pinned: an unknown or changed
key refuses the connection (LINK.HOST_KEY), it is never accepted on first use.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fnmatch
import functools
import hashlib
import io
import logging
import random
import re
import socket
import stat
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import orjson
import paramiko
from paramiko import SFTPAttributes
from paramiko.sftp import (
    CMD_CLOSE,
    CMD_DATA,
    CMD_HANDLE,
    CMD_OPEN,
    CMD_READ,
    CMD_STATUS,
    CMD_WRITE,
    SFTP_FLAG_CREATE,
    SFTP_FLAG_READ,
    SFTP_FLAG_TRUNC,
    SFTP_FLAG_WRITE,
    int64,
)
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hub import secrets
from hub.connectors import cms, framing
from hub.connectors.base import (
    SPEC_KEYS,
    ConnectorSpec,
    Delivery,
    Health,
    Inbound,
    Outbound,
    Outcome,
    spec_from,
)
from hub.errors import ConfigError, ConnectorError, Diagnostic, register

log = logging.getLogger(__name__)
T = TypeVar("T")

Lease = Callable[[str], contextlib.AbstractAsyncContextManager[bool]]
Seen = Callable[[str, str], Awaitable[bool]]
Alert = Callable[[str, Diagnostic], Awaitable[None]]

PLACEHOLDERS = ("message_id", "key", "format", "date", "seq")
_SSH_RSA_ALGORITHMS = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


# ---------------------------------------------------------------------------------- metrics --

@dataclass(frozen=True, slots=True)
class Metrics:
    connected: Gauge
    last_success: Gauge
    files: Counter
    bytes: Counter
    ack_latency: Histogram
    unacked: Gauge
    unacked_oldest: Gauge
    host_key_failures: Counter
    signature_failures: Counter
    failed_files: Counter


_METRICS: WeakKeyDictionary[CollectorRegistry, Metrics] = WeakKeyDictionary()


def metrics_for(registry: CollectorRegistry) -> Metrics:
    """The SFTP link metrics, declared once per registry."""
    if registry not in _METRICS:
        r = registry
        _METRICS[registry] = Metrics(
            connected=Gauge("hub_sftp_connected", "1 while the SFTP session is up",
                            ["link", "direction"], registry=r),
            last_success=Gauge("hub_sftp_last_success_timestamp_seconds",
                               "Unix time of the last successful send or poll",
                               ["link", "operation"], registry=r),
            files=Counter("hub_sftp_files_total", "Files moved over the link",
                          ["link", "direction"], registry=r),
            bytes=Counter("hub_sftp_bytes_total", "Bytes moved over the link",
                          ["link", "direction"], registry=r),
            ack_latency=Histogram("hub_sftp_ack_latency_seconds",
                                  "Upload until renamed (out); taken until acked by the hub (in)",
                                  ["link", "direction"], registry=r,
                                  buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30)),
            unacked=Gauge("hub_sftp_unacked", "Inbound files taken but not yet acked",
                          ["link"], registry=r),
            unacked_oldest=Gauge("hub_sftp_unacked_oldest_age_seconds",
                                 "Age of the oldest inbound file not yet acked", ["link"],
                                 registry=r),
            host_key_failures=Counter("hub_sftp_host_key_failures_total",
                                      "Connections refused for an unknown or changed host key",
                                      ["link"], registry=r),
            signature_failures=Counter("hub_sftp_signature_failures_total",
                                       "Inbound files refused for a missing or bad signature",
                                       ["link"], registry=r),
            failed_files=Counter("hub_sftp_failed_files_total",
                                 "Inbound files moved to the failed folder", ["link"],
                                 registry=r),
        )
    return _METRICS[registry]


@dataclass(frozen=True, slots=True)
class _Flow:
    """One link's metrics for one direction, labelled once: `labels()` takes a lock and a
    lookup, a cost paid per file otherwise."""

    latency: Any
    files: Any
    bytes: Any

    @classmethod
    def of(cls, m: Metrics, link: str, direction: str) -> _Flow:
        return cls(m.ack_latency.labels(link, direction), m.files.labels(link, direction),
                   m.bytes.labels(link, direction))


# --------------------------------------------------------------------------------- settings --

@dataclass(frozen=True, slots=True)
class HostKeyPin:
    """Accepted host keys: known_hosts lines ("ssh-ed25519 AAAA...") or "SHA256:..." prints."""

    keys: tuple[tuple[str, bytes], ...]  # (type, blob)
    fingerprints: tuple[str, ...]

    @classmethod
    def parse(cls, values: Sequence[str], where: str) -> HostKeyPin:
        keys: list[tuple[str, bytes]] = []
        prints: list[str] = []
        for value in values:
            text = value.strip()
            if text.startswith("SHA256:"):
                prints.append(text.rstrip("="))
                continue
            words = text.split()
            for i, word in enumerate(words[:-1]):
                if word.startswith(("ssh-", "ecdsa-")):
                    try:
                        keys.append((word, base64.b64decode(words[i + 1], validate=True)))
                    except ValueError:
                        raise ConfigError(f"{where}: the key is not base64",
                                          location=where) from None
                    break
            else:
                raise ConfigError(f"{where}: give a known_hosts line (\"ssh-ed25519 AAAA...\") "
                                  f"or a fingerprint (\"SHA256:...\")", location=where)
        if not keys and not prints:
            raise ConfigError(f"{where}: a pinned host key is required", location=where)
        return cls(tuple(keys), tuple(prints))

    @staticmethod
    def fingerprint(blob: bytes) -> str:
        digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
        return f"SHA256:{digest}"

    def matches(self, key: paramiko.PKey) -> bool:
        blob = key.asbytes()
        return any(b == blob for _, b in self.keys) or self.fingerprint(blob) in self.fingerprints

    def algorithms(self) -> tuple[str, ...]:
        """Host key algorithms to offer, so the server presents the key type we pinned."""
        if self.fingerprints:
            return ()
        names: list[str] = []
        for kind, _ in self.keys:
            names.extend(_SSH_RSA_ALGORITHMS if kind == "ssh-rsa" else (kind,))
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    host: str
    port: int = 22
    user: str
    key: secrets.Secret
    key_passphrase: secrets.Secret | None = None
    host_key: HostKeyPin
    outbound_dir: str = "outbound"
    inbound_dir: str = "inbound"
    processed_dir: str = "processed"
    failed_dir: str = "failed"
    name_pattern: str = "{key}.{format}"
    temp_pattern: str = ".{name}.part"
    inbound_glob: str = "*"
    done_suffix: str = ""
    signature_suffix: str = ".p7s"
    verify_cert: Any = None  # cryptography x509.Certificate
    sign_cert: Any = None
    sign_key: Any = None
    sign_outbound: bool = False
    batch_max_count: int = 500
    batch_max_bytes: int = 8 * 1024 * 1024
    max_file_bytes: int = 16 * 1024 * 1024
    poll_interval: float = 5.0
    max_files_per_poll: int = 5000
    connect_timeout: float = 10.0
    timeout: float = 30.0
    keepalive: int = 30
    backoff_initial: float = 0.5
    backoff_max: float = 60.0
    lease_seconds: float = 30.0
    sender: str | None = None
    spec: ConnectorSpec = field(default_factory=ConnectorSpec)


class _Table:
    """Reads a TOML table, naming the path of every bad or unknown key."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data, self.where, self.used = data, where, set[str]()

    def get(self, key: str, kind: type[T], default: T | None = None, *,
            required: bool = False) -> T:
        self.used.add(key)
        if key not in self.data:
            if required:
                raise ConfigError(f"{self.where}.{key} is required", code="CONFIG.INVALID",
                                  location=f"{self.where}.{key}")
            return default  # type: ignore[return-value]
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{self.where}.{key} must be {kind.__name__}", code="CONFIG.TYPE",
                              location=f"{self.where}.{key}")
        return value

    def secret(self, name: str, *, required: bool) -> secrets.Secret | None:
        self.used.update({name, f"{name}_file", f"{name}_env"})
        return secrets.read(self.data, name, where=self.where, required=required,
                            allow_inline=False)

    def finish(self, also: Sequence[str] = ()) -> None:
        unknown = sorted(set(self.data) - self.used - set(also))
        if unknown:
            raise ConfigError(f"{self.where}: unknown key {unknown[0]!r}",
                              code="CONFIG.UNKNOWN_KEY", location=f"{self.where}.{unknown[0]}")


def _file(path: str, where: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read ({exc.strerror})", location=where) from None


def parse_settings(name: str, settings: Mapping[str, Any]) -> Settings:
    where = f"connectors.{name}"
    t = _Table(settings, where)
    pins = settings.get("host_key")
    t.used.add("host_key")
    if isinstance(pins, str):
        pins = [pins]
    if not isinstance(pins, list) or not pins:
        raise ConfigError(f"{where}.host_key: a pinned host key is required (never trusted on "
                          f"first use)", location=f"{where}.host_key")
    values: dict[str, Any] = {
        "host": t.get("host", str, required=True),
        "user": t.get("user", str, required=True),
        "key": t.secret("key", required=True),
        "key_passphrase": t.secret("key_passphrase", required=False),
        "host_key": HostKeyPin.parse([str(p) for p in pins], f"{where}.host_key"),
    }
    for key, kind in (("port", int), ("outbound_dir", str), ("inbound_dir", str),
                      ("processed_dir", str), ("failed_dir", str), ("name_pattern", str),
                      ("temp_pattern", str), ("inbound_glob", str), ("done_suffix", str),
                      ("signature_suffix", str), ("sign_outbound", bool),
                      ("batch_max_count", int), ("batch_max_bytes", int), ("max_file_bytes", int),
                      ("poll_interval", float), ("max_files_per_poll", int),
                      ("connect_timeout", float), ("timeout", float), ("keepalive", int),
                      ("backoff_initial", float), ("backoff_max", float),
                      ("lease_seconds", float), ("sender", str)):
        if key in settings:
            values[key] = t.get(key, kind)
    if (cert := t.get("verify_cert_file", str)) is not None:
        values["verify_cert"] = cms.load_certificate(_file(cert, f"{where}.verify_cert_file"))
    sign_key = t.secret("sign_key", required=False)
    if (cert := t.get("sign_cert_file", str)) is not None:
        if sign_key is None:
            raise ConfigError(f"{where}.sign_key_file: needed with sign_cert_file",
                              location=f"{where}.sign_key_file")
        values["sign_cert"] = cms.load_certificate(_file(cert, f"{where}.sign_cert_file"))
        values["sign_key"] = cms.load_private_key(sign_key.reveal().encode())
    elif settings.get("sign_outbound"):
        raise ConfigError(f"{where}.sign_outbound needs sign_cert_file and sign_key_file",
                          location=f"{where}.sign_outbound")
    values["spec"] = spec_from(settings, where)
    t.finish(also=SPEC_KEYS)
    pattern = values.get("name_pattern", "{key}.{format}")
    _check_pattern(pattern, f"{where}.name_pattern")
    return Settings(**values)


def _check_pattern(pattern: str, where: str) -> None:
    import string

    fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
    unknown = fields - set(PLACEHOLDERS)
    if unknown:
        raise ConfigError(f"{where}: unknown placeholder {{{sorted(unknown)[0]}}}; use "
                          f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}", location=where)
    if not fields & {"key", "message_id"}:
        raise ConfigError(f"{where}: the name must contain {{key}} or {{message_id}} so that a "
                          f"retry finds the file it already sent", location=where)


def load_private_key(text: str, passphrase: str | None) -> paramiko.PKey:
    """An OpenSSH or PEM private key: ed25519, RSA or ECDSA."""
    last: Exception | None = None
    for cls in (paramiko.Ed25519Key, paramiko.RSAKey, paramiko.ECDSAKey):
        try:
            return cls.from_private_key(io.StringIO(text), passphrase)
        except (paramiko.SSHException, ValueError) as exc:
            last = exc
    raise ConfigError(f"the SSH private key cannot be read ({type(last).__name__})",
                      location="key")


# ------------------------------------------------------------------------------- connection --

class _Session:
    """One SSH transport + SFTP channel, used from one thread only."""

    def __init__(self, link: str, cfg: Settings, pkey: paramiko.PKey, metrics: Metrics,
                 direction: str) -> None:
        self.link, self.cfg, self.pkey, self.metrics = link, cfg, pkey, metrics
        self.direction = direction
        self.transport: paramiko.Transport | None = None
        self.sftp: paramiko.SFTPClient | None = None
        self.failures = 0
        self.not_before = 0.0

    @property
    def up(self) -> bool:
        return self.transport is not None and self.transport.is_active()

    def connect(self) -> paramiko.SFTPClient:
        if self.sftp is not None and self.up:
            return self.sftp
        self.drop()
        wait = self.not_before - time.monotonic()
        if wait > 0:
            raise ConnectorError(f"{self.link}: reconnecting in {wait:.1f}s after "
                                 f"{self.failures} failures", code="LINK.ERROR")
        try:
            self.sftp = self._open()
        except ConnectorError:
            self._failed()
            raise
        except (OSError, EOFError, paramiko.SSHException) as exc:
            self._failed()
            raise ConnectorError(f"{self.link}: cannot connect to {self.cfg.host}:"
                                 f"{self.cfg.port} ({type(exc).__name__}: {exc})",
                                 code="LINK.ERROR") from None
        self.failures = 0
        self.metrics.connected.labels(self.link, self.direction).set(1)
        return self.sftp

    def _failed(self) -> None:
        self.drop()
        self.failures += 1
        delay = min(self.cfg.backoff_max, self.cfg.backoff_initial * 2 ** (self.failures - 1))
        self.not_before = time.monotonic() + delay * random.uniform(0.5, 1.0)

    def _open(self) -> paramiko.SFTPClient:
        cfg = self.cfg
        sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.connect_timeout)
        transport = paramiko.Transport(sock)
        self.transport = transport
        transport.banner_timeout = cfg.connect_timeout
        transport.handshake_timeout = cfg.connect_timeout
        transport.auth_timeout = cfg.connect_timeout
        options = transport.get_security_options()
        offered = tuple(a for a in cfg.host_key.algorithms() if a in options.key_types)
        if offered:
            options.key_types = offered
        transport.start_client(timeout=cfg.connect_timeout)
        server_key = transport.get_remote_server_key()
        if not cfg.host_key.matches(server_key):
            self.metrics.host_key_failures.labels(self.link).inc()
            shown = HostKeyPin.fingerprint(server_key.asbytes())
            log.error("host key refused", extra={
                "action": "link.host_key", "link": self.link, "host": cfg.host,
                "presented": f"{server_key.get_name()} {shown}"})
            raise ConnectorError(
                f"{self.link}: host {cfg.host}:{cfg.port} presented {server_key.get_name()} "
                f"{shown}, which is not the pinned host key; refusing to connect",
                code="LINK.HOST_KEY", retryable=False)
        try:
            transport.auth_publickey(cfg.user, self.pkey)
        except paramiko.AuthenticationException:
            raise ConnectorError(f"{self.link}: {cfg.host} refused key authentication for "
                                 f"{cfg.user}", code="LINK.AUTH", retryable=False) from None
        if cfg.keepalive:
            transport.set_keepalive(cfg.keepalive)
        sftp = paramiko.SFTPClient.from_transport(transport)
        if sftp is None:
            raise paramiko.SSHException("the server refused the sftp subsystem")
        sftp.get_channel().settimeout(cfg.timeout)
        return sftp

    def drop(self) -> None:
        if self.transport is not None:
            with contextlib.suppress(Exception):
                self.transport.close()
        self.transport = self.sftp = None
        self.metrics.connected.labels(self.link, self.direction).set(0)


class _Channel:
    """Runs blocking SFTP work on its own thread, over a reused session."""

    def __init__(self, session: _Session) -> None:
        self.session = session
        self.pool = ThreadPoolExecutor(1, thread_name_prefix=f"sftp-{session.link}-"
                                                             f"{session.direction}")

    async def run(self, work: Callable[[paramiko.SFTPClient], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self._call, work)

    def _call(self, work: Callable[[paramiko.SFTPClient], T]) -> T:
        reused = self.session.up
        for attempt in (1, 2):
            sftp = self.session.connect()
            try:
                return work(sftp)
            except ConnectorError:
                raise
            except (OSError, EOFError, paramiko.SSHException) as exc:
                if self.session.up and not isinstance(exc, socket.timeout | EOFError):
                    # The server answered with an SFTP status: the link is fine.
                    raise ConnectorError(f"{self.session.link}: {exc}",
                                         code="LINK.ERROR") from None
                self.session.drop()
                if attempt == 1 and reused:
                    continue  # a stale reused connection: one fresh try (the work is idempotent)
                raise ConnectorError(f"{self.session.link}: connection lost "
                                     f"({type(exc).__name__})", code="LINK.ERROR") from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.pool.submit(self.session.drop).result(timeout=5)
        self.pool.shutdown(wait=False)


# --------------------------------------------------------------------------- remote helpers --

def _join(folder: str, name: str) -> str:
    return name if not folder else f"{folder.rstrip('/')}/{name}"


def _read(sftp: paramiko.SFTPClient, path: str, size: int) -> bytes:
    """`size` bytes (the size the stable listing showed: one request for a small file)."""
    with sftp.open(path, "rb") as f:
        if size > 32768:
            f.prefetch(size)
        return f.read(size)


def _sha256_remote(sftp: paramiko.SFTPClient, path: str, size: int) -> str:
    with sftp.open(path, "rb") as f:
        if size > 32768:
            f.prefetch(size)
        return hashlib.sha256(f.read(size + 1)).hexdigest()


def _exists(sftp: paramiko.SFTPClient, path: str) -> paramiko.SFTPAttributes | None:
    try:
        return sftp.stat(path)
    except FileNotFoundError:
        return None


class _Replies:
    """Requests sent back to back on one SFTP session, each answer checked.

    paramiko hands the answer to a request to the object registered with it
    (`_async_response`); this object keeps them until the caller takes them, in any order.
    The server carries out the requests on one handle in the order sent (OpenSSH's sftp-server
    does every request in turn), so a file's WRITEs (or READs) and its CLOSE can all be in
    flight at once. paramiko's own pipelined SFTPFile drops the status of each WRITE and waits
    for the writes before sending CLOSE; here every status is read and a failure raised.
    The request plumbing used (`_async_request`, `_read_response`, `_convert_status`) is
    paramiko's private API: pyproject bounds the version, the SFTP tests run against sshd.
    """

    def __init__(self, sftp: paramiko.SFTPClient) -> None:
        self.sftp = sftp
        self.answers: dict[int, tuple[int, paramiko.Message]] = {}

    def send(self, kind: int, *args: object) -> int:
        number: int = self.sftp._async_request(self, kind, *args)
        return number

    def _async_response(self, kind: int, msg: paramiko.Message, number: int) -> None:
        self.answers[number] = (kind, msg)

    def wait(self, numbers: Sequence[int]) -> None:
        for number in numbers:
            while number not in self.answers:
                self.sftp._read_response()

    def _take(self, number: int, expected: int) -> paramiko.Message:
        self.wait((number,))
        kind, msg = self.answers.pop(number)
        if kind == CMD_STATUS:
            self.sftp._convert_status(msg)  # raises OSError (or EOFError) unless OK
        if kind != expected:
            raise paramiko.SSHException(f"unexpected SFTP answer type {kind}")
        return msg

    def status(self, number: int) -> None:
        self._take(number, CMD_STATUS)

    def handle(self, number: int) -> bytes:
        return bytes(self._take(number, CMD_HANDLE).get_binary())

    def data(self, number: int) -> bytes:
        try:
            return bytes(self._take(number, CMD_DATA).get_string())
        except EOFError:
            return b""


_CHUNK = 32768  # paramiko's request size (and OpenSSH's channel packet size)
_WRITE_FLAGS = SFTP_FLAG_WRITE | SFTP_FLAG_CREATE | SFTP_FLAG_TRUNC


def _write(sftp: paramiko.SFTPClient, path: str, data: bytes) -> str:
    """Write `data` to `path` (created or truncated); the SHA-256 of `data`, computed while
    the server writes. One round trip for the handle, one for every WRITE and the CLOSE, all
    of whose statuses are checked before this returns."""
    replies = _Replies(sftp)
    handle = replies.handle(replies.send(CMD_OPEN, path, _WRITE_FLAGS, SFTPAttributes()))
    view = memoryview(data)
    sent = [replies.send(CMD_WRITE, handle, int64(at), view[at:at + _CHUNK])
            for at in range(0, len(data), _CHUNK)]
    sent.append(replies.send(CMD_CLOSE, handle))
    digest = hashlib.sha256(data).hexdigest()
    replies.wait(sent)
    for number in sent:
        replies.status(number)
    return digest


def _read_each(sftp: paramiko.SFTPClient, files: Sequence[tuple[str, int]]) -> Iterator[bytes]:
    """The first `size` bytes of each (path, size), in order: every OPEN back to back, then
    every READ and CLOSE back to back, so a batch costs two round trips instead of three per
    file. Each file is yielded as soon as it is in, while the later ones still arrive."""
    replies = _Replies(sftp)
    opened = [replies.send(CMD_OPEN, path, SFTP_FLAG_READ, SFTPAttributes())
              for path, _ in files]
    handles: list[bytes] = []
    try:
        for number in opened:
            handles.append(replies.handle(number))
    except (OSError, EOFError) as failed:
        replies.wait(opened)
        for number in opened[len(handles) + 1:]:  # close whatever did open, then fail
            with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
                handles.append(replies.handle(number))
        replies.wait([replies.send(CMD_CLOSE, handle) for handle in handles])
        raise failed
    reads = [[(replies.send(CMD_READ, handle, int64(at), min(_CHUNK, size - at)),
               min(_CHUNK, size - at)) for at in range(0, size, _CHUNK)]
             for handle, (_, size) in zip(handles, files, strict=True)]
    closed = [replies.send(CMD_CLOSE, handle) for handle in handles]
    for (path, size), chunks, close in zip(files, reads, closed, strict=True):
        parts: list[bytes] = []
        for number, wanted in chunks:
            part = replies.data(number)
            parts.append(part)
            if len(part) < wanted:
                break
        replies.status(close)
        data = b"".join(parts)
        # A short answer (the file shrank, or a server that reads less): read it the slow way.
        yield data if len(data) == size else _read(sftp, path, size)


def _move(sftp: paramiko.SFTPClient, source: str, folder: str, name: str) -> str:
    """Rename into `folder`; a name already there gets a UTC time suffix instead of a clobber."""
    target = _join(folder, name)
    try:
        sftp.rename(source, target)
    except FileNotFoundError:
        raise
    except OSError:
        if _exists(sftp, target) is None:
            raise
        target = _join(folder, f"{name}.{datetime.now(UTC):%Y%m%dT%H%M%S%f}")
        sftp.rename(source, target)
    return target


@dataclass(frozen=True, slots=True)
class _Upload:
    name: str
    data: bytes
    signature: bytes | None = None


@dataclass(slots=True)
class _Token:
    name: str
    size: int
    sha256: str
    taken: float
    sidecars: tuple[str, ...] = ()


_Entry = tuple[str, int, frozenset[str]]  # file name, size, every name in the folder
_Move = tuple["_Token", str, "list[Diagnostic] | None", "asyncio.Future[None]"]


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


# -------------------------------------------------------------------------------- connector --

@contextlib.asynccontextmanager
async def _always_held(key: str) -> AsyncIterator[bool]:
    yield True


class SftpConnector:
    """One bank's SFTP mailbox (see the module docstring)."""

    def __init__(self, name: str, cfg: Settings, *, registry: CollectorRegistry | None = None,
                 lease: Lease | None = None, seen: Seen | None = None,
                 alert: Alert | None = None) -> None:
        self.name = name
        self.cfg = cfg
        self.spec = cfg.spec
        self.metrics = metrics_for(registry or CollectorRegistry())
        pkey = load_private_key(cfg.key.reveal(),
                                cfg.key_passphrase.reveal() if cfg.key_passphrase else None)
        self._out = _Channel(_Session(name, cfg, pkey, self.metrics, "out"))
        self._in = _Channel(_Session(name, cfg, pkey, self.metrics, "in"))
        self._lease = lease or _always_held
        self._seen = seen
        self._alert = alert
        self._closed = asyncio.Event()
        self._last: dict[str, tuple[int, int]] = {}  # name -> (size, mtime) at the last poll
        self._inflight: dict[str, _Token] = {}
        self._seq = 0
        self._moves: list[_Move] = []
        self._moving = False
        m = self.metrics
        self._flow_out, self._flow_in = _Flow.of(m, name, "out"), _Flow.of(m, name, "in")
        m.unacked.labels(name).set_function(lambda: len(self._inflight))
        m.unacked_oldest.labels(name).set_function(self._oldest_age)

    @property
    def lease_key(self) -> str:
        return f"sftp:{self.cfg.user}@{self.cfg.host}:{self.cfg.port}/{self.cfg.inbound_dir}"

    def _oldest_age(self) -> float:
        if not self._inflight:
            return 0.0
        return time.monotonic() - min(t.taken for t in self._inflight.values())

    # -- life ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect once so that a wrong host key or credential shows at start-up."""
        await self._out.run(lambda sftp: sftp.stat(self.cfg.outbound_dir or "."))

    async def health(self) -> Health:
        try:
            await self._out.run(lambda sftp: sftp.stat(self.cfg.outbound_dir or "."))
        except ConnectorError as exc:
            return Health(up=False, detail=exc.message)
        return Health(up=True, detail=f"{self.cfg.host}:{self.cfg.port}")

    async def close(self) -> None:
        self._closed.set()
        await asyncio.gather(asyncio.to_thread(self._out.close), asyncio.to_thread(self._in.close))

    # -- outbound ------------------------------------------------------------------------------

    def file_name(self, outbound: Outbound, *, key: str | None = None) -> str:
        """The remote name from `name_pattern` (with {seq} left as a regex group)."""
        return self._render(outbound, key or outbound.idempotency_key, seq=None)

    def _render(self, outbound: Outbound, key: str, seq: int | None) -> str:
        message = outbound.message
        day = (message.created_at.astimezone(UTC).date() if message.created_at else
               message.settlement_date or datetime.now(UTC).date())
        return self.cfg.name_pattern.format(
            message_id=_safe(outbound.message_id if key == outbound.idempotency_key else key),
            key=_safe(key), format=_safe(outbound.format), date=f"{day:%Y%m%d}",
            seq="{seq}" if seq is None else f"{seq:06d}")

    async def send(self, outbound: Outbound) -> Delivery:
        return (await self._send_files([([outbound], outbound.payload,
                                         outbound.idempotency_key)]))[0]

    async def send_batch(self, outbounds: list[Outbound]) -> list[Delivery]:
        """Many messages per file where the format allows it (framing.py), within the bank's
        count and size limits; one Delivery per outbound, in order, naming its file."""
        groups = framing.chunks(outbounds, max_count=self.cfg.batch_max_count,
                                max_bytes=self.cfg.batch_max_bytes)
        files: list[tuple[list[Outbound], bytes, str]] = []
        for group in groups:
            try:
                data = framing.frame(group)
            except framing.FramingError as exc:
                raise ConnectorError(f"{self.name}: {exc.message}", code="LINK.FRAMING",
                                     retryable=False, location=exc.location) from None
            key = group[0].idempotency_key if len(group) == 1 else _batch_key(group)
            files.append((group, data, key))
        sent = await self._send_files(files)  # one Delivery per outbound, in file order
        by_item = dict(zip((id(o) for group, _, _ in files for o in group), sent, strict=True))
        return [by_item[id(o)] for o in outbounds]

    async def _send_files(self, files: Sequence[tuple[list[Outbound], bytes, str]]
                          ) -> list[Delivery]:
        deliveries: list[Delivery] = []
        for group, data, key in files:
            name = self._render(group[0], key, seq=None)
            signature = None
            if self.cfg.sign_outbound:
                signature = cms.sign(data, self.cfg.sign_cert, self.cfg.sign_key)
            upload = _Upload(name, data, signature)
            started = time.monotonic()
            final, existed, digest = await self._out.run(
                functools.partial(self._upload, upload=upload))
            flow = self._flow_out
            flow.latency.observe(time.monotonic() - started)
            if not existed:
                flow.files.inc()
                flow.bytes.inc(len(data))
            self.metrics.last_success.labels(self.name, "send").set(time.time())
            detail = {"sha256": digest, "bytes": len(data), "already_there": existed}
            if len(group) > 1:
                detail["batch_count"] = len(group)
            deliveries.extend(Delivery(outcome=Outcome.SENT, reference=final,
                                       detail={**detail, "position": i + 1} if len(group) > 1
                                       else detail) for i, _ in enumerate(group))
        return deliveries

    def _upload(self, sftp: paramiko.SFTPClient, upload: _Upload) -> tuple[str, bool, str]:
        """In the thread: (final name, already there, SHA-256 of the bytes)."""
        folder = self.cfg.outbound_dir
        name = upload.name
        if "{seq}" in name:
            digest = hashlib.sha256(upload.data).hexdigest()
            found = self._find_by_pattern(sftp, name, upload.data, digest)
            if found is not None:
                return found, True, digest
            name = name.replace("{seq}", f"{self._seq:06d}")
        if upload.signature is not None:
            self._place(sftp, folder, name + self.cfg.signature_suffix, upload.signature,
                        same_ok=False)
        existed, digest = self._place(sftp, folder, name, upload.data, same_ok=True)
        return name, existed, digest

    def _place(self, sftp: paramiko.SFTPClient, folder: str, name: str, data: bytes, *,
               same_ok: bool) -> tuple[bool, str]:
        """Write under the temporary name, rename to the final one: (already there, SHA-256).
        No existence check first: the rename itself refuses a taken name, so only a retry
        pays for the comparison."""
        final = _join(folder, name)
        temp = _join(folder, self.cfg.temp_pattern.format(name=name))
        digest = _write(sftp, temp, data)
        try:
            sftp.rename(temp, final)  # SFTP v3: refuses an existing target
            return False, digest
        except OSError:
            there = _exists(sftp, final)
            if there is None:
                raise
        with contextlib.suppress(OSError):
            sftp.remove(temp)
        if there.st_size == len(data) and _sha256_remote(sftp, final, len(data)) == digest:
            return True, digest  # an earlier attempt landed: sent once
        if not same_ok:  # a signature sidecar of a file being re-sent: replace it
            sftp.remove(final)
            return self._place(sftp, folder, name, data, same_ok=True)
        raise ConnectorError(f"{self.name}: {name} is already on the server with other "
                             f"content", code="LINK.NAME_TAKEN", retryable=False)

    def _find_by_pattern(self, sftp: paramiko.SFTPClient, name: str, data: bytes,
                         digest: str) -> str | None:
        """For names with {seq}: an earlier upload with the same key and bytes, else None (and
        the next free sequence number in self._seq)."""
        head, tail = name.split("{seq}", 1)
        rx = re.compile(re.escape(head) + r"(\d+)" + re.escape(tail))
        highest = 0
        for entry in sftp.listdir_attr(self.cfg.outbound_dir or "."):
            match = rx.fullmatch(entry.filename)
            if match is None:
                continue
            highest = max(highest, int(match.group(1)))
            if entry.st_size == len(data) and _sha256_remote(
                    sftp, _join(self.cfg.outbound_dir, entry.filename), len(data)) == digest:
                return entry.filename
        self._seq = max(self._seq, highest) + 1
        return None

    # -- inbound -------------------------------------------------------------------------------

    async def receive(self) -> AsyncIterator[Inbound]:
        failures = 0
        while not self._closed.is_set():
            async with self._lease(self.lease_key) as held:
                if not held:
                    self._last.clear()  # another process polls; start afresh when we hold it
                    await self._pause(self.cfg.poll_interval)
                    continue
                until = time.monotonic() + self.cfg.lease_seconds
                while not self._closed.is_set() and time.monotonic() < until:
                    try:
                        ready = await self._in.run(self._stable)
                        for batch in self._batches(ready):
                            if self._closed.is_set():
                                return
                            for inbound in await self._take(batch):
                                yield inbound
                    except ConnectorError as exc:
                        failures += 1
                        log.warning("poll failed", extra={
                            "action": "link.poll_failed", "link": self.name, "code": exc.code})
                        await self._pause(min(self.cfg.backoff_max,
                                              self.cfg.backoff_initial * 2 ** failures))
                        break
                    failures = 0
                    self.metrics.last_success.labels(self.name, "poll").set(time.time())
                    await self._pause(self.cfg.poll_interval)

    async def poll_once(self) -> list[Inbound]:
        """One poll without waiting (for tools and tests): the stable files now taken."""
        taken = []
        for batch in self._batches(await self._in.run(self._stable)):
            taken.extend(await self._take(batch))
        self.metrics.last_success.labels(self.name, "poll").set(time.time())
        return taken

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), seconds)

    def _stable(self, sftp: paramiko.SFTPClient) -> list[_Entry]:
        """In the thread: files ready to take as (name, size, names in the folder)."""
        cfg = self.cfg
        entries = sftp.listdir_attr(cfg.inbound_dir or ".")
        names = frozenset(e.filename for e in entries)
        now: dict[str, tuple[int, int]] = {}
        ready: list[tuple[int, str, int]] = []
        for e in entries:
            n = e.filename
            if (n.startswith(".") or e.st_mode is None or not stat.S_ISREG(e.st_mode)
                    or (cfg.done_suffix and n.endswith(cfg.done_suffix))
                    or (cfg.verify_cert is not None and n.endswith(cfg.signature_suffix))
                    or n.endswith(".errors.json") or not fnmatch.fnmatchcase(n, cfg.inbound_glob)
                    or n in self._inflight):
                continue
            shape = (e.st_size or 0, e.st_mtime or 0)
            now[n] = shape
            stable = (n + cfg.done_suffix in names) if cfg.done_suffix else (
                self._last.get(n) == shape)
            if stable:
                ready.append((shape[1], n, shape[0]))
        self._last = now
        ready.sort()
        return [(n, size, names) for _, n, size in ready[:cfg.max_files_per_poll]]

    @staticmethod
    def _batches(ready: list[_Entry], count: int = 64, budget: int = 4 * 1024 * 1024
                 ) -> list[list[_Entry]]:
        """Files read in one thread call: fewer hand-offs between the loop and the thread."""
        batches: list[list[_Entry]] = []
        size = 0
        for entry in ready:
            if not batches or len(batches[-1]) >= count or size + entry[1] > budget:
                batches.append([])
                size = 0
            batches[-1].append(entry)
            size += entry[1]
        return batches

    async def _take(self, entries: list[_Entry]) -> list[Inbound]:
        cfg = self.cfg
        tokens: list[_Token] = []
        for name, size, names in entries:
            sidecars = tuple(n for n in (name + cfg.done_suffix if cfg.done_suffix else "",
                                         name + cfg.signature_suffix) if n and n in names)
            token = _Token(name, size, "", time.monotonic(), sidecars)
            self._inflight[name] = token
            if size > cfg.max_file_bytes:
                await self._refuse(token, Diagnostic(
                    "LINK.FILE_TOO_LARGE",
                    f"{size} bytes is over the {cfg.max_file_bytes}-byte limit", name))
            else:
                tokens.append(token)
        try:
            fetched = await self._in.run(functools.partial(self._fetch, tokens=tokens))
        except ConnectorError:
            for token in tokens:
                self._inflight.pop(token.name, None)
            raise
        taken: list[Inbound] = []
        for token, (data, signature) in zip(tokens, fetched, strict=True):
            if self._seen is not None and await self._seen(
                    self.name, f"{token.name}:{len(data)}:{token.sha256}"):
                await self._finish(token, cfg.processed_dir, None)  # journalled before a crash
                continue
            if cfg.verify_cert is not None:
                try:
                    self._verify(token.name, data, signature)
                except _Refused as refused:
                    await self._refuse(token, refused.diagnostic)
                    continue
            self._flow_in.files.inc()
            self._flow_in.bytes.inc(len(data))
            taken.append(Inbound(channel=self.name, name=token.name, payload=data,
                                 sender=cfg.sender, token=token))
        return taken

    def _fetch(self, sftp: paramiko.SFTPClient, tokens: list[_Token]
               ) -> list[tuple[bytes, bytes | None]]:
        """In the thread: each file's bytes (its SHA-256 in its token, computed while the
        next files arrive) and, when the bank signs, its signature."""
        folder = self.cfg.inbound_dir
        contents = _read_each(sftp, [(_join(folder, t.name), t.size) for t in tokens])
        found: list[tuple[bytes, bytes | None]] = []
        for token, data in zip(tokens, contents, strict=True):
            token.sha256 = hashlib.sha256(data).hexdigest()
            token.size = len(data)
            signature = None
            sig_name = token.name + self.cfg.signature_suffix
            if self.cfg.verify_cert is not None and sig_name in token.sidecars:
                with sftp.open(_join(folder, sig_name), "rb") as f:
                    signature = f.read(cms.MAX_SIGNATURE_BYTES + 1)
            found.append((data, signature))
        return found

    def _verify(self, name: str, data: bytes, signature: bytes | None) -> None:
        if signature is None:
            raise _Refused(Diagnostic("LINK.SIGNATURE", f"the bank signs its files but "
                                      f"{name}{self.cfg.signature_suffix} is missing", name))
        try:
            cms.verify(data, signature, self.cfg.verify_cert)
        except cms.SignatureError as exc:
            raise _Refused(Diagnostic("LINK.SIGNATURE", exc.message,
                                      f"{name}{self.cfg.signature_suffix}"
                                      + (f" {exc.location}" if exc.location else ""))) from None

    async def _refuse(self, token: _Token, diagnostic: Diagnostic) -> None:
        if diagnostic.code == "LINK.SIGNATURE":
            self.metrics.signature_failures.labels(self.name).inc()
        log.error("inbound file refused", extra={
            "action": "link.refused", "link": self.name, "file": token.name,
            "code": diagnostic.code})
        await self._finish(token, self.cfg.failed_dir, [diagnostic])
        if self._alert is not None:
            await self._alert(self.name, diagnostic)

    async def ack(self, inbound: Inbound) -> None:
        token = inbound.token
        await self._finish(token, self.cfg.processed_dir, None)
        self._flow_in.latency.observe(time.monotonic() - token.taken)

    async def reject(self, inbound: Inbound, diagnostics: list[Diagnostic]) -> None:
        await self._finish(inbound.token, self.cfg.failed_dir, diagnostics)

    async def _finish(self, token: _Token, folder: str,
                      diagnostics: list[Diagnostic] | None) -> None:
        """Move a file (and its sidecars) on. Moves requested while others run are done
        together in one thread call, as when the hub acks a group commit."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._moves.append((token, folder, diagnostics, done))
        if not self._moving:
            self._moving = True
            try:
                while self._moves:
                    batch, self._moves = self._moves, []
                    results = await asyncio.shield(self._in.run(
                        functools.partial(self._move_all, batch=batch)))
                    for (item, _, _, future), error in zip(batch, results, strict=True):
                        self._inflight.pop(item.name, None)
                        self._last.pop(item.name, None)
                        if error is None:
                            future.set_result(None)
                        else:
                            future.set_exception(error)
            except BaseException as exc:
                for _, _, _, future in self._moves:
                    if not future.done():
                        future.set_exception(exc)
                self._moves = []
                raise
            finally:
                self._moving = False
        await done
        if diagnostics is not None:
            self.metrics.failed_files.labels(self.name).inc()

    def _move_all(self, sftp: paramiko.SFTPClient, batch: list[_Move]
                  ) -> list[Exception | None]:
        results: list[Exception | None] = []
        for token, folder, diagnostics, _ in batch:
            try:
                self._move_one(sftp, token, folder, diagnostics)
                results.append(None)
            except (OSError, EOFError, paramiko.SSHException) as exc:
                if not self._in.session.up:
                    raise  # the connection is gone: _Channel reconnects and retries the batch
                results.append(ConnectorError(f"{self.name}: cannot move {token.name}: {exc}",
                                              code="LINK.ERROR"))
        return results

    def _move_one(self, sftp: paramiko.SFTPClient, token: _Token, folder: str,
                  diagnostics: list[Diagnostic] | None) -> None:
        source = self.cfg.inbound_dir
        if diagnostics is not None:
            report = orjson.dumps({
                "file": token.name, "bytes": token.size, "sha256": token.sha256,
                "at": datetime.now(UTC).isoformat(),
                "diagnostics": [d.to_json() for d in diagnostics]}, option=orjson.OPT_INDENT_2)
            errors = f"{token.name}.errors.json"
            temp = _join(folder, self.cfg.temp_pattern.format(name=errors))
            _write(sftp, temp, report)
            _move(sftp, temp, folder, errors)
        with contextlib.suppress(FileNotFoundError):  # moved already: a repeated ack
            _move(sftp, _join(source, token.name), folder, token.name)
        for extra in token.sidecars:
            with contextlib.suppress(FileNotFoundError):
                _move(sftp, _join(source, extra), folder, extra)


_PLAIN = re.compile(r"[A-Za-z0-9._-]*")


def _safe(text: str) -> str:
    """A name part that cannot leave the folder or confuse the bank's scripts."""
    if _PLAIN.fullmatch(text) is None:  # the usual key needs no pass per character
        text = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
    return text.lstrip(".") or "_"


def _batch_key(group: Sequence[Outbound]) -> str:
    digest = hashlib.sha256("\n".join(o.idempotency_key for o in group).encode()).hexdigest()
    return f"B{digest[:24]}"


def build(name: str, settings: Mapping[str, Any], *, registry: CollectorRegistry | None = None,
          lease: Lease | None = None, seen: Seen | None = None, alert: Alert | None = None,
          **_: Any) -> SftpConnector:
    """The connector for the [connectors.<name>] table (docs/links.md lists every setting)."""
    return SftpConnector(name, parse_settings(name, settings), registry=registry, lease=lease,
                         seen=seen, alert=alert)


register({
    "LINK.AUTH": "the server refused our credentials",
    "LINK.NAME_TAKEN": "a file of that name with other content is already there",
    "LINK.FILE_TOO_LARGE": "inbound file larger than the configured limit",
})
