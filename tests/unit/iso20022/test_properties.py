"""Property tests: canonical -> pacs.008 -> canonical is the identity, and the XML written
always validates against the XSD (the encoder checks, and so does this test)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from lxml import etree

from hub.codecs.iso20022 import CODEC
from hub.codecs.iso20022.safexml import parse
from hub.codecs.iso20022.schemas import schema_set
from hub.model import Message, to_data
from tests.unit.iso20022.strategies import pacs008_message

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(pacs008_message())
def test_pacs008_round_trip_is_identity(options, message: Message) -> None:  # type: ignore[no-untyped-def]
    written = CODEC.encode([message], "pacs.008", options)
    decoded = CODEC.decode(written, "pacs.008", options)
    assert decoded.ok, decoded.diagnostics
    assert [to_data(m) for m in decoded.messages] == [to_data(message)]


@SETTINGS
@given(pacs008_message())
def test_written_xml_validates_against_the_xsd(options, xsd_dir, message: Message) -> None:  # type: ignore[no-untyped-def]
    written = CODEC.encode([message], "pacs.008", options, bah=True)
    root, problems = parse(written)
    assert root is not None and not problems
    schemas = schema_set(xsd_dir)
    assert schemas is not None
    header, document = root[0], root[1]
    for element in (header, document):
        namespace = etree.QName(element).namespace
        schema = schemas.get(namespace)
        assert schema is not None
        assert schema.validate(element), schema.error_log
