from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load, resolved
from hub.errors import ConfigError


def test_defaults_then_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[api]\nport = 8100\nhost = "0.0.0.0"\n[dispatch]\nmax_attempts = 3\n')
    settings = load(path, env={"HUB__API__PORT": "8200"})
    assert settings.api.port == 8200
    assert settings.api.host == "0.0.0.0"
    assert settings.dispatch.max_attempts == 3
    assert settings.dispatch.batch_size == 64


def test_unknown_keys_name_their_path(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text("[api]\nprot = 1\n")
    with pytest.raises(ConfigError) as caught:
        load(path, env={})
    assert caught.value.location == "api.prot"
    with pytest.raises(ConfigError) as caught:
        load(None, env={"HUB__NOPE__X": "1"})
    assert caught.value.location == "nope"


def test_wrong_types_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(None, env={"HUB__API__PORT": "eighty"})
    assert caught.value.code == "CONFIG.TYPE"


def test_secrets_are_masked_in_check_config(tmp_path: Path) -> None:
    settings = load(None, env={
        "HUB__JOURNAL__URL": "postgresql://hub:s3cret@db.internal/hub",
        "HUB__CONNECTORS__BANK__TYPE": "sftp", "HUB__CONNECTORS__BANK__PASSWORD": "hunter2"})
    text = str(resolved(settings))
    assert "s3cret" not in text and "hunter2" not in text
    assert "db.internal" in text


def test_connectors_need_a_type() -> None:
    with pytest.raises(ConfigError) as caught:
        load(None, env={"HUB__CONNECTORS__BANK__HOST": "x"})
    assert caught.value.location == "connectors.bank.type"
