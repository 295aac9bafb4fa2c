"""Context decides what words mean here: two-meaning words ("nude shades"), what the
shopper has ("to match my white kurta"), compounds ("a bag for my laptop"), and
follow-ups that name a kind ("not the sports ones, formal") or drop a setting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from shop.assistant import words as w
from shop.assistant.counts import number_of
from shop.assistant.language import Match
from shop.assistant.lexicon import CatalogVocabulary
from shop.assistant.types import Want
from shop.search.vocabulary import singular

# Ruling out by name: "forget the bottle", "drop the belt" work like "no".
NEGATIONS = w.NEGATIONS | w.FORGET_WORDS
# "my white cotton kurta": at most this many describing words between "my" and the item.
MAX_OWNED_DESCRIBERS = 3


def guarded(tokens: Sequence[str], match: Match, vocabulary: CatalogVocabulary) -> bool:
    """True when context says the phrase is not an item here."""
    before = tokens[match.start - 1] if match.start else ""
    after = tokens[match.end] if match.end < len(tokens) else ""
    phrase = match.phrase
    if phrase in w.RANKING_WORDS and (number_of(after) or after in w.TOP_NOT_AN_ITEM_NEXT):
        return True
    if phrase in w.RANKING_WORDS and before == "on":
        return True
    if phrase in w.SHADE_WORDS and (
        before in w.SHADE_QUALIFIERS or before in vocabulary.colours or after == "of"
    ):
        return True
    if phrase in {"suit", "suits"} and after in w.SUIT_VERB_NEXT:
        return True
    return phrase == "dress" and (before in w.DRESS_VERB_PREVIOUS or after in w.DRESS_VERB_NEXT)


def compounds(
    tokens: Sequence[str], matches: list[Match], vocabulary: CatalogVocabulary
) -> list[Match]:
    """ "a bag for my laptop" is a laptop bag: a phrase and the thing it is for, when
    the two make a vocabulary phrase, become that phrase (the "for" part is used up)."""
    out: list[Match] = []
    skip: set[int] = set()
    for index, match in enumerate(matches):
        if index in skip:
            continue
        k = match.end
        while k < len(tokens) and tokens[k] in {"for", "my", "the", "a", "an", "our", "your"}:
            k += 1
        following = next((j for j, m in enumerate(matches) if m.start == k), None)
        word = (
            matches[following].phrase
            if following is not None
            else (tokens[k] if k < len(tokens) else "")
        )
        if k > match.end and "for" in tokens[match.end : k] and word:
            for head in {word, singular(word)}:
                compound = f"{head} {match.phrase}"
                if compound in vocabulary.phrases() and vocabulary.meaning(compound)[1]:
                    out.append(Match(match.start, k + 1, compound))
                    if following is not None:
                        skip.add(following)
                    break
            else:
                out.append(match)
            continue
        out.append(match)
    return out


def narrowed_by_kind(
    tokens: Sequence[str], wants: Sequence[Want], negated_at: set[int]
) -> list[Want]:
    """A follow-up naming only a kind of what was shown: "not the sports ones, formal"."""
    kinds = {}
    for want in wants:
        for name in want.categories:
            words = name.lower().split()
            if len(words) > 1:
                kinds[words[0]] = name
    chosen = {kinds[t] for i, t in enumerate(tokens) if t in kinds and i not in negated_at}
    dropped = {kinds[t] for i, t in enumerate(tokens) if t in kinds and i in negated_at}
    if not chosen and not dropped:
        return list(wants)
    kept = []
    for want in wants:
        categories = tuple(
            c for c in want.categories if c not in dropped and (not chosen or c in chosen)
        )
        if categories:
            kept.append(replace(want, categories=categories))
    return kept


def after_negation(tokens: Sequence[str]) -> set[int]:
    """Token positions within three words after a negation ("not the sports ones")."""
    out = set()
    for i, token in enumerate(tokens):
        if token in NEGATIONS:
            out.update(range(i + 1, min(i + 4, len(tokens))))
    return out


def owned(tokens: Sequence[str], match: Match, taken: set[int]) -> bool:
    """ "to match my white kurta": the phrase follows "my" and a few describing words."""
    k = match.start
    describers = 0
    while k > 0 and describers <= MAX_OWNED_DESCRIBERS:
        k -= 1
        if tokens[k] in w.OWNED_LEADS:
            return True
        if k in taken or tokens[k] in w.REQUEST_WORDS or tokens[k] in NEGATIONS:
            return False
        describers += 1
    return False


def forgets(tokens: Sequence[str], things: set[str]) -> bool:
    """ "forget the budget", "no colour": a setting dropped by name."""
    for i, token in enumerate(tokens):
        if (
            token in things
            and i
            and (
                tokens[i - 1] in NEGATIONS
                or (i > 1 and tokens[i - 1] in {"the", "my", "that"} and tokens[i - 2] in NEGATIONS)
            )
        ):
            return True
    return False
