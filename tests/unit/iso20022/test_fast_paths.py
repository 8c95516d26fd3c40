"""The fast paths agree with the reference ones.

- Writing: the XML text built in one go and parsed once serialises byte for byte as the tree
  built element by element with lxml (the reference renderer below), for every format, the
  samples written again, generated messages and awkward characters.
- Reading back what was just written (`decode_tree(..., schema=False)`) gives the messages and
  diagnostics of decoding the serialised bytes with the XSD.
- `components.first` / `first_text` and the shared `Children` index find what ElementPath's
  `find` / `findtext` find.
- The profile rules: text in one call equals itertext, identifiers come out in the order of
  the tag-by-tag reading, and the cached lookups of a context give the same findings again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from hub.codecs.base import Options
from hub.codecs.iso20022 import CODEC, write
from hub.codecs.iso20022.components import Children, first, first_text, q
from hub.codecs.iso20022.safexml import parse
from hub.model import Message, Party, PostalAddress, to_data
from tests.support import vector_files
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
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
EVERY_FORMAT = [(TRANSFER, "pacs.008"), (FI, "pacs.009"), (COVER, "pacs.009cov"),
                (STATUS, "pacs.002"), (RETURN, "pacs.004"), (CANCEL, "camt.056"),
                (RESOLUTION, "camt.029"), (TRANSFER, "pain.001")]


# --- the reference renderer: one lxml SubElement per element ---------------------------------

def _render(parent: etree._Element | None, item: write.Node, p: str,
            nsmap: dict[str | None, str] | None = None) -> etree._Element:
    tag, content, attrs = item
    if parent is None:
        el = etree.Element(p + tag, attrs or None, nsmap=nsmap)
    else:
        el = etree.SubElement(parent, p + tag, attrs or None)
    if isinstance(content, str):
        el.text = content
    else:
        for child in content:
            _render(el, child, p)
    return el


def _reference_assemble(doc: write.Node, definition: str, hdr: write.Node | None,
                        head: str) -> etree._Element:
    ns = write.document_ns(definition)
    document = _render(None, ("Document", [doc], {}), f"{{{ns}}}", {None: ns})
    if hdr is None:
        return document
    envelope = etree.Element(f"{{{write.ENVELOPE_NS}}}Envelope",
                             nsmap={None: write.ENVELOPE_NS})
    head_ns = write.NS_PREFIX + head
    envelope.append(_render(None, hdr, f"{{{head_ns}}}", {None: head_ns}))
    envelope.append(document)
    return envelope


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

def _same_decode(tree: etree._Element, fmt: str, options: Options) -> None:
    raw = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    fast = CODEC.decode_tree(tree, fmt, options, schema=False)
    reference = CODEC.decode(raw, fmt, options)
    assert [to_data(m) for m in fast.messages] == [to_data(m) for m in reference.messages]
    assert fast.diagnostics == reference.diagnostics
    assert (fast.format, fast.sender, fast.receiver) == (reference.format, reference.sender,
                                                         reference.receiver)


@pytest.mark.parametrize("message, fmt", EVERY_FORMAT, ids=lambda v: v if isinstance(v, str)
                         else "")
@pytest.mark.parametrize("profile", [None, "cbpr"])
def test_read_back_equals_decoding_the_bytes(message: Message, fmt: str, profile: str | None,
                                             options: Options) -> None:
    if fmt == "pain.001":
        message = replace(message, requested_execution_date=message.settlement_date)
    opts = replace(options, profile=profile)
    _same_decode(CODEC.encode_tree([message], fmt, opts), fmt, opts)


@SETTINGS
@given(pacs008_message())
def test_read_back_of_generated_messages(options: Options, message: Message) -> None:
    _same_decode(CODEC.encode_tree([message], "pacs.008", options, validate=False), "pacs.008",
                 replace(options, profile="cbpr"))


def test_answers_keep_their_references_when_read_back(options: Options) -> None:
    tree = CODEC.encode_tree([STATUS], "pacs.002", options)
    back = CODEC.decode_tree(tree, "pacs.002", options, schema=False).messages[0]
    assert back.original_message_id == ANSWER["original_message_id"]


# --- first / first_text against ElementPath ---------------------------------------------------

PATHS = ("GrpHdr/MsgId", "GrpHdr/NbOfTxs", "GrpHdr/SttlmInf/SttlmMtd", "GrpHdr/SttlmInf/ClrSys/Cd",
         "CdtTrfTxInf/PmtId/UETR", "CdtTrfTxInf/InstgAgt/FinInstnId/BICFI",
         "CdtTrfTxInf/Dbtr/PstlAdr/AdrLine", "CdtTrfTxInf/ChrgBr", "TxInfAndSts/OrgnlUETR",
         "Undrlyg/TxInf/Case/Cretr/Agt/FinInstnId/BICFI", "PmtInf/CdtTrfTxInf/Amt/InstdAmt",
         "CdtTrfTxInf/RmtInf/Ustrd", "Nothing/Here", "GrpHdr/Nothing")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_first_finds_what_elementpath_finds(path: Path) -> None:
    root, _ = parse(path.read_bytes())
    assert root is not None
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.tag.endswith("}Document"):
            continue
        message = el[0]
        p = message.tag[: message.tag.index("}") + 1]
        index = Children()
        for step in PATHS:
            assert first(message, p, step) is message.find(q(p, step))
            assert first_text(message, p, step) == message.findtext(q(p, step))
            assert index.first(message, p, step) is message.find(q(p, step))
            assert index.text(message, p, step) == message.findtext(q(p, step))


def test_first_searches_past_a_dead_end_in_document_order() -> None:
    root = etree.fromstring(b"<r><a><c/></a><a><b>one</b></a><a><b>two</b></a></r>")
    for find in (first, Children().first):
        assert find(root, "", "a/b") is root.find("a/b")
        assert find(root, "", "a/x") is None and find(root, "", "x") is None
    assert first_text(root, "", "a/b") == Children().text(root, "", "a/b") == "one"
    assert first_text(root, "", "a/c") == Children().text(root, "", "a/c") == ""


# --- profile rules: one walk instead of one per tag -------------------------------------------

@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_charset_rule_matches_a_tag_by_tag_reading(path: Path, options: Options) -> None:
    """Text gathered in one call equals itertext; identifiers come out in the order the
    one-walk-per-tag reading gave (table order, then document order); a second run of the
    rules on the same context (its cached lookups) finds the same."""
    from hub.codecs.iso20022 import profiles

    root, _ = parse(path.read_bytes())
    assert root is not None
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.tag.endswith(("}Document", "}AppHdr")):
            continue
        part = el[0] if el.tag.endswith("}Document") else el
        assert etree.tostring(part, method="text", encoding=str, with_tail=False) == "".join(
            part.itertext())
        p = part.tag[: part.tag.index("}") + 1]
        order = profiles._identifier_order(p)
        walked = sorted(part.iter(*order), key=lambda e: order[e.tag])
        assert walked == [e for tag in profiles.IDENTIFIERS for e in part.iter(p + tag)]
    decoded = CODEC.decode(path.read_bytes(), None, options)
    header, document = decoded.envelope.header, decoded.envelope.document
    hp = header.tag[: header.tag.index("}") + 1] if header is not None else ""
    p = document.tag[: document.tag.index("}") + 1]
    ctx = profiles.Context(format=decoded.format, message=document[0], p=p, header=header, hp=hp)
    for profile in profiles.BY_NAME.values():
        assert profiles.check(profile, ctx) == profiles.check(profile, ctx)


def test_identifiers_are_reported_in_table_order() -> None:
    from hub.codecs.iso20022 import profiles

    ns = "{urn:x}"
    message = etree.fromstring(
        b'<M xmlns="urn:x"><T><EndToEndId>/a</EndToEndId><MsgId>b/</MsgId></T>'
        b'<T><InstrId>c//d</InstrId><MsgId>/e</MsgId></T></M>')
    ctx = profiles.Context(format="pacs.008", message=message, p=ns)
    found = [where for _, where in profiles.charset()(ctx)]
    assert found == ["/M/T[1]/MsgId", "/M/T[2]/MsgId", "/M/T[2]/InstrId", "/M/T[1]/EndToEndId"]
