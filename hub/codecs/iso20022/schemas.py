"""The schema folder: XSDs found by target namespace, compiled once per process.

Operators drop the published ISO 20022 XSDs and the usage-guideline (restricted) XSDs of the
rails they use into one folder. Restricted XSDs reuse the base namespaces, so each profile claims
its files by name pattern; base validation uses every file no profile claims.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from hub.codecs.iso20022.safexml import parser

PROFILE_FILES: dict[str, tuple[str, ...]] = {
    "fedwire": ("Fedwire_*.xsd",),
}
"""Profile -> file-name patterns of its restricted XSDs (profiles absent here have none)."""

BASE = ""


def _variant(name: str) -> str:
    for profile, patterns in PROFILE_FILES.items():
        if any(fnmatch.fnmatch(name, p) for p in patterns):
            return profile
    return BASE


def _target_namespace(path: Path) -> str | None:
    with path.open("rb") as stream:  # closed even though we stop at the first element
        for _event, element in etree.iterparse(stream, events=("start",),
                                               resolve_entities=False, no_network=True,
                                               load_dtd=False):
            return element.get("targetNamespace")
    return None


@dataclass
class SchemaSet:
    """The XSD files of one folder by (variant, namespace), compiled on first use."""

    folder: Path
    files: dict[tuple[str, str], Path] = field(default_factory=dict)
    compiled: dict[tuple[str, str], etree.XMLSchema] = field(default_factory=dict)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    variants: frozenset[str] | None = None

    @classmethod
    def scan(cls, folder: Path) -> SchemaSet:
        found = cls(folder=folder)
        for path in sorted(folder.rglob("*.xsd")):
            try:
                namespace = _target_namespace(path)
            except etree.XMLSyntaxError:
                continue
            if namespace:
                found.files.setdefault((_variant(path.name), namespace), path)
        return found

    def has(self, namespace: str, variant: str = BASE) -> bool:
        return (variant, namespace) in self.files

    def has_variant(self, variant: str) -> bool:
        """Whether the folder holds any XSD of a variant (a profile without restricted XSDs,
        such as CBPR+, has none: its rules are all in profiles.py)."""
        if self.variants is None:  # the files are known once scanned: worked out once
            self.variants = frozenset(key[0] for key in self.files)
        return variant in self.variants

    def get(self, namespace: str, variant: str = BASE) -> etree.XMLSchema | None:
        """The compiled schema, or None when the folder has none (or it does not compile)."""
        key = (variant, namespace)
        schema = self.compiled.get(key)
        if schema is not None or key not in self.files:
            return schema
        with self.lock:
            schema = self.compiled.get(key)
            if schema is None and key not in self.failures:
                try:
                    schema = etree.XMLSchema(etree.parse(str(self.files[key]), parser()))
                    self.compiled[key] = schema
                except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
                    self.failures[key] = str(exc)
        return schema


_sets: dict[Path, SchemaSet] = {}  # keyed on the resolved folder
_by_given: dict[Path, SchemaSet] = {}  # the folder as given -> its set (skips resolve())
_sets_lock = threading.Lock()


def schema_set(folder: Path | None) -> SchemaSet | None:
    """The cached schema set of a folder (scanned once per process), or None without a folder."""
    if folder is None:
        return None
    found = _by_given.get(folder)
    if found is not None:
        return found
    resolved = folder.resolve()
    with _sets_lock:
        found = _sets.get(resolved)
        if found is None:
            found = SchemaSet.scan(resolved) if resolved.is_dir() else SchemaSet(resolved)
            _sets[resolved] = found
        _by_given[folder] = found
    return found
