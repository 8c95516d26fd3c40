"""The data form of an ISO 20022 part: nested dicts keyed by element name, read in one pass.

    {"GrpHdr": {"MsgId": "M1", ...}, "CdtTrfTxInf": {"IntrBkSttlmAmt": ("10.00", "EUR"), ...}}

A leaf is its text ('' when empty), an amount (a leaf named ...Amt, ISO 20022's abbreviation
for every CurrencyAndAmount element) is `(text, Ccy)`, an element with children is a dict, and
an element that occurs more than once under the same parent is a list of those values, in
document order. ISO 20022 messages have no mixed content and no other attributes, and their
XSDs keep repeated elements together, so the form holds everything the mapping and the profile
rules read, and `serialise` writes it back in the same order.

Reading walks libxml2's nodes in C (_dataform.c, when it was built) or touches every element
once from Python (a proxy and its tag); the mapping, the structural checks and the profile
rules then work on plain dicts. The writer builds the same form, so an encoded message can be
read back without parsing its XML.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any, Union

from lxml import etree

Amount = tuple[str, str]
Value = Union[str, Amount, "Data", list[Any]]
Data = dict[str, Any]

AMOUNT_SUFFIX = "Amt"
_NAMES: dict[str, str] = {}  # '{namespace}Name' -> 'Name', one shared (interned) string each
_MAX_NAMES = 20_000  # far above the element names of every XSD the hub reads


def _name(tag: str) -> str:
    """The local name of a tag, the same string object every time: the dict lookups of the
    mapping and the rules hit on identity, as with the C reader's interned names."""
    name = _NAMES.get(tag)
    if name is None:
        name = sys.intern(tag[tag.find("}") + 1:])
        if len(_NAMES) < _MAX_NAMES:  # tags come from input: the cache must not grow unbounded
            _NAMES[tag] = name
    return name


def read(el: etree._Element, index: dict[str, list[Any]] | None = None) -> Data:
    """The children of `el` in data form, named by the local part of their tags.

    With `index` (names -> empty lists), the value of every element with one of those names is
    also appended to its list, in document order: what the profile rules look for anywhere in a
    message (postal addresses, institutions, settlement amounts) without walking it again.

    The C reader (_dataform.c) reads what the safe parser leaves (elements and text); a tree
    with anything else (comments, processing instructions) is read in Python.
    """
    if C_READER is not None:
        try:
            return C_READER(el, index)
        except NotSimple:
            if index is not None:  # what it appended before giving up (the lists came empty)
                for values in index.values():
                    values.clear()
    return python_read(el, index)


def python_read(el: etree._Element, index: dict[str, list[Any]] | None = None) -> Data:
    """`read` in Python, for any tree: the reference the C reader is held to."""
    found: Data = {}
    for child in el[:]:
        name = _name(child.tag)
        if len(child):
            value: Any = python_read(child, index)
        elif name.endswith(AMOUNT_SUFFIX):
            value = (child.text or "", child.get("Ccy") or "")
        else:
            value = child.text or ""
        if index is not None and name in index:
            index[name].append(value)
        old = found.get(name)  # a value is never None (it may be '')
        if old is None:
            found[name] = value
        elif type(old) is list:  # a repeated element
            old.append(value)
        else:
            found[name] = [old, value]
    return found


class _NotBuilt(Exception):
    """Stands for the C reader's NotSimple where the reader was not built (never raised)."""


def _load_c_reader() -> tuple[Callable[[etree._Element, dict[str, list[Any]] | None], Data]
                              | None, type[Exception]]:
    """(read, NotSimple) of the C reader when it was built (hatch_build.py) and reads a sample
    as the Python reader does; (None, _NotBuilt) otherwise."""
    try:
        from hub.codecs.iso20022 import _dataform  # type: ignore[attr-defined]
    except ImportError:
        return None, _NotBuilt
    _dataform.setup(etree._Element)
    sample = etree.fromstring(_SAMPLE)
    c_index: dict[str, list[Any]] = {"Nm": [], "Amt": []}
    py_index: dict[str, list[Any]] = {"Nm": [], "Amt": []}
    if (_dataform.read(sample, c_index), c_index) != (python_read(sample, py_index), py_index):
        return None, _NotBuilt
    return _dataform.read, _dataform.NotSimple


# leaves, an empty leaf, amounts with and without a currency, a repeat, a non-ASCII text, a
# whitespace-only leaf
_SAMPLE = ("<D xmlns='urn:x'><G><Nm>a</Nm><Nm/><Amt Ccy='EUR'>1.5</Amt><Amt>2</Amt></G>"
           "<X><Nm>b\u00e9</Nm><Y>  </Y></X></D>").encode()
C_READER, NotSimple = _load_c_reader()


def index_of(data: Data, names: frozenset[str]) -> dict[str, list[Any]]:
    """What `read` with an index collects, from data already in hand (document order)."""
    index: dict[str, list[Any]] = {name: [] for name in names}

    def walk(value: Data) -> None:
        for name, item in value.items():
            for one_item in (item if type(item) is list else (item,)):
                if name in index:
                    index[name].append(one_item)
                if type(one_item) is dict:
                    walk(one_item)

    walk(data)
    return index


def locate(data: Data, target: Any, where: str) -> str:
    """The XPath of a value (by identity) inside `data`: for reporting, so walking is fine."""
    for name, item in data.items():
        items = many(item)
        for i, one_item in enumerate(items, 1):
            path = f"{where}/{name}[{i}]" if len(items) > 1 else f"{where}/{name}"
            if one_item is target:
                return path
            if type(one_item) is dict:
                found = locate(one_item, target, path)
                if found:
                    return found
    return ""


def many(value: Any) -> list[Any]:
    """Every occurrence: [] for None, the list for a repeated element, else [value]."""
    if value is None:
        return []
    return value if type(value) is list else [value]


def one(value: Any) -> Any:
    """The first occurrence."""
    return value[0] if type(value) is list else value


def node(value: Any) -> Data:
    """A container's dict ({} for an absent or empty element, or a leaf in its place)."""
    if type(value) is dict:  # the usual case, without a call to `one`
        return value
    if type(value) is list:
        value = value[0]
    return value if type(value) is dict else {}


def get(data: Any, *names: str) -> Any:
    """The first value at a path, searching every occurrence of a repeated step in document
    order (as ElementPath's find does); None when there is none."""
    value = data
    for name in names:  # the usual case: no repeated step on the way
        if type(value) is dict:
            value = value.get(name)
            if value is None:
                return None
        elif type(value) is list:
            return _search(data, names)
        else:
            return None
    return value[0] if type(value) is list else value


def _search(data: Any, names: tuple[str, ...]) -> Any:
    for item in many(data):
        if not names:
            return item
        if type(item) is dict:
            value = item.get(names[0])
            if value is not None:
                found = _search(value, names[1:])
                if found is not None:
                    return found
    return None


def text(data: Any, *names: str) -> str | None:
    """The text at a path ('' for an empty element), None when absent or not a leaf."""
    found = data
    for name in names:  # `get`'s usual case inline: called for every header and rule lookup
        if type(found) is dict:
            found = found.get(name)
        else:
            found = get(data, *names) if type(found) is list else None
            break
    if type(found) is list:
        found = found[0]
    if type(found) is str:
        return found
    if type(found) is tuple:
        return str(found[0])
    return None


def leaves(data: Data, where: str) -> Iterator[tuple[str, str, str]]:
    """(xpath, name, text) of every leaf in document order, with [n] where a name repeats."""
    for name, value in data.items():
        items = many(value)
        counted = len(items) > 1
        for i, item in enumerate(items, 1):
            path = f"{where}/{name}[{i}]" if counted else f"{where}/{name}"
            if type(item) is dict:
                yield from leaves(item, path)
            elif type(item) is tuple:
                yield path, name, item[0]
            else:
                yield path, name, item


def all_text(data: Data) -> str:
    return "".join(value for _, _, value in leaves(data, ""))


# --- writing ------------------------------------------------------------------------------------

def escape_text(value: str) -> str:
    """Element text as libxml2 writes it (quotes stay; a carriage return as a reference)."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def escape_attribute(value: str) -> str:
    """An attribute value as libxml2 writes it: element text, and quotes and whitespace too."""
    value = escape_text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    if "\t" in value:
        value = value.replace("\t", "&#9;")
    return value


def serialise(data: Data, out: list[str]) -> None:
    """Append the children in `data` as XML text (namespaces are opened by the caller)."""
    append = out.append
    for name, value in data.items():
        kind = type(value)
        if kind is str:
            if not value:
                append(f"<{name}/>")
            elif "&" in value or "<" in value or ">" in value or "\r" in value:
                append(f"<{name}>{escape_text(value)}</{name}>")
            else:
                append(f"<{name}>{value}</{name}>")
        elif kind is dict:
            if value:
                append(f"<{name}>")
                serialise(value, out)
                append(f"</{name}>")
            else:
                append(f"<{name}/>")
        elif kind is tuple:
            append(f'<{name} Ccy="{escape_attribute(value[1])}">'
                   f"{escape_text(value[0])}</{name}>")
        else:
            for item in value:
                serialise({name: item}, out)
