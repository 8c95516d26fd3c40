"""The ISO 20022 codec: detect, decode (safe parse, XSD, profile, mapping), encode, validate."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from hub.codecs.base import Decoded, Options
from hub.codecs.iso20022 import profiles, read, write
from hub.codecs.iso20022.catalog import (
    ADVICE_SERVICE,
    ADVICE_SERVICE_WRITTEN,
    BY_NAMESPACE,
    FORMATS,
    HEAD_CBPR,
    HEAD_NAMESPACES,
    NS_PREFIX,
    WRITE_DEFINITION,
    MessageDef,
)
from hub.codecs.iso20022.codes import xsd_code
from hub.codecs.iso20022.safexml import parse
from hub.codecs.iso20022.schemas import BASE, schema_set
from hub.codecs.iso20022.tree import Data, many, node, text
from hub.codecs.iso20022.tree import read as read_data
from hub.errors import CodecError, Diagnostic, Severity, has_errors
from hub.model import Kind, Message
from hub.model.rules import check as canonical_check

_DETECT = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:((?:pacs|camt|pain)\.\d{3}\.001\.\d{2})")
_PREFIX = re.compile(r"\b[A-Za-z_][\w.-]*:")

KIND_FORMATS: dict[Kind, tuple[str, ...]] = {
    Kind.CUSTOMER_CREDIT_TRANSFER: ("pacs.008", "pain.001"),
    Kind.FI_CREDIT_TRANSFER: ("pacs.009", "pacs.009adv"),
    Kind.COVER: ("pacs.009cov",),
    Kind.STATUS_REPORT: ("pacs.002", "camt.029"),
    Kind.RETURN: ("pacs.004",),
    Kind.CANCELLATION: ("camt.056",),
}


@dataclass
class Envelope:
    """The lossless layer: the parsed tree, and where the header and the Document are in it
    (None for a message read back from what the codec has just written)."""

    tree: etree._Element | None
    document: etree._Element | None
    header: etree._Element | None
    definition: str
    business_service: str | None = None
    business_message_id: str | None = None


@dataclass
class Part:
    """One part (AppHdr, or the message element under Document) in data form, with the
    namespace, the readable XPath and, when decoding XML, the element."""

    namespace: str
    data: Data
    element: etree._Element | None = None
    where: str | None = None
    index: dict[str, list[Any]] | None = None  # profiles.WATCHED, when read with a profile

    def path(self) -> str:
        if self.where is None:
            self.where = profiles.xpath(self.element) if self.element is not None else ""
        return self.where


_TAG_PARTS: dict[object, tuple[str, str]] = {}  # tag -> (namespace, local name)
_MAX_TAGS = 1_000  # tags come from input: bounded (the usual ones are a handful)


def _tag_parts(tag: object) -> tuple[str, str]:
    """(namespace, local name) of a tag, '' where it has none: the envelope, header, Document
    and message tags come back with every message, so each is split once."""
    found = _TAG_PARTS.get(tag)
    if found is None:
        if not isinstance(tag, str):  # a comment, processing instruction or entity
            return "", ""
        found = (tag[1: tag.index("}")] if tag.startswith("{") else "",
                 tag[tag.rfind("}") + 1:])
        if len(_TAG_PARTS) < _MAX_TAGS:
            _TAG_PARTS[tag] = found
    return found


def _local(el: etree._Element) -> str:
    return _tag_parts(el.tag)[1]


def _find_parts(root: etree._Element) -> tuple[etree._Element | None, etree._Element | None,
                                               str | None]:
    """(AppHdr, Document, XPath of their parent) at the root, under a wrapper (Envelope, BusMsg
    ...) or one deeper. The XPath is given for the usual shapes only: a Document at the root
    ('') or a wrapper of AppHdr then Document ('/Envelope'); else it is None."""
    top = _local(root)
    if top == "Document":
        return None, root, ""
    children = root[:]
    if len(children) == 2:  # the usual envelope: AppHdr then Document
        first, second = children
        if _local(first) == "AppHdr" and _local(second) == "Document":
            return first, second, "/" + top
    for level in (root, *children):
        header = document = None
        for child in level:
            name = _local(child)
            if name == "AppHdr":
                header = child
            elif name == "Document":
                document = child
        if document is not None:
            return header, document, None
    return None, None, None


def _party_id(header: Data, side: str) -> str | None:
    """Fr or To: the institution's BIC, else its clearing member id, else the organisation's
    BIC."""
    party = header.get(side)
    if type(party) is dict and "OrgId" not in party:  # the usual header: one institution
        fi = party.get("FIId")
        institution = fi.get("FinInstnId") if type(fi) is dict else None
        if type(institution) is dict:  # the lookups below, without walking down to it again
            found = text(institution, "BICFI")
            return found if found is not None else text(institution, "ClrSysMmbId", "MmbId")
    fin = text(header, side, "FIId", "FinInstnId", "BICFI")
    if fin is not None:
        return fin
    member = text(header, side, "FIId", "FinInstnId", "ClrSysMmbId", "MmbId")
    if member is not None:
        return member
    return text(header, side, "OrgId", "Id", "OrgId", "AnyBIC")


def _error_path(el: etree._Element, path: str) -> str:
    """libxml2's path of a validation error (relative to the validated element) as a readable
    XPath from the document root ('/*/*[2]' and 'pacs:' prefixes resolved to local names)."""
    steps = path.split("/")[2:]  # drop the leading '' and the validated element itself
    if steps:
        try:
            found = el.xpath("./" + "/".join(steps),
                             namespaces={k: v for k, v in el.nsmap.items() if k})
        except etree.XPathError:
            found = None
        if isinstance(found, list) and found and isinstance(found[0], etree._Element):
            return profiles.xpath(found[0])
    else:
        return profiles.xpath(el)
    return _PREFIX.sub("", path)


def _has_variant(options: Options, variant: str) -> bool:
    """Whether the schema folder has restricted XSDs of a profile: without them the profile's
    own validation would only find, part by part, that there is nothing to validate against."""
    schemas = schema_set(options.schema_dir)
    return schemas is not None and schemas.has_variant(variant)


def _ns(el: etree._Element) -> str:
    return _tag_parts(el.tag)[0]


def _part(el: etree._Element) -> Part:
    namespace = _ns(el)
    return Part(namespace, read_data(el), el)


class Iso20022Codec:
    family = "iso20022"
    formats = FORMATS
    priority = 20

    # --- detect -------------------------------------------------------------------------

    def detect(self, raw: bytes) -> str | None:
        found = _DETECT.search(raw[:4096]) or _DETECT.search(raw)
        if found is None:
            return None
        mdef = BY_NAMESPACE.get(NS_PREFIX + found.group(1).decode())
        if mdef is None:
            return None
        if mdef.format == "pacs.009":
            if ADVICE_SERVICE in raw:
                return "pacs.009adv"
            if b"UndrlygCstmrCdtTrf" in raw:
                return "pacs.009cov"
        return mdef.format

    # --- decode -------------------------------------------------------------------------

    def _validate_schema(self, el: etree._Element, namespace: str, options: Options,
                         variant: str, diagnostics: list[Diagnostic]) -> None:
        schemas = schema_set(options.schema_dir)
        label = "" if variant == BASE else f" ({variant})"
        # the usual case first: the schema is compiled already (one lookup)
        schema = schemas.compiled.get((variant, namespace)) if schemas is not None else None
        if schema is None:
            if schemas is None or (variant, namespace) not in schemas.files:
                if variant == BASE:
                    where = "no schema folder configured" if schemas is None else \
                        f"no XSD for {namespace} in {schemas.folder}"
                    diagnostics.append(Diagnostic("ISO.NO_SCHEMA", f"{where}; structural "
                                                  "checks only", "/" + el.tag.rsplit("}", 1)[-1],
                                                  Severity.WARNING))
                return
            schema = schemas.get(namespace, variant)
            if schema is None:
                diagnostics.append(Diagnostic("ISO.SCHEMA_LOAD", f"the XSD for {namespace}"
                                              f"{label} does not compile", str(schemas.files.get(
                                                  (variant, namespace), "")), Severity.WARNING))
                return
        if schema.validate(el):
            return
        for entry in schema.error_log:
            code = xsd_code(entry.type_name) if entry.type_name.startswith("SCHEMAV_") \
                else "XSD.other"
            path = _error_path(el, entry.path or "")
            message = entry.message.replace("{" + namespace + "}", "")
            diagnostics.append(Diagnostic(code, message + label, f"{path} (line {entry.line})"))

    def _structure(self, mdef: MessageDef, fmt: str, message: Part, header: Part | None,
                   diagnostics: list[Diagnostic]) -> None:
        """Checks the XSD cannot express, run with or without a schema."""
        count = text(message.data, "GrpHdr", "NbOfTxs")
        steps = profiles.TRANSACTION_STEPS.get(fmt)
        if count is not None and steps is not None and count.strip().isdigit():
            found: list[object] = many(message.data.get(steps[0]))
            for step in steps[1:]:
                found = [item for parent in found for item in many(node(parent).get(step))]
            if int(count) != len(found):
                diagnostics.append(Diagnostic("ISO.NB_OF_TXS", f"NbOfTxs {count} but "
                                              f"{len(found)} transactions",
                                              message.path() + "/GrpHdr/NbOfTxs"))
        if header is not None:
            defined = text(header.data, "MsgDefIdr")
            if defined is not None and defined != mdef.definition:
                diagnostics.append(Diagnostic("ISO.BAH_MSGDEF", f"AppHdr says {defined}, the "
                                              f"Document is {mdef.definition}",
                                              "/AppHdr/MsgDefIdr"))

    def _read(self, root: etree._Element, options: Options, schema: bool,
              finx: bool = False) -> Decoded:
        header_el, document, top = _find_parts(root)
        if document is None:
            return Decoded(format="iso20022", diagnostics=[Diagnostic(
                "ISO.NO_DOCUMENT", "no Document element", "/" + str(root.tag).rsplit("}", 1)[-1])])
        namespace = _ns(document)
        mdef = BY_NAMESPACE.get(namespace)
        message_el = document[0] if len(document) else None
        if mdef is None or message_el is None or \
                not str(message_el.tag).endswith("}" + mdef.root):
            return Decoded(format="iso20022", diagnostics=[Diagnostic(
                "ISO.UNKNOWN_MESSAGE", f"{namespace or 'no namespace'} is not a message this "
                "hub reads", "/Document")])
        diagnostics: list[Diagnostic] = []
        header = _part(header_el) if header_el is not None else None
        if schema:
            if header is not None and header.namespace in HEAD_NAMESPACES:
                self._validate_schema(header_el, header.namespace, options, BASE, diagnostics)
            self._validate_schema(document, namespace, options, BASE, diagnostics)
        index: dict[str, list[Any]] | None = {name: [] for name in profiles.WATCHED} \
            if options.profile else None
        message = Part(namespace, read_data(message_el, index), message_el,
                       index=index)
        if top is not None and len(document) == 1:  # their XPaths without walking up the tree
            message.where = f"{top}/Document/{message_el.tag[len(namespace) + 2:]}"
            if header is not None:
                header.where = f"{top}/AppHdr"
        decoded = self._map(mdef, message, header, options, diagnostics,
                            document if schema else None, finx)
        assert isinstance(decoded.envelope, Envelope)
        decoded.envelope.tree = root
        decoded.envelope.document = document
        decoded.envelope.header = header_el
        return decoded

    @staticmethod
    def _profile(options: Options, diagnostics: list[Diagnostic]) -> profiles.Profile | None:
        name = options.profile
        if name is None:
            return None
        found = profiles.BY_NAME.get(name)
        if found is None:
            diagnostics.append(Diagnostic("ISO.UNKNOWN_PROFILE", f"no profile {name!r}; known: "
                                          f"{', '.join(profiles.PROFILES)}", "profile"))
        return found

    def _map(self, mdef: MessageDef, message: Part, header: Part | None, options: Options,
             diagnostics: list[Diagnostic], document: etree._Element | None = None,
             finx: bool = False) -> Decoded:
        """Structure checks, mapping and the profile (its restricted XSDs when `document` is
        given, then its rules) on the parts in data form."""
        service = text(header.data, "BizSvc") if header is not None else None
        fmt = mdef.format
        if fmt == "pacs.009" and service is not None and \
                service.startswith(ADVICE_SERVICE.decode()):
            fmt = read.ADVICE
        self._structure(mdef, fmt, message, header, diagnostics)
        out = read.Out(format=fmt)
        read.READERS[mdef.format](message.data, out, f"/Document/{mdef.root}")
        profile = self._profile(options, diagnostics)
        if profile is not None and document is not None and _has_variant(options, profile.name):
            if header is not None and header.element is not None and \
                    header.namespace in HEAD_NAMESPACES:
                self._validate_schema(header.element, header.namespace, options, profile.name,
                                      diagnostics)
            self._validate_schema(document, message.namespace, options, profile.name,
                                  diagnostics)
        if profile is not None:
            ctx = profiles.Context(
                format=out.format, data=message.data, where=message.path(),
                header=header.data if header is not None else None,
                header_where=header.path() if header is not None else "/AppHdr",
                lenient=options.lenient, element=message.element,
                header_element=header.element if header is not None else None,
                index=message.index, finx_text=finx)
            diagnostics.extend(profiles.check(profile, ctx))
        diagnostics.extend(out.diagnostics)
        decoded = Decoded(format=out.format, messages=out.messages, diagnostics=diagnostics)
        decoded.envelope = Envelope(
            tree=None, document=None, header=None, definition=mdef.definition,
            business_service=service,
            business_message_id=text(header.data, "BizMsgIdr") if header is not None else None)
        if header is not None:
            decoded.sender = _party_id(header.data, "Fr")
            decoded.receiver = _party_id(header.data, "To")
        if decoded.sender is None and out.messages:
            first = out.messages[0].instructing_agent
            last = out.messages[0].instructed_agent
            decoded.sender = (first.bic or first.member_id) if first else None
            decoded.receiver = (last.bic or last.member_id) if last else None
        return decoded

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        root, problems = parse(raw)
        if root is None:
            return Decoded(format="iso20022", diagnostics=problems)
        # printable ASCII bytes without character references hold only FIN-X text: the
        # character-set rule need not look at the text itself (C-level scans; "&" first, as a
        # one-byte search is a memchr)
        finx = options.profile is not None and raw.isascii() and b"\x7f" not in raw and \
            (b"&" not in raw or b"&#" not in raw)
        return self._asked(self._read(root, options, True, finx), format)

    def decode_tree(self, root: etree._Element, format: str | None, options: Options, *,
                    schema: bool = True) -> Decoded:
        """`decode` of a tree already parsed (by `safexml.parse`, which refuses what is unsafe) or
        written by `encode_tree`. `schema=False` skips the XSD validation, for trees this codec
        has just written (the property tests prove those valid)."""
        return self._asked(self._read(root, options, schema), format)

    def decode_written(self, written: write.Written, format: str | None,
                       options: Options) -> Decoded:
        """`decode` of what `write_data` has just produced, from its data form: no parse and no
        XSD (what the codec writes is valid: the property tests hold it to that, and to the
        same result as decoding the bytes)."""
        mdef = BY_NAMESPACE[NS_PREFIX + written.definition]
        envelope = written.header is not None
        where = f"{'/Envelope' if envelope else ''}/Document/{written.message_name}"
        header = Part(NS_PREFIX + (written.head or ""), written.header, where="/Envelope/AppHdr") \
            if written.header is not None else None
        message = Part(mdef.namespace, written.message, where=where)
        return self._asked(self._map(mdef, message, header, options, []), format)

    @staticmethod
    def _asked(decoded: Decoded, format: str | None) -> Decoded:
        if format is not None and decoded.format not in (format, "iso20022") and not (
                format == "pacs.009" and decoded.format in ("pacs.009cov", "pacs.009adv")):
            decoded.diagnostics.append(Diagnostic(
                "ISO.FORMAT_MISMATCH", f"asked for {format}, the message is {decoded.format}",
                "/Document", Severity.WARNING))
        return decoded

    def validate(self, raw: bytes, format: str | None, options: Options) -> list[Diagnostic]:
        decoded = self.decode(raw, format, options)
        found = list(decoded.diagnostics)
        for i, message in enumerate(decoded.messages):
            found.extend(canonical_check(message, f"[{i}]" if len(decoded.messages) > 1 else ""))
        return found

    # --- encode -------------------------------------------------------------------------

    def encode(self, messages: Sequence[Message], format: str, options: Options,
               **envelope: Any) -> bytes:
        """Messages -> XML bytes (see `write_data` for the envelope keywords)."""
        written = self.write_data(messages, format, options, **envelope)
        if envelope.get("validate", True):
            self._check_output(write.parse_written(written), options,
                               self._envelope_profile(options, envelope))
        return written.xml

    def encode_tree(self, messages: Sequence[Message], format: str, options: Options,
                    **envelope: Any) -> etree._Element:
        """Messages -> the XML tree of what `encode` writes."""
        written = self.write_data(messages, format, options, **envelope)
        tree = write.parse_written(written)
        if envelope.get("validate", True):
            self._check_output(tree, options, self._envelope_profile(options, envelope))
        return tree

    @staticmethod
    def _envelope_profile(options: Options, envelope: dict[str, Any]) -> profiles.Profile | None:
        name = envelope.get("profile") or options.profile
        return profiles.BY_NAME.get(name) if name else None

    def write_data(self, messages: Sequence[Message], format: str, options: Options,
                   **envelope: Any) -> write.Written:
        """Messages -> the written message: its XML text and its data form (not validated).

        Envelope keywords: sender, receiver (BICs or clearing member ids for the AppHdr),
        bah (default True), business_service, message_id, created_at, profile (default
        options.profile), truncate (cut over-long values with '+'), report (a list that
        receives every truncation and default as a warning), validate (for `encode` and
        `encode_tree`, default True: check the result against the XSD when the schema folder
        has it).
        """
        if not messages:
            raise CodecError("nothing to encode", code="ISO.CANNOT_ENCODE")
        if format == "pacs.009" and any(m.kind is Kind.COVER for m in messages):
            format = "pacs.009cov"
        if format not in WRITE_DEFINITION:
            raise CodecError(f"{format} is not an ISO 20022 format this hub writes",
                             code="CODEC.UNKNOWN_FORMAT")
        profile_name = envelope.get("profile") or options.profile
        profile = profiles.BY_NAME.get(profile_name) if profile_name else None
        if profile_name and profile is None:
            raise CodecError(f"unknown profile {profile_name!r}", code="ISO.UNKNOWN_PROFILE")
        for m in messages:
            if m.kind not in KIND_FORMATS or format not in KIND_FORMATS[m.kind]:
                raise CodecError(f"a {m.kind.value} message cannot be written as {format}",
                                 code="ISO.CANNOT_ENCODE", location="kind")
        given = envelope.get("report")
        report: list[Diagnostic] = given if given is not None else []
        w = write.Writer(profile=profile, truncate=bool(envelope.get("truncate", False)),
                         report=report, advice=format == read.ADVICE)
        first = messages[0]
        message_id = envelope.get("message_id") or first.message_id or first.instruction_id
        if message_id is None:
            message_id = w.default(write.new_message_id(), "GrpHdr/MsgId",
                                   "message id missing")
        created = envelope.get("created_at") or first.created_at
        if created is None:
            created = datetime.now(UTC).replace(microsecond=0)
            w.default(write.iso_dt(created), "GrpHdr/CreDtTm", "creation time missing")
        group = write.Group(message_id=message_id, created_at=created)
        definition = WRITE_DEFINITION[format]
        if profile is not None:
            definition = profile.write_overrides.get(format, definition)
        sender = envelope.get("sender")
        receiver = envelope.get("receiver")
        if sender is None and first.instructing_agent is not None:
            sender = first.instructing_agent.bic or first.instructing_agent.member_id
        if receiver is None and first.instructed_agent is not None:
            receiver = first.instructed_agent.bic or first.instructed_agent.member_id
        builders = {"pacs.008": write.pacs008, "pacs.009": write.pacs009,
                    "pacs.009cov": write.pacs009, "pacs.009adv": write.pacs009,
                    "pacs.002": write.pacs002, "pacs.004": write.pacs004,
                    "pain.001": write.pain001}
        if format == "camt.056":
            doc = write.camt056(w, messages, group, sender, receiver)
        elif format == "camt.029":
            doc = write.camt029(w, messages, group, sender, receiver)
        else:
            doc = builders[format](w, messages, group)
        assert doc is not None
        head = profile.head if profile is not None else HEAD_CBPR
        hdr = None
        if envelope.get("bah", True):
            service = envelope.get("business_service")
            if service is None and format == read.ADVICE:
                service = ADVICE_SERVICE_WRITTEN  # the header is what makes it an advice
            elif service is None and profile is not None:
                service = profile.business_service
                if profile.name == "cbpr" and format == "pacs.009cov":
                    service = "swift.cbprplus.cov.03"
            hdr = write.header(w, definition, head, sender, receiver, group, service)
        return write.assemble(doc, definition, hdr, head)

    def _check_output(self, tree: etree._Element, options: Options,
                      profile: profiles.Profile | None) -> None:
        header, document, _ = _find_parts(tree)
        assert document is not None
        found: list[Diagnostic] = []
        variants = [BASE] + ([profile.name] if profile is not None else [])
        for variant in variants:
            if header is not None:
                self._validate_schema(header, _ns(header), options, variant, found)
            self._validate_schema(document, _ns(document), options, variant, found)
        errors = [d for d in found if d.severity is Severity.ERROR]
        if has_errors(errors):
            first = errors[0]
            raise CodecError(f"the written XML does not validate: {first.code} {first.message}",
                             code="ISO.INVALID_OUTPUT", location=first.location,
                             diagnostics=errors)
