"""The CLI's output contracts, which tools outside the project rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.cli import main
from tests.integration.core.test_journal import payment
from tests.support import OWN_VECTORS


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(payment())
    code, out, _ = run(capsys, "validate", str(good), "--json")
    assert code == 0
    assert json.loads(out) == {"valid": True, "format": "json", "diagnostics": []}
    bad = tmp_path / "bad.json"
    bad.write_bytes(payment(amount={"value": "1.5", "currency": "JPY"}))
    code, out, _ = run(capsys, "validate", str(bad), "--json")
    data = json.loads(out)
    assert code == 1 and data["valid"] is False and data["format"] == "json"
    assert data["diagnostics"] == [{"code": "MODEL.MINOR_UNITS", "severity": "error",
                                    "message": data["diagnostics"][0]["message"],
                                    "location": "amount.value"}]


def test_convert_to_json_and_errors_on_stderr(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(payment(instruction_id="X-1"))
    code, out, _ = run(capsys, "convert", str(good), "--to", "json")
    assert code == 0 and json.loads(out)["instruction_id"] == "X-1"
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"kind": "cover", "amount": 5}')
    code, out, err = run(capsys, "convert", str(bad), "--to", "json")
    assert code == 1 and out == ""
    assert json.loads(err)["diagnostics"][0]["code"] == "MODEL.TYPE"


def test_convert_faim_to_a_fedwire_pacs_reports_what_it_defaulted(
        capsys: pytest.CaptureFixture[str]) -> None:
    faim = OWN_VECTORS / "fedwire" / "valid-covs.txt"
    code, out, err = run(capsys, "convert", str(faim), "--to", "pacs.009cov",
                         "--profile", "fedwire")
    assert code == 0 and out.startswith("<?xml")
    assert "<LclInstrm><Prtry>COVS</Prtry></LclInstrm>" in out
    defaulted = {d["location"] for d in json.loads(err)["diagnostics"]
                 if d["code"] == "ISO.DEFAULTED"}
    assert "/Document/FICdtTrf/CdtTrfTxInf[1]/PmtId/UETR" in defaulted  # FAIM has none


def test_check_config_masks_secrets(capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB__JOURNAL__URL", "postgresql://hub:pa55word@db/hub")
    code, out, _ = run(capsys, "check-config")
    assert code == 0 and "pa55word" not in out and json.loads(out)["api"]["port"] == 8080


def test_unknown_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "/nonexistent/file.fin", "--json")
    assert code == 2 and "no such file" in err
