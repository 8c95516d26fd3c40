"""A profile's restricted XSDs are applied when the schema folder has them, and skipped (not
looked up part by part) when it has none: CBPR+ publishes its rules as usage guidelines, which
profiles.py holds, while Fedwire ships restricted XSDs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hub.codecs.base import Options
from hub.codecs.iso20022 import CODEC
from hub.codecs.iso20022.schemas import BASE, SchemaSet, schema_set
from tests.support import OWN_VECTORS

SAMPLE = OWN_VECTORS / "iso20022" / "base-cbpr-pacs.008.xml"


def test_the_shared_folder_has_base_and_fedwire_xsds_only(xsd_dir: Path) -> None:
    schemas = schema_set(xsd_dir)
    assert schemas is not None
    assert schemas.has_variant(BASE)
    assert schemas.has_variant("fedwire")
    assert not schemas.has_variant("cbpr")
    assert not SchemaSet(folder=xsd_dir).has_variant(BASE)  # nothing scanned: no variant


def test_restricted_xsds_still_validate_under_their_profile(options: Options) -> None:
    decoded = CODEC.decode(SAMPLE.read_bytes(), None, replace(options, profile="fedwire"))
    restricted = [d for d in decoded.diagnostics
                  if d.code.startswith("XSD.") and d.message.endswith("(fedwire)")]
    assert restricted, "the Fedwire XSDs refuse a CBPR+ message the base XSD accepts"
    assert all(d.location.startswith("/Envelope/") for d in restricted)


def test_a_profile_without_xsds_reports_what_the_base_xsd_and_its_rules_report(
        options: Options) -> None:
    raw = SAMPLE.read_bytes()
    plain = CODEC.decode(raw, None, options)
    cbpr = CODEC.decode(raw, None, replace(options, profile="cbpr"))
    assert plain.diagnostics == [d for d in cbpr.diagnostics if not d.code.startswith("CBPR.")]
    assert not any(d.message.endswith("(cbpr)") for d in cbpr.diagnostics)
    assert cbpr.messages == plain.messages
