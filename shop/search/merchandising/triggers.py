"""Which merchandising rules fire for a search: words read as search reads them, article
types, the enabled flag and the window."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone

from shop.catalog.models import Category
from shop.search.models import MerchandisingRule
from shop.search.query import MIN_FILTER_CONFIDENCE
from shop.search.vocabulary import (
    COMMON_WORDS,
    RebuiltWhenChanged,
    Vocabulary,
    edit_distance,
    fingerprint_read,
    get_vocabulary,
    normalise,
    singular,
    typo_limit,
)

if TYPE_CHECKING:
    import datetime

Rule = MerchandisingRule


# Every rule as it is now, with its article type's name and slug (the rules are tens,
# not thousands: this reads them in well under a millisecond, without building models).
RULES_FINGERPRINT_SQL = f"""
SELECT count(*), md5(coalesce(string_agg(r::text || coalesce(c.slug || c.name, ''), ';'
                                         ORDER BY r.id), ''))
  FROM {Rule._meta.db_table} r LEFT JOIN {Category._meta.db_table} c ON c.id = r.category_id
"""  # noqa: S608 (table names only)


def _rules_fingerprint() -> tuple[object, ...]:
    # Any change to a rule, however written (admin, API, a bulk update), changes it.
    return fingerprint_read(RULES_FINGERPRINT_SQL, Rule)


def _rules_enabled() -> list[Rule]:
    return list(Rule.objects.filter(enabled=True).select_related("category").order_by("id"))


# Every search asks for the active rules: each process keeps the enabled ones and reads
# them again only when the rules table changed (one index-only query instead of loading
# the rules and their article types on every page).
_enabled = RebuiltWhenChanged(fingerprint=_rules_fingerprint, build=_rules_enabled)


def rules_active(
    *, now: datetime.datetime | None = None, fingerprint: tuple[object, ...] | None = None
) -> list[Rule]:
    """Enabled rules inside their window, oldest first (``fingerprint``: the rules'
    ``RULES_FINGERPRINT_SQL`` row, when the caller read it already)."""
    now = now or timezone.now()
    return [
        rule
        for rule in _enabled.get(fingerprint)
        if (rule.starts_at is None or rule.starts_at <= now)
        and (rule.ends_at is None or rule.ends_at > now)
    ]


_Signature = tuple[frozenset[str], frozenset[str]]  # (catalog meanings, other words)


def _signature(text: str, vocabulary: Vocabulary) -> _Signature:
    """How search reads words: the catalog values they name (synonyms, plurals and
    typos resolved, as query understanding reads them) and the other words, singular."""
    tokens = normalise(text).split()
    spans: dict[tuple[int, int], set[str]] = {}
    for term in vocabulary.find_terms(" ".join(tokens)):
        if term.corrected and term.confidence < MIN_FILTER_CONFIDENCE:
            continue
        spans.setdefault((term.start, term.end), set()).add(f"{term.kind}:{term.value}")
    covered = {i for start, end in spans for i in range(start, end)}
    meanings = frozenset("|".join(sorted(values)) for values in spans.values())
    words = frozenset(
        singular(token)
        for i, token in enumerate(tokens)
        if i not in covered and token not in COMMON_WORDS
    )
    return meanings, words


class _Signatures:
    """Rule words read once per vocabulary (rebuilt when synonyms or the catalog change)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._vocabulary: Vocabulary | None = None
        self._cache: dict[str, _Signature] = {}

    def get(self, text: str, vocabulary: Vocabulary) -> _Signature:
        with self._lock:
            if self._vocabulary is not vocabulary:
                self._vocabulary, self._cache = vocabulary, {}
            cached = self._cache.get(text)
        if cached is None:
            cached = _signature(text, vocabulary)
            with self._lock:
                if self._vocabulary is vocabulary:
                    self._cache[text] = cached
        return cached


_rule_signatures = _Signatures()


def _word_matches(word: str, others: frozenset[str]) -> bool:
    if word in others:
        return True
    limit = typo_limit(len(word))
    return any(edit_distance(word, other, limit) <= limit for other in others)


def _words_match(rule: _Signature, search: _Signature, *, contains: bool) -> bool:
    rule_meanings, rule_words = rule
    meanings, words = search
    if not rule_meanings <= meanings or not all(_word_matches(w, words) for w in rule_words):
        return False
    if contains:
        return True
    return meanings <= rule_meanings and all(_word_matches(w, rule_words) for w in words)


def _specificity(rule: Rule) -> int:
    return (2 if rule.query else 0) + (1 if rule.category_id else 0)


def rules_firing(
    rules: Iterable[Rule],
    *,
    words: str,
    categories: Iterable[str],
    vocabulary: Vocabulary | None = None,
) -> list[Rule]:
    """The rules that fire for a search's words and article types (names or slugs), in
    precedence order: most specific first, then oldest. ``vocabulary``: the one the
    caller read for the same words (else read when a rule needs it)."""
    chosen = set(categories)
    search: _Signature | None = None
    firing = []
    for rule in rules:
        if rule.category_id is not None and not (chosen & {rule.category.name, rule.category.slug}):
            continue
        if rule.query:
            if not words.strip():
                continue
            if search is None:  # read once, only when a rule needs it
                vocabulary = get_vocabulary() if vocabulary is None else vocabulary
                search = _signature(words, vocabulary)
            signature = _rule_signatures.get(rule.query, vocabulary)
            if not _words_match(signature, search, contains=rule.match == Rule.CONTAINS):
                continue
        firing.append(rule)
    return sorted(firing, key=lambda rule: (-_specificity(rule), rule.pk or 0))
