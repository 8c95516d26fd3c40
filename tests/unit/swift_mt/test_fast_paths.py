"""Each fast path agrees with the reference path it stands in for.

    envelope.scan_one     vs envelope.scan_blocks   (the general block reader)
    syntax.clean_field    vs syntax.check_field     (clean_field may only say "clean")
    check.layout          vs check._structure       (kept per tag order)
    rules `when` / `gate` vs running every rule     (a skipped rule cannot be broken)
    codec.check_only      vs codec.decode           (same findings, no canonical messages)

Inputs: every vector (own and shared) as CRLF and LF, and byte-level mutations of them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.codecs.base import Decoded, Options
from hub.codecs.swift_mt import CODEC, check, codec
from hub.codecs.swift_mt.check import Layout, _structure, check_text, layout
from hub.codecs.swift_mt.envelope import scan, scan_blocks, scan_one
from hub.codecs.swift_mt.fields import FORMATS, notation
from hub.codecs.swift_mt.rules import RULES, View, rules_for, run
from hub.codecs.swift_mt.specs import SPECS, format_name
from hub.codecs.swift_mt.syntax import check_field, clean_field, field_plan
from hub.errors import Diagnostic
from hub.model import to_data
from tests.support import OWN_VECTORS, vector_files

OWN = sorted((OWN_VECTORS / "swift_mt").glob("*.fin"))
SHARED = [p for p in vector_files("mt") if p.suffix in (".fin", ".rje", ".dos")]
SEEDS: list[bytes] = [p.read_bytes() for p in OWN + SHARED]
SEEDS += [s.replace(b"\r\n", b"\n") for s in SEEDS if b"\r\n" in s]
BENCH = "mt103_out_50F_59F_cbpr.fin"


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A vector with a few bytes changed, inserted or cut, biased to FIN punctuation."""
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    byte = st.sampled_from(b"{}:\r\n-/ ,0123456789AZaz$\x01\x03") | st.integers(0, 255)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["set", "insert", "cut"]))
        if action == "set" and at < len(raw):
            raw[at] = draw(byte)
        elif action == "insert":
            raw[at:at] = bytes([draw(byte)])
        else:
            del raw[at:at + draw(st.integers(1, 6))]
    return bytes(raw)


def _same_scan(text: str) -> None:
    fast = scan_one(text)
    if fast is not None:
        slow = scan_blocks(text)
        assert fast.messages == slow.messages
        assert (fast.framing, fast.diagnostics) == (slow.framing, slow.diagnostics) == ("fin", [])


# --- envelope -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", SEEDS)
def test_scan_one_equals_scan_blocks_on_vectors(raw: bytes) -> None:
    _same_scan(raw.decode("latin-1"))


def test_scan_one_takes_the_clean_vectors() -> None:
    """The fast path is really used: on every clean single message, CRLF or LF."""
    clean = [OWN_VECTORS / "swift_mt" / "mt103_valid.fin",
             OWN_VECTORS / "swift_mt" / "mt103_valid_lf.fin"]
    clean += [p for p in SHARED if p.name == BENCH]
    for path in clean:
        text = path.read_text("latin-1")
        assert scan_one(text) is not None, path.name
        assert scan(text) == scan_blocks(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_scan_one_equals_scan_blocks_on_mutations(raw: bytes) -> None:
    _same_scan(raw.decode("latin-1"))


# --- field grammar --------------------------------------------------------------------------

def _agrees(tag: str, value: str, codes: frozenset[str] | None) -> None:
    plan = field_plan(tag)
    assert plan is not None
    fast = clean_field(plan, value, codes)
    found: list[Diagnostic] = []
    slow = check_field(tag, value, "field", codes, found)
    if fast is not None:
        assert found == [] and slow == fast, (tag, value, found)


def _vector_fields() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for raw in SEEDS:
        for msg in scan(raw.decode("latin-1")).messages:
            out.extend((t, v) for t, v in msg.text or () if notation(t) is not None)
    return sorted(set(out))


FIELDS = _vector_fields()
CODES = [None, *{c for spec in SPECS.values() for c in spec.codes.values()}]


def test_clean_field_agrees_on_vector_fields() -> None:
    assert len(FIELDS) > 100
    accepted = 0
    for tag, value in FIELDS:
        for codes in CODES:
            _agrees(tag, value, codes)
        plan = field_plan(tag)
        assert plan is not None
        accepted += clean_field(plan, value, None) is not None
    assert accepted > len(FIELDS) // 2  # the fast path is the common path


@st.composite
def field_values(draw: st.DrawFn) -> tuple[str, str]:
    """A tag and a value: drawn from the tag's notation, or a vector field slightly changed."""
    if draw(st.booleans()):
        tag = draw(st.sampled_from(sorted(FORMATS)))
        spec = notation(tag)
        assert spec is not None
        return tag, draw(st.from_regex(spec.regex, fullmatch=True))
    tag, value = draw(st.sampled_from(FIELDS))
    chars = list(value)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(chars)))
        new = draw(st.sampled_from("/,0123456789ABZ\n :-") | st.characters(max_codepoint=255))
        if at < len(chars) and draw(st.booleans()):
            chars[at] = new
        else:
            chars.insert(at, new)
    return tag, "".join(chars)


@settings(max_examples=1000, deadline=None)
@given(field_values(), st.sampled_from(CODES))
def test_clean_field_never_calls_a_bad_value_clean(field: tuple[str, str],
                                                   codes: frozenset[str] | None) -> None:
    _agrees(*field, codes)


@pytest.mark.parametrize(("tag", "value"), [
    ("32A", "250230EUR1,00"), ("32A", "250102EUR1,001"), ("32A", "250102XXX1,00"),
    ("32A", "250102EUR,5"), ("32A", "250102JPY1,5"), ("32A", "250102KWD1,1234"),
    ("20", "/REF"), ("20", "REF/"), ("20", "RE//F"), ("13C", "/SNDTIME/2460+0100"),
    ("59F", "/1\n1/A\n3/X1"), ("59F", "1/A\n3/DE/X\n2/B"), ("59F", "1/A\n4/B"),
    ("50F", "/1\n1/A\n8/X\n3/DE/B"), ("50F", "/1\n2/A"), ("52A", "COBADEF"),
    ("50F", "/1\n1/A\n2/B"), ("50F", "PASS/DE/1\n1/A"), ("50F", "CCPT/QQ/1\n1/A"),
    ("50F", "CCPT/D1/1\n1/A"), ("50F", "/1\n1/A\n3/QQ/B"), ("59F", "/1\n1/A\n3/QQ"),
    ("50F", "/1\n1/A\n4/19800101"), ("50F", "/1\n1/A\n8/X"), ("59F", "1/A\n2/B"),
])
def test_clean_field_rejects_semantic_errors(tag: str, value: str) -> None:
    plan = field_plan(tag)
    assert plan is not None and clean_field(plan, value, None) is None
    _agrees(tag, value, None)


@pytest.mark.parametrize(("tag", "value"), [
    ("59F", "/1\n1/A\n3/DE/BERLIN\n3/MITTE"), ("59F", "1/A\n3/DE"),
    ("50F", "CCPT/DE/X1\n1/A\n2/B\n3/XK/PRISTINA"),
    ("50F", "/1\n1/A\n2/B\n3/DE/X\n3/Y"), ("32A", "250102KWD1,123"), ("20", "A/B"),
])
def test_clean_field_accepts_what_check_field_accepts(tag: str, value: str) -> None:
    """Only the first 3/ line of 50F/59F holds a country; later ones continue the town."""
    plan = field_plan(tag)
    found: list[Diagnostic] = []
    assert plan is not None and check_field(tag, value, "field", None, found) is not None
    assert found == [] and clean_field(plan, value, None) is not None


# --- structure ------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(SPECS)), st.data())
def test_layout_equals_structure(name: str, data: st.DataObject) -> None:
    spec = SPECS[name]
    allowed = sorted({t for e in spec.entries for t in e.tags} | {"20", "99", "32A", "72"})
    tags = tuple(data.draw(st.lists(st.sampled_from(allowed), max_size=14)))
    found: list[Diagnostic] = []
    seqs = _structure(spec, tags, "", found)
    shape = layout(name, tags, "")
    assert shape.seqs == tuple(seqs) and shape.findings == tuple(found)


# --- network rules --------------------------------------------------------------------------

# the fields and code words the rules read, so that few draws hit every rule's conditions
TAG_POOL = sorted({"20", "21", "11S", "22A", "22D", "23B", "23E", "23F", "24E", "24G", "26E",
                   "31E", "31S", "32A", "33B", "35G", "36", "48D", "49", "50K", "52A", "53A",
                   "53B", "53D", "54A", "54B", "54D", "55A", "55B", "56A", "56C", "56D", "57A",
                   "57B", "57D", "58A", "59", "59A", "59F", "71A", "71F", "71G", "76", "77A",
                   "78", "79"})
CODE_POOL = {"23B": ["SPRI", "SSTD", "SPAY", "CRED", "FIXD", "COND", "OPEN"],
             "71A": ["OUR", "SHA", "BEN"], "22A": ["ISSU", "ISCO", "ICCO"],
             "22D": ["STBY", "DGAR"], "23F": ["EXTD"],
             "23E": ["CHQB", "TELI", "PHOI", "TELE", "PHON", "SDVA", "INTC"]}


@st.composite
def views(draw: st.DrawFn) -> View:
    tags = draw(st.lists(st.sampled_from(TAG_POOL), max_size=5))
    tags += draw(st.lists(st.sampled_from(sorted(CODE_POOL)), max_size=2))
    tags = draw(st.permutations(tags))
    parts: list[dict[str, str | None] | None] = []
    for tag in tags:
        if draw(st.integers(0, 7)) == 0:
            parts.append(None)
            continue
        parts.append({
            "code": draw(st.none() | st.sampled_from(CODE_POOL.get(tag, ["X"]))),
            "currency": draw(st.none() | st.sampled_from(["EUR", "USD"])),
            "account": draw(st.none() | st.just("1")),
        })
    values = [draw(st.sampled_from(["CONFIRM", "MAY ADD", "X"])) for _ in tags]
    seqs = [draw(st.sampled_from("ABC")) for _ in tags]
    bic = st.none() | st.sampled_from(["COBADEFF", "CHASUS33", "BNPAFRPP", "DEUTDEFF500"])
    return View(tags, values, seqs, parts, draw(bic), draw(bic))


@settings(max_examples=1000, deadline=None)
@given(views())
def test_a_skipped_rule_cannot_be_broken(view: View) -> None:
    for r in RULES:
        skipped_by_when = bool(r.when) and view.index.keys().isdisjoint(r.when)
        skipped_by_gate = r.gate is not None and view.code(r.gate[0]) not in r.gate[1]
        if skipped_by_when or skipped_by_gate:
            assert list(r.check(view)) == [], r.name


def _vector_views() -> list[tuple[str, View]]:
    out: list[tuple[str, View]] = []
    for raw in SEEDS:
        for msg in scan(raw.decode("latin-1")).messages:
            name = format_name(msg.message_type, msg.user_value("119"))
            if name is None or msg.text is None:
                continue
            spec, view = check_text(msg, name, "", [])
            if spec is not None and view is not None:
                out.append((spec.name, view))
    return out


def _without(view: View, drop: frozenset[str]) -> View:
    keep = [i for i, t in enumerate(view.tags) if t not in drop and t[:2] not in drop]
    return View([view.tags[i] for i in keep], [view.values[i] for i in keep],
                [view.seqs[i] for i in keep], [view.parts[i] for i in keep], view.sender,
                view.receiver)


def _with_code(view: View, tag: str, code: str) -> View:
    parts = [{**(p or {}), "code": code} if t == tag else p
             for t, p in zip(view.tags, view.parts, strict=True)]
    return View(view.tags, view.values, view.seqs, parts, view.sender, view.receiver)


def test_skipping_is_sound_on_vectors() -> None:
    """Every rule breaks on some vector (test_own_vectors); with the fields it names taken
    out, or its gate field holding another code, it must not break any more."""
    views = _vector_views()
    assert len(views) > 50
    for spec_name, view in views:
        for r in rules_for(spec_name):
            if r.when:
                assert list(r.check(_without(view, r.when))) == [], r.name
            if r.gate is not None:
                tag, allowed = r.gate
                assert list(r.check(_without(view, frozenset({tag})))) == [], r.name
                for code in CODE_POOL[tag]:
                    if code not in allowed:
                        assert list(r.check(_with_code(view, tag, code))) == [], r.name


@settings(max_examples=300, deadline=None)
@given(views(), st.sampled_from(sorted({f for r in RULES for f in r.formats})))
def test_run_equals_every_rule(view: View, spec_name: str) -> None:
    found: list[Diagnostic] = []
    run(spec_name, view, found)
    every = [Diagnostic(f"MT.{r.code}", f"{r.name}: {text}", where)
             for r in rules_for(spec_name) for text, where in r.check(view)]
    assert found == every


# --- end to end ----------------------------------------------------------------------------

def _reference_decode(raw: bytes) -> Decoded:
    """decode with every fast path switched off: the general block reader, check_field on
    every field, every rule of the format run whatever fields are present."""
    def slow_layout(spec_name: str | None, tags: tuple[str, ...], prefix: str) -> Layout:
        shape = fast_layout(spec_name, tags, prefix)
        return shape._replace(
            matchers=tuple(None if m is None else _never for m in shape.matchers),
            rules=tuple(replace(r, gate=None) for r in rules_for(spec_name or "")))

    fast_layout = check.layout
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codec, "read_one", lambda text: None)
        patch.setattr(check, "layout", slow_layout)
        return CODEC.decode(raw, None, Options())


def _never(value: str) -> None:
    return None  # no value is clean: check_field reads every one


def _same_decode(raw: bytes) -> None:
    fast, slow = CODEC.decode(raw, None, Options()), _reference_decode(raw)
    assert fast.diagnostics == slow.diagnostics
    assert [to_data(m) for m in fast.messages] == [to_data(m) for m in slow.messages]
    assert fast.envelope == slow.envelope


@pytest.mark.parametrize("raw", SEEDS)
def test_decode_equals_reference_decode_on_vectors(raw: bytes) -> None:
    _same_decode(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_decode_equals_reference_decode_on_mutations(raw: bytes) -> None:
    _same_decode(raw)


# --- check_only ----------------------------------------------------------------------------

def _agree_on_findings(raw: bytes) -> None:
    decoded = CODEC.decode(raw, None, Options())
    assert CODEC.check_only(raw) == decoded.diagnostics


@pytest.mark.parametrize("raw", SEEDS)
def test_check_only_equals_decode_on_vectors(raw: bytes) -> None:
    _agree_on_findings(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_check_only_equals_decode_on_mutations(raw: bytes) -> None:
    _agree_on_findings(raw)


def test_check_only_reports_what_decode_reports() -> None:
    raw = (OWN_VECTORS / "swift_mt" / "mt103_valid.fin").read_bytes()
    bad = raw.replace(b":32A:250102EUR1000,50", b":32A:250230EUR1000,505")
    codes = [d.code for d in CODEC.check_only(bad)]
    assert codes == [d.code for d in CODEC.decode(bad, None, Options()).diagnostics]
    assert codes == ["MT.T50", "MT.C03"]
    assert CODEC.check_only(raw) == []
