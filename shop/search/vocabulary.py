"""One shopper vocabulary for search and the assistant.

The catalog's own values (article types, brands, colours, genders, occasions,
seasons) and the merchant's synonyms (``catalog.Synonym``) are indexed by their
normalised words, with plural/singular and run-together forms ("t shirt",
"tshirt", "tshirts"). ``find_terms`` reads a shopper's text against it: longest
phrases first, then typo tolerance (edit distance, never on words shorter than
four letters, nor on ordinary words the catalog's product names use).

Built from the database once per process and rebuilt when a cheap fingerprint of
the source tables changes, so an admin edit is seen by every worker on its next
request.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.db import connections, models, router
from rapidfuzz.distance import OSA

KINDS = ("article_type", "brand", "colour", "gender", "usage", "season")
# Product attribute kinds and the field each comes from.
ATTRIBUTE_FIELDS = {
    "colour": "base_colour",
    "gender": "gender",
    "usage": "usage",
    "season": "season",
}
MIN_TYPO_LENGTH = 4
MAX_PHRASE_TOKENS = 4
# Ordinary words a shopper writes around the words that matter; never typo-corrected.
_COMMON = """a an and any are as at be best buy but by can cheap cheaper do does for from get good
    have i in is it its like looking look me more my need new nice no not of off on or
    other our please same show some something than that the them these this those to
    under over below above upto up with without want wants where which while who you
    your very much less also just only one two three four five six similar style
    colour color size price rs inr rupees within around between k
    """
COMMON_WORDS = frozenset(_COMMON.split())

_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Term:
    kind: str  # "article_type" | "brand" | "colour" | "gender" | "usage" | "season"
    value: str  # the catalog's own value: "Tshirts", "Puma", "Navy Blue"
    phrase: str  # the shopper's words that matched: "tshrit", "tees", "navy"
    start: int  # token span [start, end) in normalise(text).split()
    end: int
    confidence: float  # 1.0 exact / synonym / plural; < 1.0 when typo-corrected
    corrected: bool  # True when matched by typo tolerance


def normalise(text: str) -> str:
    """Lower case, accents folded, digits of any script in ASCII ("१५००" -> "1500"),
    apostrophes dropped ("men's" -> "mens"), other punctuation to spaces, whitespace
    collapsed."""
    folded = unicodedata.normalize("NFKD", text)
    if not folded.isascii():
        folded = "".join(
            str(unicodedata.decimal(c)) if c.isdecimal() else c
            for c in folded
            if not unicodedata.combining(c)
        )
    folded = folded.lower()
    folded = folded.replace("'", "").replace("\u2019", "")
    return _WORD.sub(" ", folded).strip()


def singular(word: str) -> str:
    """The singular of a normalised word ("dresses" -> "dress", "scarves" -> "scarf");
    a word of three letters or fewer stays as written."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    # "scarves", "wolves"; "gloves" and "sleeves" just lose the s.
    if word.endswith(("rves", "lves")):
        return word[:-3] + "f"
    return word[:-1]


def plural(word: str) -> str:
    """The plural of a normalised word ("dress" -> "dresses"); a word ending in s is
    taken as plural already."""
    if word.endswith("s"):
        return word
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("x", "ch", "sh")):
        return word + "es"
    return word + "s"


def word_forms(phrase: str) -> set[str]:
    """A normalised phrase with its last word as written, singular and plural; a
    trailing number stays as written."""
    words = phrase.split()
    if not words or words[-1].isdigit():
        return {phrase}
    head = words[:-1]
    return {" ".join([*head, form]) for form in (words[-1], singular(words[-1]), plural(words[-1]))}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (adjacent swaps count one); ``limit + 1`` when
    it is more than ``limit`` (rapidfuzz's C kernel: ~0.1 us a pair, where a Python
    loop took 6-12 us, and typo tolerance compares a word with many)."""
    return OSA.distance(a, b, score_cutoff=limit)


def typo_limit(length: int) -> int:
    """How many edits a word of this length may carry: none under 4 letters."""
    if length < MIN_TYPO_LENGTH:
        return 0
    return 1 if length < 7 else 2


def _by_length(words: Iterable[str]) -> dict[int, list[str]]:
    buckets: dict[int, list[str]] = {}
    for word in sorted(words):
        buckets.setdefault(len(word), []).append(word)
    return buckets


def _nearest(text: str, buckets: dict[int, list[str]], limit: int) -> tuple[int, str] | None:
    """(distance, candidate) of the closest candidate within ``limit`` edits, or None."""
    if limit <= 0:
        return None
    best: tuple[int, str] | None = None
    for length in range(len(text) - limit, len(text) + limit + 1):
        for candidate in buckets.get(length, ()):
            distance = edit_distance(text, candidate, limit)
            if distance <= limit and (best is None or (distance, candidate) < best):
                best = (distance, candidate)
    return best


@dataclass
class _Entry:
    canonical: str  # how "did you mean" writes it ("tshirts", "sneakers")
    meanings: set[tuple[str, str]] = field(default_factory=set)  # (kind, value)


class Vocabulary:
    """The shopper vocabulary; build it with ``Vocabulary.build`` or ``get_vocabulary()``."""

    def __init__(
        self,
        *,
        values: Iterable[tuple[str, str]],
        synonyms: Iterable[tuple[str, Iterable[str], bool]] = (),
        words: Iterable[str] = (),
    ) -> None:
        """``values``: (kind, catalog value); ``synonyms``: (term, targets, two_way);
        ``words``: other known words (product names), used by "did you mean" only."""
        self._values: dict[str, list[str]] = {kind: [] for kind in KINDS}
        self._phrases: dict[str, _Entry] = {}
        by_phrase: dict[str, set[tuple[str, str]]] = {}
        for kind, value in values:
            phrase = normalise(value)
            if not phrase or value in self._values[kind]:
                continue
            self._values[kind].append(value)
            by_phrase.setdefault(phrase, set()).add((kind, value))
            self._add(phrase, {(kind, value)})
        for term, targets, two_way in synonyms:
            term_phrase = normalise(term)
            target_phrases = [p for p in (normalise(t) for t in targets) if p]
            if not term_phrase or not target_phrases:
                continue
            meanings = set()
            for target in target_phrases:
                meanings |= self._resolve(target, by_phrase)
            if two_way:
                meanings |= self._resolve(term_phrase, by_phrase)
                for target in target_phrases:
                    self._add(target, meanings, canonical=target)
            self._add(term_phrase, meanings, canonical=term_phrase)
        self._joined = {phrase.replace(" ", ""): phrase for phrase in self._phrases}
        self._words = {w for phrase in self._phrases for w in phrase.split()}
        self._words |= {w for text in words for w in normalise(text).split() if not w.isdigit()}
        self._words |= COMMON_WORDS
        # Typo candidates by window size (1 word: one-word phrases and multi-word ones
        # run together; n words: n-word phrases), bucketed by length for speed.
        self._spelled: dict[int, dict[str, str]] = {}
        for phrase in self._phrases:
            n = phrase.count(" ") + 1
            self._spelled.setdefault(n, {})[phrase] = phrase
            if n > 1:
                self._spelled.setdefault(1, {}).setdefault(phrase.replace(" ", ""), phrase)
        self._by_length = {n: _by_length(spelled) for n, spelled in self._spelled.items()}
        self._words_by_length = _by_length(self._words)

    def _resolve(self, phrase: str, by_phrase: dict[str, set[tuple[str, str]]]) -> set:
        meanings: set[tuple[str, str]] = set()
        for form in word_forms(phrase):
            meanings |= by_phrase.get(form, set())
        return meanings

    def _add(self, phrase: str, meanings: set[tuple[str, str]], canonical: str = "") -> None:
        if not meanings:
            return  # a synonym whose targets the catalog does not carry
        for form in word_forms(phrase):
            entry = self._phrases.setdefault(form, _Entry(canonical=canonical or phrase))
            entry.meanings |= meanings

    @classmethod
    def build(cls) -> Vocabulary:
        from shop.catalog.models import Brand, Category, Product
        from shop.search.models import Synonym

        values: list[tuple[str, str]] = [
            ("article_type", name)
            for name in Category.objects.order_by("name").values_list("name", flat=True)
        ]
        values += [("brand", name) for name in Brand.objects.values_list("name", flat=True)]
        products = Product.objects.browsable()
        for kind, field_name in ATTRIBUTE_FIELDS.items():
            values += [
                (kind, value)
                for value in products.exclude(**{field_name: ""})
                .order_by(field_name)
                .values_list(field_name, flat=True)
                .distinct()
            ]
        synonyms = [(s.term, s.targets, s.two_way) for s in Synonym.objects.order_by("term", "id")]
        return cls(
            values=values,
            synonyms=synonyms,
            words=products.values_list("name", flat=True).iterator(),
        )

    # --- reading -----------------------------------------------------------------

    def article_types(self) -> list[str]:
        return list(self._values["article_type"])

    def kinds(self) -> tuple[str, ...]:
        return KINDS

    def values(self, kind: str) -> list[str]:
        """The catalog's values of one kind ("colour" -> ["Black", "Navy Blue", ...])."""
        return list(self._values[kind])

    def find_terms(self, text: str) -> list[Term]:
        """The catalog values a shopper's text names, in text order.

        Exact phrases (with plural/singular and run-together forms, and synonyms)
        win, longest first; then each remaining word of four letters or more that is
        not a known word is matched to the closest phrase within a small edit
        distance. Spans never overlap; a synonym with several targets gives one Term
        per target over the same span.
        """
        tokens = normalise(text).split()
        taken = [False] * len(tokens)
        found: list[tuple[int, int, str, _Entry, float, bool]] = []
        for n in range(min(MAX_PHRASE_TOKENS, len(tokens)), 0, -1):
            for start in range(len(tokens) - n + 1):
                if any(taken[start : start + n]):
                    continue
                window = tokens[start : start + n]
                entry = self._phrases.get(" ".join(window))
                if entry is None and n > 1:
                    joined = self._joined.get("".join(window))
                    entry = self._phrases.get(joined) if joined else None
                if entry is None and n == 1:
                    joined = self._joined.get(window[0])
                    entry = self._phrases.get(joined) if joined else None
                if entry is not None:
                    found.append((start, start + n, " ".join(window), entry, 1.0, False))
                    taken[start : start + n] = [True] * n
        for n in (2, 1):
            for start in range(len(tokens) - n + 1):
                if any(taken[start : start + n]):
                    continue
                window = tokens[start : start + n]
                match = self._closest(window)
                if match is not None:
                    entry, confidence = match
                    found.append((start, start + n, " ".join(window), entry, confidence, True))
                    taken[start : start + n] = [True] * n
        found.sort(key=lambda item: item[0])
        return [
            Term(
                kind=kind,
                value=value,
                phrase=phrase,
                start=start,
                end=end,
                confidence=confidence,
                corrected=corrected,
            )
            for start, end, phrase, entry, confidence, corrected in found
            for kind, value in sorted(entry.meanings, key=lambda m: (KINDS.index(m[0]), m[1]))
        ]

    def _closest(self, window: list[str]) -> tuple[_Entry, float] | None:
        """The vocabulary phrase nearest a window of unknown words, with a confidence."""
        unknown = [w for w in window if w not in self._words and not w.isdigit()]
        if not unknown or any(len(w) < MIN_TYPO_LENGTH for w in unknown):
            return None
        if len(window) > 1 and len(unknown) < len(window) and window[0] in COMMON_WORDS:
            return None
        text = " ".join(window)
        limit = typo_limit(len(text.replace(" ", "")))
        best = _nearest(text, self._by_length.get(len(window), {}), limit)
        if best is None:
            return None
        distance, candidate = best
        phrase = self._spelled[len(window)][candidate]
        confidence = round(1.0 - distance / max(len(text), len(phrase)), 3)
        return self._phrases[phrase], confidence

    def suggest(self, text: str) -> str | None:
        """The query with its misspelt words corrected ("tshrit" -> "tshirts"), or None."""
        tokens = normalise(text).split()
        if not tokens:
            return None
        out = list(tokens)
        changed = False
        corrected_spans = {(t.start, t.end): t for t in self.find_terms(text) if t.corrected}
        skip: set[int] = set()
        for (start, end), _term in sorted(corrected_spans.items()):
            match = self._closest(tokens[start:end])
            if match is None:
                continue
            out[start] = match[0].canonical
            for i in range(start + 1, end):
                out[i] = ""
            skip |= set(range(start, end))
            changed = True
        for i, word in enumerate(tokens):
            if i in skip or word in self._words or word in self._phrases or word.isdigit():
                continue
            if word in self._joined:
                continue
            best = _nearest(word, self._words_by_length, typo_limit(len(word)))
            if best is not None:
                out[i] = best[1]
                changed = True
        return " ".join(w for w in out if w) if changed else None


# --- the per-process cache -----------------------------------------------------------


T = TypeVar("T")


class RebuiltWhenChanged(Generic[T]):
    """A per-process value rebuilt only when its database fingerprint changes: an admin
    edit is seen by every worker on its next request, without a rebuild per request."""

    def __init__(self, *, fingerprint: Callable[[], tuple[object, ...]], build: Callable[[], T]):
        self._fingerprint = fingerprint
        self._build = build
        self._lock = threading.Lock()
        self._cached: tuple[tuple[object, ...], T] | None = None

    def get(self, fingerprint: tuple[object, ...] | None = None) -> T:
        """The value, rebuilt if the fingerprint changed (``fingerprint``: read already,
        by a caller that reads several in one statement)."""
        fingerprint = self._fingerprint() if fingerprint is None else fingerprint
        cached = self._cached
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        with self._lock:
            cached = self._cached
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
            value = self._build()
            self._cached = (fingerprint, value)
            return value


_FINGERPRINT_SQL = """
SELECT
  (SELECT md5(coalesce(string_agg(term || '=' || array_to_string(targets, ',')
                                   || two_way::text, ';' ORDER BY id), ''))
     FROM catalog_synonym),
  (SELECT md5(coalesce(string_agg(name, ';' ORDER BY id), '')) FROM catalog_category),
  (SELECT md5(coalesce(string_agg(name, ';' ORDER BY id), '')) FROM catalog_brand),
  (SELECT coalesce(max(id), 0) || ':' || coalesce(max(updated_at)::text, '')
     FROM catalog_product)
"""
# Products: the newest id (one added) and the latest change (one edited), both read from
# an index; a count(*) scanned the whole table on every search (20 ms at 44k products).
# A deleted product is noticed at the next change: its name stays a known word until then.


def fingerprint_read(sql: str, model: type[models.Model]) -> tuple[object, ...]:
    """The one row of a change-detection query (for ``RebuiltWhenChanged``), read from
    the database ``model`` is read from: a replica in a read-only request."""
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def _fingerprint() -> tuple[object, ...]:
    from shop.search.models import Synonym

    return fingerprint_read(_FINGERPRINT_SQL, Synonym)


_vocabulary = RebuiltWhenChanged(fingerprint=_fingerprint, build=Vocabulary.build)


def get_vocabulary() -> Vocabulary:
    """The shop's vocabulary, rebuilt when synonyms, article types, brands or products change."""
    return _vocabulary.get()
