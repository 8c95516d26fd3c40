"""Real servers for the link tests: an OpenSSH sshd started here, the RabbitMQ on 127.0.0.1."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator

import pytest

from tests.sshd.server import Mailbox, SshServer, available

AMQP_URL = os.environ.get("HUB_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sshd() -> Iterator[SshServer]:
    """One sshd for the session: own config, host keys, port and chroot; stopped at the end."""
    reason = available()
    if reason is not None:
        _missing(reason)
    server = SshServer.create()
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def mailbox(sshd: SshServer, request: pytest.FixtureRequest) -> Mailbox:
    """A fresh bank mailbox (outbound, inbound, processed, failed) for one test."""
    name = f"{request.node.name[:40]}-{secrets.token_hex(3)}"
    return sshd.mailbox("".join(c if c.isalnum() or c in "-_" else "_" for c in name))


@pytest.fixture(scope="session")
def amqp_url() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            pass
    except OSError:
        _missing("RabbitMQ not reachable on 127.0.0.1:5672")
    return AMQP_URL
