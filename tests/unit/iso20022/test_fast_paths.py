"""The fast paths agree with the reference ones.

- Writing: the XML text serialised from the data form is, byte for byte, what lxml writes for
  the tree built element by element (the reference renderer below), for every format, the
  samples written again, generated messages and awkward characters.
- Reading back what was just written, from its data form (`decode_written`) or its tree
  (`decode_tree(..., schema=False)`), gives the messages and diagnostics of decoding the bytes
  with the XSD.
- The data form (`tree.read`) holds every element, text and amount of every sample:
  serialised again it is the same XML up to insignificant whitespace; `tree.get` / `text` find
  what ElementPath's `find` / `findtext` find.
- The profile rules find the same with the decoder's shortcuts (the text in one C-level call,
  the index built while reading) as from the data form alone, and report identifiers in table
  order, then document order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from hub.codecs.base import Options
from hub.codecs.iso20022 import CODEC, profiles, tree, write
from hub.codecs.iso20022.safexml import parse
from hub.model import Message, Party, PostalAddress, to_data
from tests.support import OWN_VECTORS, vector_files
from tests.unit.iso20022.strategies import pacs008_message
from tests.unit.iso20022.test_encode import (
    ANSWER,
    CANCEL,
    COVER,
    FI,
    RESOLUTION,
    RETURN,
    STATUS,
    TRANSFER,
)

SAMPLES = vector_files("iso20022", "samples", pattern="**/*.xml")
OWN = OWN_VECTORS / "iso20022"
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
EVERY_FORMAT = [(TRANSFER, "pacs.008"), (FI, "pacs.009"), (COVER, "pacs.009cov"),
                (FI, "pacs.009adv"),
                (STATUS, "pacs.002"), (RETURN, "pacs.004"), (CANCEL, "camt.056"),
                (RESOLUTION, "camt.029"), (TRANSFER, "pain.001")]


# --- the reference renderer: one lxml SubElement per element ---------------------------------

def _render(parent: etree._Element | None, tag: str, value: Any, p: str,
            nsmap: dict[str | None, str] | None = None) -> etree._Element | None:
    if type(value) is list:
        for item in value:
            _render(parent, tag, item, p)
        return None
    attrs = {"Ccy": value[1]} if type(value) is tuple else None
    if parent is None:
        el = etree.Element(p + tag, attrs, nsmap=nsmap)
    else:
        el = etree.SubElement(parent, p + tag, attrs)
    if type(value) is tuple:
        el.text = value[0]
    elif type(value) is str:
        el.text = value or None
    else:
        for name, child in value.items():
            _render(el, name, child, p)
    return el


def _reference_assemble(doc: write.Node, definition: str, hdr: write.Node | None,
                        head: str) -> write.Written:
    ns = write.document_ns(definition)
    name, message = doc
    document = _render(None, "Document", {name: message}, f"{{{ns}}}", {None: ns})
    assert document is not None
    tree = document
    if hdr is not None:
        tree = etree.Element(f"{{{write.ENVELOPE_NS}}}Envelope", nsmap={None: write.ENVELOPE_NS})
        head_ns = write.NS_PREFIX + head
        header = _render(None, hdr[0], hdr[1], f"{{{head_ns}}}", {None: head_ns})
        tree.append(header)
        tree.append(document)
    return write.Written(text=etree.tostring(tree, encoding=str), definition=definition,
                         message_name=name, message=message,
                         head=head if hdr is not None else None,
                         header=hdr[1] if hdr is not None else None)


Renderers = Callable[..., tuple[bytes, bytes]]


@pytest.fixture
def both_renderers(monkeypatch: pytest.MonkeyPatch) -> Renderers:
    """Encode with the fast assembler and with the reference one; return both outputs."""
    def encode(messages: list[Message], fmt: str, options: Options,
               **envelope: Any) -> tuple[bytes, bytes]:
        fast = CODEC.encode(messages, fmt, options, **envelope)
        with monkeypatch.context() as m:
            m.setattr(write, "assemble", _reference_assemble)
            reference = CODEC.encode(messages, fmt, options, **envelope)
        return fast, reference
    return encode


@pytest.mark.parametrize("message, fmt", EVERY_FORMAT, ids=lambda v: v if isinstance(v, str)
                         else "")
@pytest.mark.parametrize("bah", [True, False])
def test_written_bytes_equal_the_reference_renderer(both_renderers: Renderers, message: Message,
                                                    fmt: str, bah: bool, options: Options) -> None:
    if fmt == "pain.001":
        message = replace(message, requested_execution_date=message.settlement_date)
    fast, reference = both_renderers([message], fmt, options, bah=bah, profile="cbpr")
    assert fast == reference


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_written_again_equal_the_reference_renderer(both_renderers: Renderers,
                                                            path: Path, options: Options) -> None:
    decoded = CODEC.decode(path.read_bytes(), None, options)
    fast, reference = both_renderers(decoded.messages, decoded.format, options,
                                     sender=decoded.sender, receiver=decoded.receiver,
                                     bah=decoded.envelope.header is not None)
    assert fast == reference


@SETTINGS
@given(pacs008_message())
def test_generated_messages_equal_the_reference_renderer(both_renderers: Renderers,
                                                         options: Options,
                                                         message: Message) -> None:
    fast, reference = both_renderers([message], "pacs.008", options)
    assert fast == reference


AWKWARD = "A&B <C> \"D\" 'E' \r\n F\tG é ü ß 東京 &amp;"


def test_awkward_characters_are_escaped_as_lxml_does_and_read_back(both_renderers: Renderers,
                                                                   options: Options) -> None:
    address = PostalAddress(town_name="Zürich", country="CH", lines=(AWKWARD[:70],))
    message = replace(TRANSFER, remittance_info=AWKWARD,
                      debtor=Party(name=AWKWARD, account="12345678", address=address))
    fast, reference = both_renderers([message], "pacs.008", options, validate=False)
    assert fast == reference
    back = CODEC.decode(fast, None, options).messages[0]
    assert back.debtor is not None and back.debtor.name == AWKWARD
    assert back.remittance_info == AWKWARD  # the carriage return survives as &#13;


def test_control_characters_are_refused_like_lxml(options: Options) -> None:
    message = replace(TRANSFER, remittance_info="bell \x07")
    with pytest.raises(ValueError, match="XML compatible"):
        CODEC.encode([message], "pacs.008", options)


# --- reading back the tree just written -------------------------------------------------------

def _same_decode(written: write.Written, fmt: str, options: Options) -> None:
    reference = CODEC.decode(written.xml, fmt, options)
    tree = write.parse_written(written)
    assert etree.tostring(tree, xml_declaration=True, encoding="UTF-8") == written.xml
    for fast in (CODEC.decode_written(written, fmt, options),
                 CODEC.decode_tree(tree, fmt, options, schema=False)):
        assert [to_data(m) for m in fast.messages] == [to_data(m) for m in reference.messages]
        assert fast.diagnostics == reference.diagnostics
        assert (fast.format, fast.sender, fast.receiver) == (
            reference.format, reference.sender, reference.receiver)
        assert fast.envelope.business_service == reference.envelope.business_service


@pytest.mark.parametrize("message, fmt", EVERY_FORMAT, ids=lambda v: v if isinstance(v, str)
                         else "")
@pytest.mark.parametrize("profile", [None, "cbpr"])
def test_read_back_equals_decoding_the_bytes(message: Message, fmt: str, profile: str | None,
                                             options: Options) -> None:
    if fmt == "pain.001":
        message = replace(message, requested_execution_date=message.settlement_date)
    opts = replace(options, profile=profile)
    _same_decode(CODEC.write_data([message], fmt, opts), fmt, opts)


@SETTINGS
@given(pacs008_message())
def test_read_back_of_generated_messages(options: Options, message: Message) -> None:
    _same_decode(CODEC.write_data([message], "pacs.008", options), "pacs.008",
                 replace(options, profile="cbpr"))


def test_answers_keep_their_references_when_read_back(options: Options) -> None:
    tree = CODEC.encode_tree([STATUS], "pacs.002", options)
    back = CODEC.decode_tree(tree, "pacs.002", options, schema=False).messages[0]
    assert back.original_message_id == ANSWER["original_message_id"]


# --- the data form ----------------------------------------------------------------------------

def _parts(path: Path) -> list[etree._Element]:
    root, _ = parse(path.read_bytes())
    assert root is not None
    return [el for el in root.iter() if isinstance(el.tag, str)
            and el.tag.endswith(("}AppHdr", "}Document"))]


def _cut(el: etree._Element) -> int:
    return el.tag.index("}") + 1


def _shape(el: etree._Element) -> tuple[Any, ...]:
    """An element as (namespace, local name, attributes, text or children): what the message
    says, without prefixes and indentation."""
    name = etree.QName(el)
    body: Any = tuple(_shape(c) for c in el) if len(el) else (el.text or "")
    return name.namespace, name.localname, dict(el.attrib), body


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_data_form_holds_every_element(path: Path) -> None:
    for part in _parts(path):
        data = tree.read(part)
        out: list[str] = []
        tree.serialise(data, out)
        ns = part.tag[1:_cut(part) - 1]
        name = part.tag[_cut(part):]
        again = etree.fromstring(f'<{name} xmlns="{ns}">{"".join(out)}</{name}>')
        assert _shape(again)[3] == _shape(part)[3]  # the children: the data form's content
        index: dict[str, list[Any]] = {name: [] for name in profiles.WATCHED}
        assert tree.read(part, index) == data
        assert index == tree.index_of(data, profiles.WATCHED)


PATHS = (("GrpHdr", "MsgId"), ("GrpHdr", "NbOfTxs"), ("GrpHdr", "SttlmInf", "SttlmMtd"),
         ("GrpHdr", "SttlmInf", "ClrSys", "Cd"), ("CdtTrfTxInf", "PmtId", "UETR"),
         ("CdtTrfTxInf", "InstgAgt", "FinInstnId", "BICFI"),
         ("CdtTrfTxInf", "Dbtr", "PstlAdr", "AdrLine"), ("CdtTrfTxInf", "ChrgBr"),
         ("TxInfAndSts", "OrgnlUETR"), ("Undrlyg", "TxInf", "Case", "Cretr", "Agt", "FinInstnId",
                                       "BICFI"),
         ("PmtInf", "CdtTrfTxInf", "Amt", "InstdAmt"), ("CdtTrfTxInf", "RmtInf", "Ustrd"),
         ("Nothing", "Here"), ("GrpHdr", "Nothing"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_get_finds_what_elementpath_finds(path: Path) -> None:
    for part in _parts(path):
        if not part.tag.endswith("}Document"):
            continue
        message = part[0]
        p = message.tag[: _cut(message)]
        data = tree.read(message)
        for steps in PATHS:
            query = "/".join(p + step for step in steps)
            assert tree.text(data, *steps) == message.findtext(query)
            assert (tree.get(data, *steps) is None) == (message.find(query) is None)


def test_get_searches_past_a_dead_end_in_document_order() -> None:
    root = etree.fromstring(b"<r><a><c/></a><a><b>one</b></a><a><b>two</b></a></r>")
    data = tree.read(root)
    assert tree.text(data, "a", "b") == root.findtext("a/b") == "one"
    assert tree.get(data, "a", "x") is None and tree.get(data, "x") is None
    assert tree.text(data, "a", "c") == root.findtext("a/c") == ""


# --- profile rules: the decoder's shortcuts against the data form alone -----------------------

@pytest.mark.parametrize("path", SAMPLES + sorted(OWN.glob("base-*.xml")), ids=lambda p: p.name)
def test_rules_find_the_same_from_the_data_form_alone(path: Path, options: Options) -> None:
    decoded = CODEC.decode(path.read_bytes(), None, options)
    header, document = decoded.envelope.header, decoded.envelope.document
    message = document[0]
    header_data = tree.read(header) if header is not None else None
    where = profiles.xpath(message)
    header_where = profiles.xpath(header) if header is not None else "/AppHdr"
    for profile in profiles.BY_NAME.values():
        index: dict[str, list[Any]] = {name: [] for name in profiles.WATCHED}
        data = tree.read(message, index)
        fast = profiles.Context(format=decoded.format, data=data, where=where,
                                header=header_data, header_where=header_where,
                                element=message, header_element=header, index=index)
        alone = profiles.Context(format=decoded.format, data=tree.read(message),
                                 where=where, header=header_data, header_where=header_where)
        found = profiles.check(profile, fast)
        assert found == profiles.check(profile, alone)
        assert found == profiles.check(profile, fast)  # the cached lookups give the same


def test_identifiers_are_reported_in_table_order() -> None:
    message = etree.fromstring(
        b'<M xmlns="urn:x"><T><EndToEndId>/a</EndToEndId><MsgId>b/</MsgId></T>'
        b'<T><InstrId>c//d</InstrId><MsgId>/e</MsgId></T></M>')
    data = tree.read(message)
    for element in (message, None):
        ctx = profiles.Context(format="pacs.008", data=data, where="/M", element=element)
        found = [where for _, where in profiles.charset()(ctx)]
        assert found == ["/M/T[1]/MsgId", "/M/T[2]/MsgId", "/M/T[2]/InstrId", "/M/T[1]/EndToEndId"]


@pytest.mark.parametrize("text, outside", [
    ("plain ASCII 0-9 !#$%&*=^_`{|}~\";<>@[\\]", False), ("tab\tnew\nline\r", False),
    ("é", True), ("\x7f", True), ("€", True)])
def test_quick_character_check_agrees_with_the_pattern(text: str, outside: bool) -> None:
    assert profiles._outside_finx(text) is outside
    assert (profiles._OUTSIDE_EXTENDED.search(text) is not None) is outside


IDENTIFIER_PIECES = st.sampled_from(["A", "b9", "/", "//", " ", "\n", "é", "-?:().,'+", ""])


@given(st.lists(st.one_of(st.lists(IDENTIFIER_PIECES, max_size=5).map("".join),
                          st.just({"Cd": "X"}), st.just(("1.00", "EUR"))), max_size=5))
def test_identifiers_checked_together_agree_with_one_by_one(values: list[Any]) -> None:
    one_by_one = all(type(v) is str and profiles._IDENTIFIER.fullmatch(v) for v in values)
    assert profiles._identifiers_valid(values) is bool(one_by_one)


def test_amounts_are_read_past_the_name_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tree, "_MAX_NAMES", 0)  # a full cache: names worked out every time
    root = etree.fromstring(b'<r xmlns="urn:uncached"><NewAmt Ccy="EUR">1.50</NewAmt>'
                            b'<NewNm>x</NewNm><B><OtherAmt Ccy="USD">2</OtherAmt></B></r>')
    expected = {"NewAmt": ("1.50", "EUR"), "NewNm": "x", "B": {"OtherAmt": ("2", "USD")}}
    assert tree.read(root) == expected
    assert tree.read(root, {"OtherAmt": []}) == expected
    assert "{urn:uncached}NewAmt" not in tree._NAMES


@pytest.mark.parametrize("reference, charset", [("&#233;", True), ("&amp;", False),
                                                ("&#65;", False)])
def test_character_references_are_looked_at_by_the_charset_rule(
        options: Options, reference: str, charset: bool) -> None:
    raw = (OWN / "base-cbpr-pacs.008.xml").read_bytes().replace(
        b"Acme Widgets", b"Acme W" + reference.encode() + b"dgets")
    decoded = CODEC.decode(raw, None, replace(options, profile="cbpr"))
    found = [d.location for d in decoded.diagnostics if d.code == "CBPR.CHARSET"]
    assert found == (["/Envelope/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/Dbtr/Nm"]
                     if charset else [])
