"""The watch list compiled once for fast look-ups: names by token key, BICs by their first 8.

Scoring (0-100) compares the two normalised names with rapidfuzz:
- `ratio` of the token-sorted names, so word order does not count ("SIDOROV, Ivan");
- blended with the same ratio on the spelling-folded tokens, which forgives transliteration
  variants ("Mohammed Al-Rashid" / "Muhammad Al Rasheed"): score = max(plain, (plain+folded)/2),
  so a folded match alone can lift a name only half-way;
- when both names share at least two whole words that are not common in the list, rapidfuzz's
  `token_set_ratio`, so a missing middle name still matches ("Ivan Sidorov" in "Ivan Petrovich
  Sidorov") while "Bank" and "Trading" never make two names alike.
WRatio was not chosen: its partial matching scores a short name inside a long one near 90
("Bank" in every bank), which holds far too much on real party names.

Candidates come from an inverted index on each token's consonant skeleton, so a message is
compared with the few list names that share a word-sound with it, not with the whole list. Keys
shared by a large part of the list (like "al" or "bank") are skipped unless they are all a
name has.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from hub.screening.lists import Entry
from hub.screening.normalise import block_key, fold, normal_bic, sort_key, tokens

COMMON_SHARE = 0.02
"""A key in more than this share of the list's names (and more than COMMON_MIN) is too common
to find candidates by."""
COMMON_MIN = 64


@dataclass(frozen=True, slots=True)
class NameForm:
    plain: str  # token-sorted normal form
    folded: str  # token-sorted folded form
    words: frozenset[str]  # normal tokens


def name_form(name: str) -> NameForm | None:
    words = tokens(name)
    if not words:
        return None
    return NameForm(sort_key(words), sort_key(tuple(fold(w) for w in words)), frozenset(words))


def score(query: NameForm, listed: NameForm, common: frozenset[str] = frozenset()) -> float:
    """0-100. `common` holds token keys too frequent in the list to count as shared words."""
    plain = fuzz.ratio(query.plain, listed.plain)
    folded = fuzz.ratio(query.folded, listed.folded)
    best = max(plain, (plain + folded) / 2)
    shared = query.words & listed.words
    if len(shared) >= 2 and sum(block_key(w) not in common for w in shared) >= 2:
        best = max(best, fuzz.token_set_ratio(query.plain, listed.plain))
    return float(best)


@dataclass(frozen=True, slots=True)
class NameMatch:
    entry: Entry
    name: str
    score: float


class WatchList:
    """Every entry of the configured lists, indexed."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: list[Entry] = list(entries)
        self._forms: list[NameForm] = []
        self._owner: list[tuple[int, str]] = []  # name id -> (entry index, listed name)
        self._postings: dict[str, list[int]] = {}
        self._bics: dict[str, list[tuple[int, str]]] = {}
        for index, entry in enumerate(self.entries):
            for name in entry.names:
                form = name_form(name)
                if form is None:
                    continue
                name_id = len(self._forms)
                self._forms.append(form)
                self._owner.append((index, name))
                for key in {block_key(w) for w in tokens(name) if len(w) > 1}:
                    self._postings.setdefault(key, []).append(name_id)
            for bic in entry.bics:
                bic = normal_bic(bic)
                self._bics.setdefault(bic[:8], []).append((index, bic))
        self._common = max(COMMON_MIN, int(len(self._forms) * COMMON_SHARE))
        self._common_keys = frozenset(k for k, p in self._postings.items()
                                      if len(p) > self._common)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def names(self) -> int:
        return len(self._forms)

    def _candidates(self, words: tuple[str, ...]) -> Counter[int]:
        """Listed names sharing a token key with the query, with how many keys they share."""
        lists = [p for p in (self._postings.get(block_key(w)) for w in set(words) if len(w) > 1)
                 if p]
        if not lists:
            return Counter()
        rare = [p for p in lists if len(p) <= self._common]
        found: Counter[int] = Counter()
        for posting in rare or [min(lists, key=len)]:
            found.update(posting)
        return found

    def match_name(self, name: str, threshold: float) -> list[NameMatch]:
        """Listed names scoring at or above the threshold, best per entry, best first."""
        query = name_form(name)
        if query is None:
            return []
        candidates = self._candidates(tokens(name))
        # Names sharing two keys may match as a subset and are always scored in full; the rest
        # only when their folded form alone could lift the blended score to the threshold.
        scored = [i for i, shared in candidates.items() if shared >= 2]
        single = [i for i, shared in candidates.items() if shared < 2]
        if single:
            survivors = process.extract(
                query.folded, [self._forms[i].folded for i in single], scorer=fuzz.ratio,
                score_cutoff=max(0.0, 2 * threshold - 100), limit=None)
            scored.extend(single[position] for _text, _score, position in survivors)
        best: dict[int, NameMatch] = {}
        for name_id in scored:
            found = score(query, self._forms[name_id], self._common_keys)
            if found < threshold:
                continue
            index, listed = self._owner[name_id]
            if index not in best or best[index].score < found:
                best[index] = NameMatch(self.entries[index], listed, found)
        return sorted(best.values(), key=lambda m: (-m.score, m.entry.entry_id))

    def match_bic(self, bic: str) -> list[tuple[Entry, str]]:
        """Entries listing this BIC: a listed 8-character BIC (or one ending XXX) covers every
        branch of the institution; a listed branch BIC matches that branch only."""
        bic = normal_bic(bic)
        found: list[tuple[Entry, str]] = []
        for index, listed in self._bics.get(bic[:8], ()):
            if len(listed) == 8 or listed.endswith("XXX") or listed == bic:
                found.append((self.entries[index], listed))
        return found
