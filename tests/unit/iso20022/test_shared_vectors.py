"""Every file under ../shared/vectors/iso20022: XSDs compile and are found by namespace; every
sample decodes, maps and writes back to the same canonical messages; profiles accept the samples
of their own rail and refuse the others'."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from hub.codecs.iso20022 import CODEC
from hub.codecs.iso20022.schemas import BASE, _variant, schema_set
from hub.errors import Severity
from hub.model import to_data
from tests.support import vector_files

XSDS = vector_files("iso20022", "xsd", pattern="**/*.xsd")
SAMPLES = vector_files("iso20022", "samples", pattern="**/*.xml")
NAMESPACE = "{http://www.w3.org/2001/XMLSchema}"

# what each sample folder must give under a profile: the codes of the error diagnostics
PROFILE_EXPECTATIONS: dict[tuple[str, str], set[str]] = {
    ("fedwire", "fedwire"): set(),
    ("cbpr-mt-mx", "cbpr"): set(),
    ("cbpr-ur", "cbpr"): set(),
}
# samples that break a CBPR+ rule on purpose or by their age (documented in iso20022.md)
CBPR_KNOWN = {
    # the Case creator's address is AdrLine only: refused from November 2026
    "c_29_2_2__mt192_camt_056_A_D.xml": {"CBPR.ADDRESS_UNSTRUCTURED"},
    "c_29_2_2__mt_196_camt_029_D_A.xml": {"CBPR.ADDRESS_UNSTRUCTURED"},
    # a minimal instance without BizSvc
    "y2025__pacs.008.min.xml": {"CBPR.BIZSVC", "CBPR.FROM_AGENT", "CBPR.TO_AGENT"},
}


def _errors(diagnostics: list) -> list:  # type: ignore[type-arg]
    return [d for d in diagnostics if d.severity is Severity.ERROR]


@pytest.mark.parametrize("path", XSDS, ids=lambda p: p.name)
def test_xsd_compiles_and_is_found_by_namespace(path: Path, xsd_dir: Path) -> None:
    namespace = etree.parse(str(path)).getroot().get("targetNamespace")
    schemas = schema_set(xsd_dir)
    assert schemas is not None
    variant = _variant(path.name)
    assert variant == ("fedwire" if path.name.startswith("Fedwire_") else BASE)
    assert schemas.files[(variant, namespace)] == path.resolve()
    assert schemas.get(namespace, variant) is not None


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_decodes_without_errors(path: Path, options) -> None:  # type: ignore[no-untyped-def]
    raw = path.read_bytes()
    fmt = CODEC.detect(raw)
    decoded = CODEC.decode(raw, fmt, options)
    assert _errors(decoded.diagnostics) == []
    assert decoded.format == fmt
    assert decoded.messages
    warnings = {d.code for d in decoded.diagnostics if d.severity is Severity.WARNING}
    # the only sample without a base XSD in the folder is the Fedwire pacs.004.001.10
    assert warnings == ({"ISO.NO_SCHEMA"} if "pacs.004" in path.name
                        and "fedwire" in str(path) else set())
    for message in decoded.messages:
        assert message.format == fmt


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_round_trips_through_the_canonical_model(path: Path, options) -> None:  # type: ignore[no-untyped-def]
    raw = path.read_bytes()
    decoded = CODEC.decode(raw, None, options)
    report: list = []  # type: ignore[type-arg]
    written = CODEC.encode(decoded.messages, decoded.format, options, sender=decoded.sender,
                           receiver=decoded.receiver, bah=decoded.envelope.header is not None,
                           report=report)
    again = CODEC.decode(written, None, options)
    assert _errors(again.diagnostics) == []
    before = [to_data(m) for m in decoded.messages]
    after = [to_data(m) for m in again.messages]
    if any(d.code == "ISO.DEFAULTED" and d.location.endswith("/Cretr") for d in report):
        # the source's case creator had no BIC: the written default is reported, and read back
        for item in after:
            item["extra"].pop("iso.Case.Cretr")
    assert before == after


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_profile_of_the_samples_own_rail(path: Path, options) -> None:  # type: ignore[no-untyped-def]
    folder = path.parent.name
    profile = {"fedwire": "fedwire", "cbpr-mt-mx": "cbpr", "cbpr-ur": "cbpr"}.get(folder)
    if profile is None:
        pytest.skip("pain samples belong to no rail profile")
    decoded = CODEC.decode(path.read_bytes(), None, replace(options, profile=profile))
    codes = {d.code for d in _errors(decoded.diagnostics)}
    expected = PROFILE_EXPECTATIONS[(folder, profile)] | CBPR_KNOWN.get(path.name, set())
    assert codes == expected


@pytest.mark.parametrize("path", [p for p in SAMPLES if "cbpr" in str(p.parent)],
                         ids=lambda p: p.name)
def test_cbpr_samples_fail_the_fedwire_rail(path: Path, options) -> None:  # type: ignore[no-untyped-def]
    decoded = CODEC.decode(path.read_bytes(), None, replace(options, profile="fedwire"))
    codes = {d.code for d in _errors(decoded.diagnostics)}
    assert codes & {"FED.ABA", "FED.STTLM", "FED.MSGID", "FED.BIZSVC"} or any(
        c.startswith("XSD.") for c in codes)
