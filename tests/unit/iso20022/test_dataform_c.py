"""The C reader of the data form (hub/codecs/iso20022/_dataform.c) gives what the Python reader
gives: the same dicts, amounts, repeats and index for every element of every sample and of
generated trees, and hands anything it does not read (comments, processing instructions) back
to the Python reader.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from hub.codecs.iso20022 import profiles, tree
from hub.codecs.iso20022.safexml import parse
from tests.support import OWN_VECTORS, vector_files

needs_c = pytest.mark.skipif(tree.C_READER is None,
                             reason="the C reader was not built (no C compiler at install)")


def both(el: etree._Element) -> tuple[Any, Any]:
    """(C, Python) readings of an element, each with its own WATCHED index."""
    assert tree.C_READER is not None
    c_index: dict[str, list[Any]] = {name: [] for name in profiles.WATCHED}
    py_index: dict[str, list[Any]] = {name: [] for name in profiles.WATCHED}
    return ((tree.C_READER(el, c_index), c_index),
            (tree.python_read(el, py_index), py_index))


def test_built_wherever_a_compiler_is() -> None:
    # a broken build falls back silently at install: here it fails instead
    if shutil.which("cc") or shutil.which("gcc"):
        assert tree.C_READER is not None


SAMPLES = [*vector_files("iso20022", pattern="**/*.xml"),
           *sorted((OWN_VECTORS / "iso20022").glob("**/*.xml"))]


@needs_c
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_element_of_every_sample(path: Path) -> None:
    root, problems = parse(path.read_bytes())
    if root is None:
        pytest.skip(f"not parsed: {problems[0].code}")  # the refused samples
    for el in root.iter():
        c, python = both(el)
        assert c == python, el.tag


NAMES = st.sampled_from(["A", "Nm", "InstdAmt", "PstlAdr", "AdrLine", "BICFI", "Amt", "Ünï"])
TEXTS = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=12)


@st.composite
def element(draw: st.DrawFn, depth: int = 0) -> etree._Element:
    el = etree.Element(f"{{urn:test}}{draw(NAMES)}")
    if draw(st.booleans()):
        el.set("Ccy", draw(st.sampled_from(["EUR", "", "U&S"])))
    if depth < 3 and draw(st.booleans()):
        for _ in range(draw(st.integers(1, 4))):
            child = draw(element(depth + 1))
            child.tail = draw(st.sampled_from([None, "\n  "]))
            el.append(child)
    else:
        el.text = draw(st.one_of(st.none(), TEXTS))
    return el


@needs_c
@settings(max_examples=300, deadline=None)
@given(element())
def test_generated_trees(el: etree._Element) -> None:
    reparsed = etree.fromstring(etree.tostring(el, encoding="unicode"))  # as parsed
    for one in (el, reparsed):
        c, python = both(one)
        assert c == python


@needs_c
def test_text_split_by_a_cdata_section_is_joined() -> None:
    el = etree.fromstring(b"<a><Nm>x<![CDATA[&y]]>z</Nm><InstdAmt Ccy='EUR'>1.5</InstdAmt></a>",
                          etree.XMLParser(strip_cdata=False))
    c, python = both(el)
    assert c == python
    assert c[0] == {"Nm": "x&yz", "InstdAmt": ("1.5", "EUR")}


@needs_c
def test_names_keep_their_identity() -> None:
    # the mapping's dict lookups hit on identity: the C reader's names are interned
    first = tree.C_READER(etree.fromstring(b"<a><MsgId>1</MsgId></a>"), None)
    second = tree.C_READER(etree.fromstring(b"<a><MsgId>2</MsgId></a>"), None)
    assert next(iter(first)) is next(iter(second))


@needs_c
@pytest.mark.parametrize("xml", [
    b"<a><b>1</b><!-- note --><c>2</c></a>",
    b"<a><b>1<!-- in a leaf --></b></a>",
    b"<a><?pi x?><b>1</b></a>",
])
def test_what_it_does_not_read_goes_to_the_python_reader(xml: bytes) -> None:
    el = etree.fromstring(xml)  # a tree built elsewhere: the safe parser drops these nodes
    assert tree.C_READER is not None
    with pytest.raises(tree.NotSimple):
        tree.C_READER(el, None)
    index: dict[str, list[Any]] = {"b": []}
    try:
        expected: Any = tree.python_read(el, {"b": []})
    except Exception as exc:  # whatever the Python reader does, read() does too
        with pytest.raises(type(exc)):
            tree.read(el, index)
    else:
        assert tree.read(el, index) == expected
        assert index == {"b": ["1"]}


@needs_c
def test_refuses_what_is_not_an_element() -> None:
    assert tree.C_READER is not None
    with pytest.raises(TypeError):
        tree.C_READER("<a/>", None)
    with pytest.raises(TypeError):
        tree.C_READER(etree.fromstring(b"<a/>"), [])
