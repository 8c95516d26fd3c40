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
    BY_NAMESPACE,
    FORMATS,
    HEAD_CBPR,
    HEAD_NAMESPACES,
    NS_PREFIX,
    WRITE_DEFINITION,
    MessageDef,
)
from hub.codecs.iso20022.codes import xsd_code
from hub.codecs.iso20022.components import Children, q
from hub.codecs.iso20022.safexml import parse
from hub.codecs.iso20022.schemas import BASE, schema_set
from hub.errors import CodecError, Diagnostic, Severity, has_errors
from hub.model import Kind, Message
from hub.model.rules import check as canonical_check

_DETECT = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:((?:pacs|camt|pain)\.\d{3}\.001\.\d{2})")
_PREFIX = re.compile(r"\b[A-Za-z_][\w.-]*:")

KIND_FORMATS: dict[Kind, tuple[str, ...]] = {
    Kind.CUSTOMER_CREDIT_TRANSFER: ("pacs.008", "pain.001"),
    Kind.FI_CREDIT_TRANSFER: ("pacs.009",),
    Kind.COVER: ("pacs.009cov",),
    Kind.STATUS_REPORT: ("pacs.002", "camt.029"),
    Kind.RETURN: ("pacs.004",),
    Kind.CANCELLATION: ("camt.056",),
}


@dataclass
class Envelope:
    """The lossless layer: the parsed tree, and where the header and the Document are in it."""

    tree: etree._Element
    document: etree._Element
    header: etree._Element | None
    definition: str
    business_service: str | None = None
    business_message_id: str | None = None


def _find_parts(root: etree._Element) -> tuple[etree._Element | None, etree._Element | None]:
    """(AppHdr, Document) at the root, under a wrapper (Envelope, BusMsg ...) or one deeper."""
    def local(el: etree._Element) -> str:
        return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""

    if local(root) == "Document":
        return None, root
    for level in (root, *root):
        header = document = None
        for child in level:
            name = local(child)
            if name == "AppHdr":
                header = child
            elif name == "Document":
                document = child
        if document is not None:
            return header, document
    return None, None


def _party_id(header: etree._Element, side: str, find: Children) -> str | None:
    hp = header.tag[: header.tag.index("}") + 1] if header.tag.startswith("{") else ""
    fin = find.first(header, hp, f"{side}/FIId/FinInstnId")
    if fin is not None:
        return find.text(fin, hp, "BICFI") or find.text(fin, hp, "ClrSysMmbId/MmbId")
    return find.text(header, hp, f"{side}/OrgId/Id/OrgId/AnyBIC")


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


def _ns(el: etree._Element) -> str:
    tag = el.tag
    return tag[1: tag.index("}")] if isinstance(tag, str) and tag.startswith("{") else ""


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
        if mdef.format == "pacs.009" and b"UndrlygCstmrCdtTrf" in raw:
            return "pacs.009cov"
        return mdef.format

    # --- decode -------------------------------------------------------------------------

    def _validate_schema(self, el: etree._Element, namespace: str, options: Options,
                         variant: str, diagnostics: list[Diagnostic]) -> None:
        schemas = schema_set(options.schema_dir)
        label = "" if variant == BASE else f" ({variant})"
        if schemas is None or not schemas.has(namespace, variant):
            if variant == BASE:
                where = "no schema folder configured" if schemas is None else \
                    f"no XSD for {namespace} in {schemas.folder}"
                diagnostics.append(Diagnostic("ISO.NO_SCHEMA", f"{where}; structural checks "
                                              "only", "/" + el.tag.rsplit("}", 1)[-1],
                                              Severity.WARNING))
            return
        schema = schemas.get(namespace, variant)
        if schema is None:
            diagnostics.append(Diagnostic("ISO.SCHEMA_LOAD", f"the XSD for {namespace}{label} "
                                          "does not compile", str(schemas.files.get(
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

    def _structure(self, mdef: MessageDef, message: etree._Element, p: str,
                   header: etree._Element | None, diagnostics: list[Diagnostic],
                   find: Children) -> None:
        """Checks the XSD cannot express, run with or without a schema."""
        count = find.text(message, p, "GrpHdr/NbOfTxs")
        if count is not None and mdef.format in profiles.TRANSACTIONS:
            path = profiles.TRANSACTIONS[mdef.format]
            found = sum(1 for _ in message.iterchildren(p + path)) if "/" not in path \
                else len(message.findall(q(p, path)))
            if count.strip().isdigit() and int(count) != found:
                diagnostics.append(Diagnostic("ISO.NB_OF_TXS", f"NbOfTxs {count} but {found} "
                                              "transactions", profiles.xpath(message) +
                                              "/GrpHdr/NbOfTxs"))
        if header is not None:
            hp = "{" + _ns(header) + "}"
            defined = find.text(header, hp, "MsgDefIdr")
            if defined is not None and defined != mdef.definition:
                diagnostics.append(Diagnostic("ISO.BAH_MSGDEF", f"AppHdr says {defined}, the "
                                              f"Document is {mdef.definition}",
                                              "/AppHdr/MsgDefIdr"))

    def _read(self, root: etree._Element, options: Options, schema: bool) -> Decoded:
        decoded = Decoded(format="iso20022")
        find = Children()
        header, document = _find_parts(root)
        if document is None:
            decoded.diagnostics.append(Diagnostic("ISO.NO_DOCUMENT", "no Document element",
                                                  "/" + str(root.tag).rsplit("}", 1)[-1]))
            return decoded
        namespace = _ns(document)
        mdef = BY_NAMESPACE.get(namespace)
        message = document[0] if len(document) else None
        if mdef is None or message is None or not str(message.tag).endswith("}" + mdef.root):
            decoded.diagnostics.append(Diagnostic(
                "ISO.UNKNOWN_MESSAGE", f"{namespace or 'no namespace'} is not a message this "
                "hub reads", "/Document"))
            return decoded
        decoded.format = mdef.format
        diagnostics = decoded.diagnostics
        if header is not None:
            head_ns = _ns(header)
            if head_ns in HEAD_NAMESPACES and schema:
                self._validate_schema(header, head_ns, options, BASE, diagnostics)
            decoded.sender = _party_id(header, "Fr", find)
            decoded.receiver = _party_id(header, "To", find)
        if schema:
            self._validate_schema(document, namespace, options, BASE, diagnostics)
        p = "{" + namespace + "}"
        self._structure(mdef, message, p, header, diagnostics, find)
        out = read.Out(format=mdef.format)
        read.READERS[mdef.format](message, p, out, f"/Document/{mdef.root}")
        decoded.format = out.format
        profile_name = options.profile
        if profile_name is not None:
            profile = profiles.BY_NAME.get(profile_name)
            if profile is None:
                diagnostics.append(Diagnostic("ISO.UNKNOWN_PROFILE", f"no profile "
                                              f"{profile_name!r}; known: "
                                              f"{', '.join(profiles.PROFILES)}", "profile"))
            else:
                if schema:
                    if header is not None and _ns(header) in HEAD_NAMESPACES:
                        self._validate_schema(header, _ns(header), options, profile.name,
                                              diagnostics)
                    self._validate_schema(document, namespace, options, profile.name,
                                          diagnostics)
                hp = "{" + _ns(header) + "}" if header is not None else ""
                ctx = profiles.Context(format=out.format, message=message, p=p, header=header,
                                       hp=hp, lenient=options.lenient, find=find)
                diagnostics.extend(profiles.check(profile, ctx))
        diagnostics.extend(out.diagnostics)
        decoded.messages = out.messages
        hp = "{" + _ns(header) + "}" if header is not None else ""
        decoded.envelope = Envelope(
            tree=root, document=document, header=header, definition=mdef.definition,
            business_service=find.text(header, hp, "BizSvc") if header is not None else None,
            business_message_id=find.text(header, hp, "BizMsgIdr") if header is not None
            else None)
        if decoded.sender is None and decoded.messages:
            first = decoded.messages[0].instructing_agent
            last = decoded.messages[0].instructed_agent
            decoded.sender = (first.bic or first.member_id) if first else None
            decoded.receiver = (last.bic or last.member_id) if last else None
        return decoded

    def decode(self, raw: bytes, format: str | None, options: Options) -> Decoded:
        root, problems = parse(raw)
        if root is None:
            return Decoded(format="iso20022", diagnostics=problems)
        return self.decode_tree(root, format, options)

    def decode_tree(self, root: etree._Element, format: str | None, options: Options, *,
                    schema: bool = True) -> Decoded:
        """`decode` of a tree already parsed (by `safexml.parse`, which refuses what is unsafe) or
        written by `encode_tree`. `schema=False` skips the XSD validation, for trees this codec
        has just written (the property tests prove those valid)."""
        decoded = self._read(root, options, schema)
        if format is not None and decoded.format not in (format, "iso20022") and not (
                format == "pacs.009" and decoded.format == "pacs.009cov"):
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
        """Messages -> XML bytes (see `encode_tree` for the envelope keywords)."""
        tree = self.encode_tree(messages, format, options, **envelope)
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    def encode_tree(self, messages: Sequence[Message], format: str, options: Options,
                    **envelope: Any) -> etree._Element:
        """Messages -> the XML tree that `encode` serialises.

        Envelope keywords: sender, receiver (BICs or clearing member ids for the AppHdr),
        bah (default True), business_service, message_id, created_at, profile (default
        options.profile), truncate (cut over-long values with '+'), report (a list that
        receives every truncation and default as a warning), validate (default True: check
        the result against the XSD when the schema folder has it).
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
                         report=report)
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
                    "pacs.009cov": write.pacs009, "pacs.002": write.pacs002,
                    "pacs.004": write.pacs004, "pain.001": write.pain001}
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
            if service is None and profile is not None:
                service = profile.business_service
                if profile.name == "cbpr" and format == "pacs.009cov":
                    service = "swift.cbprplus.cov.03"
            hdr = write.header(w, definition, head, sender, receiver, group, service)
        tree = write.assemble(doc, definition, hdr, head)
        if envelope.get("validate", True):
            self._check_output(tree, options, profile)
        return tree

    def _check_output(self, tree: etree._Element, options: Options,
                      profile: profiles.Profile | None) -> None:
        header, document = _find_parts(tree)
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
