"""Connector settings: pins, secrets, names and unknown keys, checked before any I/O."""

from __future__ import annotations

import base64
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from hub.connectors import amqp, sftp
from hub.connectors.base import Outbound
from hub.errors import ConfigError
from hub.model import Kind, Message

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


def _sftp(key_file: Path, **more: object) -> dict[str, object]:
    table: dict[str, object] = {"host": "127.0.0.1", "user": "u", "key_file": str(key_file),
                                "host_key": ED25519}
    table.update(more)
    return table


def test_known_hosts_line_and_fingerprint_pins() -> None:
    blob = base64.b64decode(ED25519.split()[1])
    pin = sftp.HostKeyPin.parse([f"[bank.example]:2222 {ED25519} comment"], "x")
    assert pin.keys == (("ssh-ed25519", blob),) and pin.algorithms() == ("ssh-ed25519",)
    print_pin = sftp.HostKeyPin.parse([sftp.HostKeyPin.fingerprint(blob)], "x")
    assert print_pin.fingerprints and print_pin.algorithms() == ()
    rsa = sftp.HostKeyPin.parse(["ssh-rsa AAAAB3NzaC1yc2E="], "x")
    assert rsa.algorithms()[:2] == ("rsa-sha2-512", "rsa-sha2-256")


@pytest.mark.parametrize("value", ["", "ssh-ed25519 !!!notbase64", "just words"])
def test_bad_pins_are_configuration_errors(value: str) -> None:
    with pytest.raises(ConfigError):
        sftp.HostKeyPin.parse([value], "connectors.bank.host_key")


def test_settings_are_read_and_checked(key_file: Path) -> None:
    cfg = sftp.parse_settings("bank", _sftp(key_file, port=2222, poll_interval=1,
                                            formats=["mt103"], max_amount="1000000"))
    assert cfg.port == 2222 and cfg.poll_interval == 1.0
    assert cfg.spec.formats == ("mt103",) and str(cfg.spec.max_amount) == "1000000"
    assert "PRIVATE KEY" in cfg.key.reveal() and "PRIVATE" not in repr(cfg.key)


@pytest.mark.parametrize(("change", "location"), [
    ({"colour": "blue"}, "connectors.bank.colour"),
    ({"port": "22"}, "connectors.bank.port"),
    ({"host_key": []}, "connectors.bank.host_key"),
    ({"name_pattern": "{date}.fin"}, "connectors.bank.name_pattern"),
    ({"name_pattern": "{key}.{nope}"}, "connectors.bank.name_pattern"),
    ({"sign_outbound": True}, "connectors.bank.sign_outbound"),
    ({"verify_cert_file": "/nonexistent/cert.pem"}, "connectors.bank.verify_cert_file"),
])
def test_bad_settings_name_their_path(key_file: Path, change: dict[str, object],
                                      location: str) -> None:
    with pytest.raises(ConfigError) as caught:
        sftp.parse_settings("bank", _sftp(key_file, **change))
    assert caught.value.location == location


def test_inline_private_keys_are_refused(key_file: Path) -> None:
    table = _sftp(key_file)
    del table["key_file"]
    table["key"] = key_file.read_text()
    with pytest.raises(ConfigError, match="key_file or key_env"):
        sftp.parse_settings("bank", table)


def test_file_names_follow_the_pattern(key_file: Path) -> None:
    link = sftp.build("bank", _sftp(key_file, name_pattern="{date}_{key}_{message_id}.{format}"),
                      registry=CollectorRegistry())
    message = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER)
    item = Outbound(message_id="h/1", idempotency_key="../../etc/passwd", format="pacs.008",
                    payload=b"", message=message)
    today = datetime.now(UTC).strftime("%Y%m%d")
    assert link.file_name(item) == f"{today}__.._etc_passwd_h_1.pacs.008"  # no "/" survives
    dated = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, settlement_date=date(2024, 2, 29))
    item = Outbound(message_id="m", idempotency_key="k", format="mt103", payload=b"",
                    message=dated)
    assert link.file_name(item) == "20240229_k_m.mt103"


def test_metrics_are_declared_once_per_registry(key_file: Path) -> None:
    registry = CollectorRegistry()
    a = sftp.build("a", _sftp(key_file), registry=registry)
    b = sftp.build("b", _sftp(key_file), registry=registry)
    assert a.metrics is b.metrics
    assert registry.get_sample_value("hub_sftp_unacked", {"link": "b"}) == 0


def test_amqp_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKER_URL", "amqp://u:p@127.0.0.1/")
    cfg = amqp.parse_settings("q", {"url_env": "BROKER_URL", "queue": "in", "dlq": "in.dlq",
                                    "prefetch": 10, "rails": ["internal"]})
    assert cfg.url.reveal().startswith("amqp://") and cfg.prefetch == 10
    assert cfg.spec.rails == ("internal",)
    with pytest.raises(ConfigError) as caught:
        amqp.parse_settings("q", {"url_env": "BROKER_URL", "queue": "in"})
    assert caught.value.location == "connectors.q.dlq"
    with pytest.raises(ConfigError):
        amqp.parse_settings("q", {"url": "amqp://inline"})
    with pytest.raises(ConfigError) as caught:
        amqp.parse_settings("q", {"url_env": "BROKER_URL", "queue_type": "stream"})
    assert caught.value.location == "connectors.q.queue_type"
