"""Element-for-element view of an AppHdr + Document: (path, value) pairs, amounts as numbers."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from lxml import etree

from hub.codecs.iso20022.safexml import parse


def flatten(raw: bytes) -> Counter[tuple[str, str]]:
    root, problems = parse(raw)
    assert root is not None, problems
    found: Counter[tuple[str, str]] = Counter()

    def walk(el: etree._Element, path: str) -> None:
        name = etree.QName(el).localname
        here = f"{path}/{name}"
        children = [c for c in el if isinstance(c.tag, str)]
        if not children:
            value = (el.text or "").strip()
            if "Ccy" in el.attrib:
                value = f"{el.get('Ccy')} {Decimal(value).normalize()}"
            found[(here, value)] += 1
        for child in children:
            walk(child, here)

    for part in ([root] if etree.QName(root).localname == "Document" else list(root)):
        walk(part, "")
    return found
