"""Segment rules compiled into bind functions: the read side of the EDI interpreter.

A bind function reads one segment against its rule: it takes every element the rule names from
its fixed place, checks it against the data element dictionary, picks the role, and puts the
values straight into the record under their field names. It is built once per rule from the
table (Python source compiled with `compile`), with the element positions, length bounds, code
sets and field names as constants, so a valid element costs one test. Whatever fails that test
goes to the reader's full check (`Reader.check`, the dictionary's rules in one place), which
reports it: messages and locations are built only for findings.

    bind(reader, seg, i, record, inherited_role) -> role | None   (None: the segment's loop
                                                                    is not read further)

`source(rule, family)` shows the code for a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.codecs.edi.grammar import Reader, _Field, _Seg

Bind = Callable[["Reader", Any, int, dict[str, Any], str], "str | None"]
NUMERIC = ("R", "n")
EXTRA = "extra."  # fields named so fill Message.extra: listed in the record's `@extra`


def role_name(name: str, role: str) -> str:
    """A field name with the role put in place of `{}`."""
    return name.replace("{}", role) if "{}" in name else name


def _numeric(kind: str) -> bool:
    return kind in NUMERIC or kind[0] == "N"


def _length(expr: str, low: int, high: int) -> str:
    """Bounds test for a non-empty value."""
    if low == high:
        return f"{expr} == {high}"
    return f"{expr} <= {high}" if low <= 1 else f"{low} <= {expr} <= {high}"


def _fast(f: _Field, v: str, k: int, x12: bool, env: dict[str, Any]
          ) -> tuple[str | None, str, bool]:
    """(test that proves the value valid, its converted value, whether converting may raise
    ValueError); test None: always the full check. The test only ever accepts what the full
    check would accept, converted the same way."""
    de = f.de
    low, high = de.min, de.max
    if f.codes is not None:
        if _numeric(de.type) or f.convert:
            return None, v, False
        env[f"OK{k}"] = frozenset(c for c in f.codes if low <= len(c) <= high)
        return f"{v} in OK{k}", v, False
    if f.convert == "date":  # CCYYMMDD: date.fromisoformat reads eight digits so too
        if not low <= 8 <= high:
            return None, v, False
        return f"len({v}) == 8 and {v}.isdigit() and {v}.isascii()", f"fromiso({v})", True
    if _numeric(de.type):
        if f.convert == "decimal":  # digits with at most one decimal mark, no sign
            mark = "'.'" if x12 else "mark"
            test = (f"(d := {v}.replace({mark}, '', 1)).isdigit() and d.isascii() and "
                    + _length("len(d)", low, high))
            value = f"Decimal({v})" if x12 else \
                f"Decimal({v}.replace(',', '.') if ',' in {v} else {v})"
            return test, value, False
        return f"{v}.isdigit() and {v}.isascii() and " + _length(f"len({v})", low, high), v, \
            False
    return _length(f"len({v})", low, high), v, False


def _names(fields: list[_Field], by_role: list[int], role: str
           ) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    names = tuple(role_name(fields[n].name, role) for n in by_role)
    return names, tuple(name.startswith(EXTRA) for name in names)


def _list_extra(emit: Callable[[str], None], key: str, listed: str, indent: str) -> None:
    """Code that lists a key filled under `extra.` in the record's `@extra`."""
    if listed == "False":
        return
    if listed != "True":
        emit(f"{indent}if {listed}:")
        indent += "    "
    emit(f"{indent}got = t.get('@extra')")
    emit(f"{indent}if got is None:")
    emit(f"{indent}    t['@extra'] = [{key}]")
    emit(f"{indent}else:")
    emit(f"{indent}    got.append({key})")


def _by_element(fields: list[_Field]) -> list[list[int]]:
    """Indexes of the fields, grouped when they follow each other in one element."""
    groups: list[list[int]] = []
    for k, f in enumerate(fields):
        if groups and fields[groups[-1][0]].element == f.element:
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def _field(out: list[str], k: int, f: _Field, fetch: str, indent: str, x12: bool,
           env: dict[str, Any]) -> None:
    """Code that puts field `k`'s value, checked and converted, in `v<k>` (None if empty)."""
    v = f"v{k}"
    env[f"F{k}"] = f
    lines = [f"{v} = {fetch}", f"if {v}:"]
    test, value, raises = _fast(f, v, k, x12, env)
    check = [f"{v} = r.check(RULE, F{k}, {v}, i)", f"if {v} is None:", "    bad = True"]
    if test is None:
        lines += ["    " + line for line in check]
    elif value == v:  # valid as it stands
        lines += [f"    if not ({test}):", *("        " + line for line in check)]
    else:
        lines.append(f"    if {test}:")
        if raises:
            lines += ["        try:", f"            {v} = {value}", "        except ValueError:",
                      *("            " + line for line in check)]
        else:
            lines.append(f"        {v} = {value}")
        lines += ["    else:", *("        " + line for line in check)]
    lines += ["else:", f"    {v} = None"]
    if f.mandatory:
        lines += [f"    r.missing(RULE, F{k}, i)", "    bad = True"]
    out.extend(indent + line for line in lines)


def source(rule: _Seg, family: str, env: dict[str, Any] | None = None) -> str:
    """Python source of the bind function for `rule`; `env` receives the constants it uses."""
    env = {} if env is None else env
    out = ["def bind(r, seg, i, record, inherited):", "    size = len(seg)"]
    _elements_code(out, rule, family == "x12", env)
    _role_code(out, rule, env)
    if rule.mapped:
        _store_code(out, rule, env)
    else:
        out += ["    r.not_mapped(RULE, i)", "    return role"]
    return "\n".join(out) + "\n"


def _elements_code(out: list[str], rule: _Seg, x12: bool, env: dict[str, Any]) -> None:
    """Every field's value checked into `v<k>`; `bad` when one of them was reported."""
    fields = rule.fields
    if x12 and rule.width:
        out += [f"    if size > {rule.width + 1}:", "        r.extra(RULE, size, i)"]
    if fields:
        out.append("    bad = False")
    if not x12 and any(f.convert == "decimal" for f in fields):
        out.append("    mark = r.decimal")
    if x12:
        for k, f in enumerate(fields):
            _field(out, k, f, f"seg[{f.element}] if size > {f.element} else ''", "    ", x12,
                   env)
        return
    for group in _by_element(fields):
        e = fields[group[0]].element
        out += [f"    e{e} = seg[{e}] if size > {e} else ()", f"    n{e} = len(e{e})"]
        indent = "    "
        skip = len(group) > 1 and not any(fields[k].mandatory for k in group)
        if skip:  # an element without data: none of its components is looked at
            out.append(f"    if any(e{e}):")
            indent = "        "
        for k in group:
            c = fields[k].component
            _field(out, k, fields[k], f"e{e}[{c}] if n{e} > {c} else ''", indent, x12, env)
        if skip:
            out += ["    else:", "        " + " = ".join(f"v{k}" for k in group) + " = None"]


def _role_code(out: list[str], rule: _Seg, env: dict[str, Any]) -> None:
    """`role` from the qualifier (first field) or the enclosing loop; returns None when the
    segment is not to be read further."""
    if rule.qualifier is None:
        out.append("    role = inherited")
    else:
        env["ROLES"] = rule.roles or {}
        env["ANY"] = rule.any_role
        out += ["    role = ROLES.get(v0)", "    if role is None:"]
        if rule.any_role is not None:
            out += ["        if v0 is None:", "            return None",
                    "        role = ANY.replace('{}', v0)"]
        else:
            out += ["        if v0 is not None:", "            r.unmapped_role(RULE, v0, i)",
                    "        return None"]
        if not rule.collect:  # one segment per role and record: the first is used
            # "TAG role" keys in a dict of its own: a dict of strings is not tracked by the
            # garbage collector, a set is
            out += ["    seen = record.get('@roles')", "    if seen is None:",
                    "        seen = record['@roles'] = {}", f"    key = {rule.tag + ' '!r} + role",
                    "    if key in seen:", "        r.repeated_role(RULE, v0, i)",
                    "        return None", "    seen[key] = True"]
    out += ["    if role == '\\0':",
            "        return None  # inside a loop whose qualifier is not mapped: kept, not read"]


def _store_code(out: list[str], rule: _Seg, env: dict[str, Any]) -> None:
    """The values put in the record (or in a new one appended to its `collect` list) under
    their field names, the role put into names with `{}`; a name filled once keeps its
    first value, one ending in `[]` gathers every value."""
    fields = rule.fields
    emit = out.append
    if fields:
        out += ["    if bad:", "        record.setdefault('@bad', True)"]
    if rule.collect:
        out += ["    t = {'@start': i}", f"    got = record.get({rule.collect!r})",
                "    if got is None:", f"        record[{rule.collect!r}] = [t]", "    else:",
                "        got.append(t)"]
    else:
        emit("    t = record")
    by_role = [n for n, f in enumerate(fields) if f.name != "{}" and "{}" in f.name]
    if by_role:
        env["NAMES"] = {}  # role -> (field names, which are extras), from `compile_rule`
        env["names_for"] = lambda role: _names(fields, by_role, role)
        emit("    nm, extra = NAMES.get(role) or names_for(role)")
    for k, f in enumerate(fields):
        if not f.name:
            continue
        if f.name == "{}":  # the role is the name
            key, listed = "role", f"role[:{len(EXTRA)}] == {EXTRA!r}"
        elif k in by_role:
            key, listed = f"nm[{by_role.index(k)}]", f"extra[{by_role.index(k)}]"
        else:
            key, listed = repr(f.name), repr(f.name.startswith(EXTRA))
        emit(f"    if v{k} is not None:")
        if f.many:
            out += [f"        got = t.get({key})", "        if got is None:",
                    f"            t[{key}] = [v{k}]"]
            _list_extra(emit, key, listed, "            ")
            out += ["        else:", f"            got.append(v{k})"]
        elif listed == "False":
            emit(f"        t.setdefault({key}, v{k})")
        else:
            out += [f"        if {key} not in t:", f"            t[{key}] = v{k}"]
            _list_extra(emit, key, listed, "            ")
    emit("    return role")


def compile_rule(rule: _Seg, family: str, roles: Iterable[str]) -> Bind:
    """The bind function of `rule`; field names are prepared for the grammar's `roles`."""
    env: dict[str, Any] = {"RULE": rule, "Decimal": Decimal, "fromiso": date.fromisoformat}
    text = source(rule, family, env)
    if "NAMES" in env:
        names_for = env["names_for"]
        env["NAMES"].update((role, names_for(role)) for role in roles)
    # the source is built above from the grammar's own tables, never from input
    exec(compile(text, f"<edi rule {rule.tag}>", "exec"), env)
    bind: Bind = env["bind"]
    return bind
