"""One interpreter for EDI message tables (STYLE §1): reads a body into records, writes it back.

A table is the standard's own layout: segments in order with their usage (M/O) and maximum
use, loops (X12) or segment groups (EDIFACT) with theirs, and for every element (or
component) the data element it carries, whether it is mandatory, and the canonical field it
fills. Data elements come from a dictionary in the standard's notation (`R 1/18`, `an..35`)
and are checked on read: length, numeric form, date, code values.

    Loop("820", …, items=(Seg("BPR", "M", 1, (F(2, "782", "M", "amount"), …)), …))

Reading walks the body against the table (the usual X12/EDIFACT sequence rules: a segment is
looked for from the current place onwards, then in the enclosing loops; a loop's first segment
opens a new instance) and fills records: plain dicts whose keys are the fields' names. A loop
either merges into the record that holds it or, with `collect`, appends a record of its own to
a list there. A qualifier element picks a role (N1 PR = "debtor") that fills the `{}` in the
field names of the segment and of the rest of its loop. Fields ending in `[]` collect every
value. Fields named `extra.…` fill Message.extra: the reader lists the ones it filled, in
order, under the record's `@extra`. Writing walks the same table over records and emits the
segments that have data.

Reading is compiled once per grammar: each segment rule becomes a bind function (`binder`)
with its element places, bounds, code sets and field names as constants, and each place in a
loop gets a table from segment tag to the step it takes (item, uses allowed, mandatory items
passed over, loop opened); the walk of a short body whose tags were seen before is replayed
from notes (`_Plan`). A valid segment so costs one dictionary look-up and one test per
element; findings, with their messages and locations, are built only when reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from hub.codecs.edi.binder import Bind, compile_rule, role_name
from hub.errors import Severity

UNBOUNDED = 999_999  # ">1" in the standards' tables

_X12_NOTATION = re.compile(r"(AN|ID|DT|TM|R|N\d?) (\d+)/(\d+)")
_EDIFACT_NOTATION = re.compile(r"(an|a|n)(\.\.)?(\d+)")


@dataclass(frozen=True, slots=True)
class DataElement:
    ref: str
    type: str  # X12: AN ID DT TM R N0..N9; EDIFACT: a an n
    min: int
    max: int


def dictionary(text: str) -> dict[str, DataElement]:
    """Data elements from lines `ref notation name…` (X12 `782 R 1/18`, EDIFACT `5004 n..18`)."""
    out: dict[str, DataElement] = {}
    for line in text.strip().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        ref, notation, *rest = line.split()
        if (m := _EDIFACT_NOTATION.fullmatch(notation)) is not None:
            size = int(m.group(3))
            out[ref] = DataElement(ref, m.group(1), 0 if m.group(2) else size, size)
            continue
        m = _X12_NOTATION.fullmatch(f"{notation} {rest[0] if rest else ''}")
        if m is None:
            raise ValueError(f"data element {ref}: notation {notation!r} not understood")
        out[ref] = DataElement(ref, m.group(1), int(m.group(2)), int(m.group(3)))
    return out


@dataclass(frozen=True, slots=True)
class F:
    """One element (X12) or component (EDIFACT, `component` 1-based) of a segment."""

    element: int
    ref: str
    usage: str  # "M" or "O"
    name: str = ""  # record field; "" = checked only; "{}" = the role; "…[]" = every value
    component: int = 0
    default: str = ""  # written when the record has no value
    codes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Seg:
    tag: str
    usage: str
    max: int
    fields: tuple[F, ...] = ()
    roles: Mapping[str, str] | None = None  # qualifier value -> role; "*" -> any value
    collect: str = ""  # each segment appends a record of its fields to this list
    mapped: bool = True  # False: read and checked, reported as not mapped


@dataclass(frozen=True, slots=True)
class Loop:
    name: str
    usage: str
    max: int
    items: tuple[Seg | Loop, ...]
    collect: str = ""  # each instance is a record appended to this list of the parent


@dataclass(slots=True)
class _Field:
    """A field compiled against the dictionary: where to read, how to check and convert."""

    element: int
    component: int  # -1: X12 simple element
    de: DataElement
    mandatory: bool
    name: str
    many: bool
    default: str
    codes: frozenset[str] | None
    convert: str  # "", "decimal", "date"


@dataclass(slots=True)
class _Seg:
    tag: str
    mandatory: bool
    max: int
    fields: list[_Field]
    qualifier: _Field | None
    roles: dict[str, str] | None
    any_role: str | None
    collect: str
    mapped: bool
    width: int
    bind: Bind = field(init=False)  # compiled from this rule by `binder`


@dataclass(slots=True)
class _Loop:
    name: str
    mandatory: bool
    max: int
    items: list[_Seg | _Loop]
    collect: str
    trigger: _Seg = field(init=False)
    index: dict[str, list[int]] = field(default_factory=dict)
    required: tuple[int, ...] = ()  # positions of the mandatory items
    last_required: int = -1
    fresh: list[int] = field(default_factory=list)  # uses per item of a new instance
    # per current position: segment tag -> the step to the item it starts, from there onwards
    steps: list[dict[str, _Step]] = field(default_factory=list)


class _Step(NamedTuple):
    """From one place in a loop, the segment that starts item `found`."""

    found: int
    bind: Bind  # the segment's, or the loop trigger's
    steps: dict[str, _Step]  # the loop's steps from `found` on
    skipped: tuple[int, ...]  # mandatory items passed over (unless they were used)
    max: int  # uses allowed
    opens: _Loop | None  # the loop a new instance of which starts here


class Grammar:
    """A message table compiled against its dictionary for one family ("x12" or "edifact")."""

    def __init__(self, family: str, root: Loop, elements: Mapping[str, DataElement],
                 decimal_fields: Iterable[str] = (), date_fields: Iterable[str] = ()) -> None:
        self.family = family
        self.elements = elements
        self._decimal = frozenset(decimal_fields)
        self._date = frozenset(date_fields)
        self._roles = {""} | set(_roles(root))
        self.root = self._loop(root, top=True)
        self.plans: dict[tuple[tuple[str, ...], frozenset[str]], _Plan] = {}

    def _loop(self, loop: Loop, top: bool = False) -> _Loop:
        items = [self._loop(i) if isinstance(i, Loop) else self._seg(i) for i in loop.items]
        out = _Loop(loop.name, loop.usage == "M", loop.max, items, loop.collect)
        for n, item in enumerate(items):
            tag = item.trigger.tag if isinstance(item, _Loop) else item.tag
            out.index.setdefault(tag, []).append(n)
        first = items[0]
        out.trigger = first.trigger if isinstance(first, _Loop) else first
        out.required = tuple(n for n, item in enumerate(items) if item.mandatory)
        out.last_required = max(out.required, default=-1)
        out.fresh = [1] + [0] * (len(items) - 1)
        out.steps = [{} for _ in items]
        for pos, steps in enumerate(out.steps):
            for tag, places in out.index.items():
                # a loop's own first segment never repeats inside it: it opens another instance
                found = next((n for n in places if n >= pos and (n > 0 or top)), -1)
                if found < 0:
                    continue
                item = items[found]
                skipped = tuple(n for n in out.required if pos <= n < found)
                if isinstance(item, _Loop):
                    steps[tag] = _Step(found, item.trigger.bind, out.steps[found], skipped,
                                       item.max, item)
                else:
                    steps[tag] = _Step(found, item.bind, out.steps[found], skipped, item.max,
                                       None)
        return out

    def _seg(self, seg: Seg) -> _Seg:
        fields = []
        for f in seg.fields:
            de = self.elements[f.ref]
            convert = ""
            if self.family == "x12":
                convert = {"R": "decimal", "DT": "date"}.get(de.type, "")
            elif de.type == "n" and (f.ref in self._decimal):
                convert = "decimal"
            if f.ref in self._date:
                convert = "date"
            many = f.name.endswith("[]")
            component = max(f.component, 1) - 1 if self.family == "edifact" else -1
            fields.append(_Field(f.element, component, de, f.usage == "M",
                                 f.name[:-2] if many else f.name, many, f.default, f.codes,
                                 convert))
        roles = dict(seg.roles) if seg.roles is not None else None
        any_role = roles.pop("*", None) if roles is not None else None
        qualifier = fields[0] if roles is not None else None
        width = max((f.element for f in fields), default=0)
        out = _Seg(seg.tag, seg.usage == "M", seg.max, fields, qualifier, roles, any_role,
                   seg.collect, seg.mapped, width)
        out.bind = compile_rule(out, self.family, self._roles)
        return out


def _roles(loop: Loop) -> Iterable[str]:
    """Every role the table names (field names are prepared for each)."""
    for item in loop.items:
        if isinstance(item, Loop):
            yield from _roles(item)
        elif item.roles is not None:
            yield from (role for value, role in item.roles.items() if value != "*")


Report = Callable[..., None]
"""report(code, message, index, element=None, component=None, severity=ERROR, ack="", value="")
with `index` the segment's place in the body."""

PLAN_MAX = 100  # bodies up to this many segments have their walk noted for replay
PLANS_KEPT = 256  # noted walks per grammar; the notes start again when there are more


class _Plan:
    """The walk of one sequence of segment tags: per segment, the structural findings (in
    the order they were reported), the depth of the loop instance it is read into (-1: not
    read), its bind function and the loop it opens; then the findings at the end. Bodies with
    the same tags take the same steps, whatever their elements say, and the 820s of one
    interchange mostly share one layout."""

    __slots__ = ("_found", "codes", "steps")

    def __init__(self, codes: Mapping[str, str]) -> None:
        self.codes = codes  # the family codes the findings were made with
        self.steps: list[tuple[tuple[Any, ...], int, Bind | None, _Loop | None]] = []
        self._found: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def recorder(self, report: Report) -> Report:
        def record(*args: Any, **kwargs: Any) -> None:
            self._found.append((args, kwargs))
            report(*args, **kwargs)
        return record

    def add(self, depth: int, bind: Bind | None, opens: _Loop | None) -> None:
        self.steps.append((tuple(self._found), depth, bind, opens))
        self._found.clear()


class Reader:
    """Reads one body (the segments between ST/SE or UNH/UNT) against a grammar."""

    def __init__(self, grammar: Grammar, report: Report, *, decimal: str = ".",
                 codes: Mapping[str, str]) -> None:
        self.g = grammar
        self.report = report
        self.decimal = decimal
        self.codes = codes  # finding kind -> family code ("missing" -> "X12.ELEMENT_MISSING")
        self.x12 = grammar.family == "x12"

    # -- structure ------------------------------------------------------------------------

    def read(self, body: Sequence[Sequence[Any]], ignored: frozenset[str] = frozenset()
             ) -> dict[str, Any]:
        """The root record of `body`; every problem goes to `report`."""
        if len(body) > PLAN_MAX:
            return self._walk(body, ignored, None)
        key = (tuple(map(itemgetter(0), body) if self.x12 else
                     map(itemgetter(0), map(itemgetter(0), body))), ignored)
        plans = self.g.plans
        plan = plans.get(key)
        if plan is not None and plan.codes is self.codes:
            return self._replay(plan, body)
        plan = _Plan(self.codes)
        record = self._walk(body, ignored, plan)
        if len(plans) >= PLANS_KEPT:
            plans.clear()
        plans[key] = plan
        return record

    def _walk(self, body: Sequence[Sequence[Any]], ignored: frozenset[str], plan: _Plan | None
              ) -> dict[str, Any]:
        """Reads `body` step by step against the loops' tables; with `plan`, notes the steps
        and the structural findings so that bodies with the same tags can be replayed."""
        codes = self.codes
        report = self.report if plan is None else plan.recorder(self.report)
        record: dict[str, Any] = {"@start": 0}
        # the innermost open loop instance: its loop, place in its items, uses per item,
        # record, role and steps from its place; the enclosing ones wait in `outer`
        loop = self.g.root
        pos, uses, into, role, steps = 0, [0] * len(loop.items), record, "", loop.steps[0]
        outer: list[list[Any]] = []
        x12 = self.x12
        for i, seg in enumerate(body):
            tag = seg[0] if x12 else seg[0][0]
            step = steps.get(tag)
            if step is None:  # not from here on: does it continue an enclosing loop?
                level = len(outer) - 1
                while level >= 0:
                    step = outer[level][5].get(tag)
                    if step is not None:
                        break
                    level -= 1
                if step is None:
                    if tag in ignored:
                        report(codes["ignored"], f"{tag} is read but not mapped here", i,
                               severity=Severity.WARNING)
                    else:
                        report(codes["unexpected"], f"{tag} is not allowed here", i,
                               ack="unexpected")
                    if plan is not None:
                        plan.add(-1, None, None)
                    continue
                if loop.last_required > pos:
                    self._close(report, loop, pos, uses, i)
                while len(outer) - 1 > level:
                    frame = outer.pop()
                    if frame[0].last_required > frame[1]:
                        self._close(report, frame[0], frame[1], frame[2], i)
                loop, pos, uses, into, role, steps = outer.pop()
            found, bind, steps, skipped, most, opens = step
            if skipped:
                for n in skipped:
                    if not uses[n]:
                        self._missing(report, loop.items[n], i)
            pos = found
            used = uses[found] = uses[found] + 1
            if opens is not None:
                if used > most:
                    report(codes["loop_repeat"], f"loop {opens.name} occurs more than "
                           f"{most} times", i, ack="loop_repeat")
                if plan is not None:
                    plan.add(len(outer), bind, opens)
                child: dict[str, Any]
                if opens.collect:
                    child = {"@start": i}
                    got = into.get(opens.collect)
                    if got is None:
                        into[opens.collect] = [child]
                    else:
                        got.append(child)
                else:
                    child = into
                own = bind(self, seg, i, child, role)
                outer.append([loop, pos, uses, into, role, steps])
                loop, pos, uses, into = opens, 0, opens.fresh.copy(), child
                role = own if own is not None else "\0"
                steps = opens.steps[0]
            elif used > most:
                report(codes["repeat"], f"{tag} occurs more than {most} times here", i,
                       ack="repeat")
                if plan is not None:
                    plan.add(-1, None, None)
            else:
                if plan is not None:
                    plan.add(len(outer), bind, None)
                bind(self, seg, i, into, role)
        end = len(body)
        while outer:
            if loop.last_required > pos:
                self._close(report, loop, pos, uses, end)
            loop, pos, uses = outer.pop()[:3]
        self._close(report, loop, pos, uses, end, root=True)
        if plan is not None:
            plan.add(-1, None, None)  # the findings at the end
        return record

    def _replay(self, plan: _Plan, body: Sequence[Sequence[Any]]) -> dict[str, Any]:
        """What `_walk` does on a body with the tags `plan` was noted from, from the notes."""
        report = self.report
        record: dict[str, Any] = {"@start": 0}
        records, roles = [record], [""]  # of the open loop instances, innermost last
        for i, (found, depth, bind, opens) in enumerate(plan.steps):
            if found:
                for args, kwargs in found:
                    report(*args, **kwargs)
            if bind is None:
                continue
            if len(records) > depth + 1:
                del records[depth + 1:], roles[depth + 1:]
            into = records[-1]
            if opens is None:
                bind(self, body[i], i, into, roles[-1])
                continue
            child: dict[str, Any]
            if opens.collect:
                child = {"@start": i}
                got = into.get(opens.collect)
                if got is None:
                    into[opens.collect] = [child]
                else:
                    got.append(child)
            else:
                child = into
            own = bind(self, body[i], i, child, roles[-1])
            records.append(child)
            roles.append(own if own is not None else "\0")
        return record

    def _missing(self, report: Report, item: _Seg | _Loop, i: int) -> None:
        seg = item.trigger if isinstance(item, _Loop) else item
        if item.mandatory:
            report(self.codes["segment_missing"], f"{seg.tag} is mandatory before this "
                   "segment", i, ack="segment_missing")

    def _close(self, report: Report, loop: _Loop, pos: int, uses: list[int], i: int,
               root: bool = False) -> None:
        for n in loop.required:
            item = loop.items[n]
            if n > pos and not uses[n]:
                seg = item.trigger if isinstance(item, _Loop) else item
                report(self.codes["segment_missing"], f"{seg.tag} is mandatory"
                       + ("" if root else f" in loop {loop.name}"), i - 1 if i > 0 else 0,
                       ack="segment_missing")

    # -- elements: what the bind functions (`binder`) call when a fast check fails ------------

    def extra(self, rule: _Seg, size: int, i: int) -> None:
        self.report(self.codes["extra"], f"{rule.tag} has {size - 1} elements, at most "
                    f"{rule.width} are defined", i, element=rule.width + 1, ack="extra")

    def missing(self, rule: _Seg, f: _Field, i: int) -> None:
        self.report(self.codes["missing"], f"{rule.tag} element {f.element} ({f.de.ref}) is "
                    "mandatory", i, element=f.element,
                    component=f.component + 1 if f.component >= 0 else None, ack="missing")

    def unmapped_role(self, rule: _Seg, qualifier: Any, i: int) -> None:
        self.report(self.codes["ignored"], f"{rule.tag} {qualifier!r} is not mapped here", i,
                    severity=Severity.WARNING)

    def repeated_role(self, rule: _Seg, qualifier: Any, i: int) -> None:
        self.report(self.codes["ignored"], f"{rule.tag} {qualifier!r} repeats; the first is "
                    "used", i, severity=Severity.WARNING)

    def not_mapped(self, rule: _Seg, i: int) -> None:
        self.report(self.codes["ignored"], f"{rule.tag} is read but not mapped here", i,
                    severity=Severity.WARNING)

    def check(self, rule: _Seg, f: _Field, text: str, i: int) -> Any:
        """The element checked against its data element and code list: its value (converted
        for amounts and dates), or None once the problem is reported."""
        de = f.de
        kind = de.type
        comp = f.component + 1 if f.component >= 0 else None
        size = len(text)
        if kind in ("R", "n") or kind[0] == "N":
            sign = text[0] == "-"
            mark = "." if self.x12 else self.decimal
            digits = text[sign:].replace(mark, "", 1)
            size = len(digits)
            other = "." if mark == "," else ","
            if not (digits.isdigit() and digits.isascii()) or (
                    kind[0] == "N" and mark in text[sign:]) or (not self.x12 and other in text):
                code = "amount" if f.convert == "decimal" else "type"
                self.report(self.codes[code], f"{rule.tag} element {f.element} {text!r} is not "
                            "a number" + ("" if self.x12 else f" with decimal mark {mark!r}"), i,
                            element=f.element, component=comp, ack=code, value=text)
                return None
        if size > de.max or size < de.min:
            self.report(self.codes["length"], f"{rule.tag} element {f.element} ({de.ref}) "
                        f"{text!r} is {size} long, not {de.min}-{de.max}", i,
                        element=f.element, component=comp,
                        ack="too_long" if size > de.max else "too_short", value=text)
            return None
        if f.codes is not None and text not in f.codes:
            self.report(self.codes["code"], f"{rule.tag} element {f.element} {text!r} is not one "
                        f"of {', '.join(sorted(f.codes))}", i, element=f.element,
                        component=comp, ack="code", value=text)
            return None
        convert = f.convert
        if convert == "decimal":
            return Decimal(text.replace(",", ".")) if "," in text else Decimal(text)
        if convert == "date":
            if len(text) >= 8 and text[:8].isdigit():
                try:
                    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
                except ValueError:
                    pass
            self.report(self.codes["date"], f"{rule.tag} element {f.element} {text!r} is not a "
                        "date CCYYMMDD", i, element=f.element, component=comp, ack="date",
                        value=text)
            return None
        return text


# -- writing -------------------------------------------------------------------------------


def _names(loop: _Loop) -> list[str]:
    """Every field name a loop can fill (to tell which roles a record has data for)."""
    out: list[str] = []
    for item in loop.items:
        if isinstance(item, _Loop):
            out += _names(item)
        else:
            out += [f.name for f in item.fields[1 if item.qualifier is not None else 0:]
                    if f.name]
    return out


def _text(value: Any, decimal: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        out = str(value)
        return out.replace(".", decimal) if decimal != "." else out
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


class Writer:
    """Writes records as segments following the same grammar."""

    def __init__(self, grammar: Grammar, *, decimal: str = ".") -> None:
        self.g = grammar
        self.decimal = decimal
        self.x12 = grammar.family == "x12"

    def write(self, record: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = []
        self._items(self.g.root.items, record, "", out)
        return out

    def _items(self, items: Sequence[_Seg | _Loop], record: Mapping[str, Any], role: str,
               out: list[Any]) -> None:
        for item in items:
            if isinstance(item, _Loop):
                self._loop(item, record, role, out)
            else:
                self._segments(item, record, role, out)

    def _loop(self, loop: _Loop, record: Mapping[str, Any], role: str, out: list[Any]) -> None:
        if loop.collect:
            for child in record.get(loop.collect, ()):
                self._instance(loop, child, role, out)
            return
        trigger = loop.trigger
        if trigger.collect:  # the trigger segments are records of their own (MOA totals)
            heads: list[Any] = []
            self._segments(trigger, record, role, heads)
            if heads:
                out.extend(heads)
                self._items(loop.items[1:], record, role, out)
            return
        if trigger.roles is not None or trigger.any_role is not None:
            for value, own in self._roles(trigger, record, _names(loop)):
                body: list[Any] = []
                self._items(loop.items[1:], record, own, body)
                seg = self._one(trigger, record, own, value, force=bool(body))
                if seg is not None:
                    out.append(seg)
                    out.extend(body)
            return
        self._instance(loop, record, role, out)

    def _instance(self, loop: _Loop, record: Mapping[str, Any], role: str,
                  out: list[Any]) -> None:
        body: list[Any] = []
        self._items(loop.items[1:], record, role, body)
        seg = self._one(loop.trigger, record, role, None, force=bool(body) or bool(loop.collect))
        if seg is not None:
            out.append(seg)
            out.extend(body)

    def _roles(self, rule: _Seg, record: Mapping[str, Any], names: Sequence[str] = ()
               ) -> list[tuple[str, str]]:
        """(qualifier value, role) for every role the record has data for, in table order."""
        found = []
        names = list(names) or [f.name for f in rule.fields[1:] if f.name]
        for value, role in (rule.roles or {}).items():
            if any(role_name(n, role) in record for n in names):
                found.append((value, role))
        if rule.any_role is not None:
            prefix, _, suffix = rule.any_role.partition("{}")
            taken = {r for _, r in found}
            for key in sorted(k for k in record if isinstance(k, str) and k.startswith(prefix)
                              and k.endswith(suffix) and len(k) > len(prefix) + len(suffix)):
                if key not in taken:
                    found.append((key[len(prefix):len(key) - len(suffix)], key))
        return found

    def _segments(self, rule: _Seg, record: Mapping[str, Any], role: str,
                  out: list[Any]) -> None:
        if not rule.mapped:
            return
        if rule.collect:
            for child in record.get(rule.collect, ()):
                for value, own in (self._roles(rule, child) if rule.qualifier is not None
                                   else [(None, role)]):
                    seg = self._one(rule, child, own, value)
                    if seg is not None:
                        out.append(seg)
            return
        instances = (self._roles(rule, record) if rule.qualifier is not None
                     else [(None, role)])
        many = [f for f in rule.fields if f.many and f.name]
        for value, own in instances:
            if not many:  # a mandatory segment is written even with only its defaults
                seg = self._one(rule, record, own, value,
                                force=rule.mandatory and rule.qualifier is None)
                if seg is not None:
                    out.append(seg)
                continue
            name = role_name(many[0].name, own)
            values = list(record.get(name, ()))
            per = sum(1 for f in many if role_name(f.name, own) == name)
            for start in range(0, len(values), per):
                seg = self._one(rule, {**record, name: values[start:start + per]}, own, value)
                if seg is not None:
                    out.append(seg)

    def _one(self, rule: _Seg, record: Mapping[str, Any], role: str, qualifier: str | None,
             force: bool = False) -> Any:
        """One segment from `record`, or None when none of its mapped fields has a value."""
        x12 = self.x12
        elements: list[Any] = [rule.tag if x12 else [rule.tag]]
        elements.extend("" if x12 else [] for _ in range(rule.width))
        has = force
        taken: dict[str, int] = {}
        for n, f in enumerate(rule.fields):
            value: Any = None
            if n == 0 and qualifier is not None:
                value = qualifier
            elif f.name:
                name = role_name(f.name, role)
                value = record.get(name)
                if f.many:
                    k = taken.get(name, 0)
                    value = value[k] if value is not None and k < len(value) else None
                    taken[name] = k + 1
                if value is not None:
                    has = True
            if value is None:
                value = f.default
            text = _text(value, self.decimal)
            if x12:
                elements[f.element] = text
            else:
                components = elements[f.element]
                while len(components) <= f.component:
                    components.append("")
                components[f.component] = text
        if not has:
            return None
        if x12:
            end = len(elements)
            while end > 1 and not elements[end - 1]:
                end -= 1
            return elements[:end]
        return [e or [""] for e in elements]
