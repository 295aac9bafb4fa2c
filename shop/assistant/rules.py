"""The offline rules: what a shopper wants, in the catalog's own article types.

One ``parse()`` per message; misspelt vocabulary words are corrected against the
catalog's vocabulary; context decides words with two meanings ("nude shades", "to
match my white kurta"); a follow-up carries what the conversation said before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from shop.assistant import context
from shop.assistant import words as w
from shop.assistant.counts import (
    budget,
    explicit_counts,
    has_quantifier,
    size_in,
)
from shop.assistant.language import Match, Parsed, find_phrases, parse
from shop.assistant.lexicon import CatalogVocabulary
from shop.assistant.outfits import narrowed_by_occasion, outfit_wants
from shop.assistant.types import (
    MAX_WANTS,
    QUANTIFIED_ITEMS,
    UNFILTERED_ITEMS,
    Classification,
    Want,
    clamp,
)

NEGATIONS = context.NEGATIONS
# A follow-up that adds to what was asked rather than replacing it.
ADDING_LEADS = frozenset({"and", "also", "plus", "add"})
ASK_GENDER = "Who is it for: men or women? Tell me and I'll put an outfit together."
GENDER_REPLIES = (("Men", "For men"), ("Women", "For women"))
NOTHING_UNDERSTOOD = (
    "I'm not sure what you're looking for. Could you name an item (shirts, sneakers, a "
    "watch), an occasion (office, wedding, the gym) or a colour?"
)


def _negated(tokens: Sequence[str], matches: Sequence[Match]) -> set[int]:
    """Indices of the matches the shopper rules out ("shoes not sandals").

    A negation covers the phrase right after it (a few filler words may sit between:
    "not any sandals", "don't want heels") and any phrase joined to that one by "or"
    or "nor" ("no shirts or jeans"); "and" ends it ("no tie and a belt").
    """
    negated: set[int] = set()
    for index, match in enumerate(matches):
        k = match.start
        previous = matches[index - 1] if index else None
        between = tokens[previous.end : k] if previous is not None else ()
        if (
            previous is not None
            and index - 1 in negated
            and between
            and all(t in w.NEGATION_FILLERS | {"or", "nor"} for t in between)
            and {"or", "nor"} & set(between)
        ):
            negated.add(index)
            continue
        while k > 0:
            if k >= 2 and " ".join(tokens[k - 2 : k]) in w.NEGATION_PAIRS:
                negated.add(index)
                break
            if tokens[k - 1] in NEGATIONS or (
                tokens[k - 1] == "but" and k >= 2 and tokens[k - 2] in w.BUT_LEADS
            ):
                negated.add(index)
                break
            if tokens[k - 1] not in w.NEGATION_FILLERS or match.start - k >= 3:
                break
            k -= 1
    return negated


def _has_phrase(text: str, phrases: Sequence[str]) -> bool:
    padded = f" {text} "
    return any(f" {p} " in padded for p in phrases)


def _gender(tokens: Sequence[str]) -> str:
    return next((w.GENDER_WORDS[t] for t in tokens if t in w.GENDER_WORDS), "")


def classify(
    *,
    message: str | Parsed,
    vocabulary: CatalogVocabulary,
    previous: Classification | None = None,
    shown_prices: Mapping[str, Decimal] | None = None,
) -> Classification:
    """What the shopper wants, deterministically, from their words.

    Several article types: one item each. One type with "a few"/"some"/"options"/
    "pairs" and no number: two. A number counts the item it precedes ("2 shirts and
    a tie": two shirts, one tie), clamped to MAX_ITEMS. An occasion or an outfit with
    no type named gets the occasion's outfit. A follow-up ("cheaper?", "for women",
    "no, kurtis", "forget the bottle") changes what the conversation asked before.

    Whom an outfit is for is asked once, with quick replies; asked already, the
    outfit shows the best for men and for women instead. "cheaper" keeps each want
    under the lowest price shown for it before (``shown_prices``: want key -> price),
    or prefers low prices when nothing priced was shown; it never becomes a budget.
    """
    shown_prices = shown_prices or {}
    parsed = parse(message) if isinstance(message, str) else message
    as_written = find_phrases(parsed.tokens, vocabulary.phrases())
    tokens, corrections = vocabulary.correct(
        parsed.tokens, skip={i for m in as_written for i in range(m.start, m.end)}
    )
    found = find_phrases(tokens, vocabulary.phrases())
    # A correction stands only where it completes a phrase ("hand bag" is no "band bag").
    kept = {i for m in found for i in range(m.start, m.end)}
    if any(i not in kept for i in corrections):
        tokens = [
            t if i in kept or i not in corrections else parsed.tokens[i]
            for i, t in enumerate(tokens)
        ]
        corrections = {i: c for i, c in corrections.items() if i in kept}
        found = find_phrases(tokens, vocabulary.phrases())
    found = context.compounds(tokens, found, vocabulary)
    matches = [m for m in found if not context.guarded(tokens, m, vocabulary)]
    spans = {i for m in matches for i in range(m.start, m.end)}
    used_corrections = tuple(
        (c.word, c.meant) for i, c in sorted(corrections.items()) if i in spans
    )

    taken: set[int] = set()
    owned_indices = set()
    # Words about what the shopper has ("my white kurta") say nothing of what they want.
    owned_words: set[int] = set()
    for index, match in enumerate(matches):
        if context.owned(tokens, match, taken):
            owned_indices.add(index)
            lead = max(i for i in range(match.start) if tokens[i] in w.OWNED_LEADS)
            owned_words.update(range(lead, match.end))
        taken.update(range(match.start, match.end))
    negated = _negated(tokens, matches)
    counted, bare = explicit_counts(
        tokens,
        (m.start for i, m in enumerate(matches) if i not in negated and i not in owned_indices),
    )

    wants: list[Want] = []
    not_carried: list[str] = []
    alternatives: dict[str, str] = {}
    excluded: set[str] = set()
    owned: set[str] = set()
    for index, match in enumerate(matches):
        label, categories = vocabulary.meaning(match.phrase)
        if match.phrase in w.NOT_SOLD and not categories:
            label, alternative = w.NOT_SOLD[match.phrase]
        else:
            alternative = w.ALTERNATIVES.get(label, "")
        if index in negated:
            excluded |= categories
            continue
        if index in owned_indices:
            owned |= categories
            continue
        if not categories:
            if label not in not_carried:
                not_carried.append(label)
                shown_instead = sorted(vocabulary.resolve(alternative)) if alternative else []
                if shown_instead:
                    alternatives[label] = shown_instead[0]
            continue
        ordered = tuple(name for name in vocabulary.names if name in categories)
        if all(want.categories != ordered for want in wants):
            count = counted.get(match.start, bare)
            wants.append(Want(match.phrase, ordered, None if count is None else clamp(count)))

    text = " ".join(tokens)
    gender = _gender(tokens)
    colour = vocabulary.colour_of([t if i not in owned_words else "" for i, t in enumerate(tokens)])
    # "not the casual ones" names no occasion.
    ruled_out_words = context.after_negation(tokens)
    occasion = vocabulary.occasion_of(
        [t if i not in ruled_out_words else "" for i, t in enumerate(tokens)]
    )
    max_price = budget(tokens)
    size = size_in(tokens)
    more = not wants and _has_phrase(text, w.MORE_PHRASES)
    cheaper = any(t in w.CHEAPER_WORDS for t in tokens) and max_price is None
    forget_colour = _has_phrase(text, w.ANY_COLOUR) or context.forgets(tokens, {"colour", "color"})
    forget_budget = _has_phrase(text, w.NO_BUDGET) or context.forgets(tokens, {"budget", "price"})
    follow_up = previous is not None and bool(previous.wants or previous.outfit)

    carried_wants = False
    if not wants and not not_carried and follow_up and not owned:
        # A follow-up: same things, maybe a new count (or fewer types: "not the sandals").
        wants = [
            replace(x, count=clamp(bare) if bare is not None else previous.count_for(x))
            for x in previous.wants
        ]
        carried_wants = True
        wants = context.narrowed_by_kind(tokens, wants, context.after_negation(tokens))
    elif wants and follow_up and parsed.tokens and parsed.tokens[0] in ADDING_LEADS:
        wants = [*previous.wants, *(x for x in wants if x not in previous.wants)]
    elif wants and ruled_out_words:
        # "sneakers, not the casual ones": a kind ruled out within the same message.
        narrowed = context.narrowed_by_kind(tokens, wants, ruled_out_words)
        wants = narrowed if narrowed else wants

    if previous is not None:
        gender = gender or previous.gender
        max_price = max_price if max_price is not None else previous.max_price
        size = size or previous.size
        if carried_wants or not wants:
            colour = colour or previous.colour
            occasion = occasion or vocabulary.occasion(previous.occasion)
        if carried_wants:
            excluded |= set(previous.excluded)
            if previous.outfit and occasion:
                # An outfit follow-up ("no heels", "for women") refills its slots.
                wants = []
    if forget_budget:
        max_price = None
    if forget_colour:
        colour = ""
    # "cheaper" lasts while the same things are asked for, until a budget replaces it.
    keeps_cheaper = previous is not None and previous.cheaper and (carried_wants or not wants)
    cheaper = (cheaper or keeps_cheaper) and budget(tokens) is None and not forget_budget

    wants = _without(wants, excluded)[:MAX_WANTS]
    question = ""
    asked_before = previous is not None and previous.asked == "gender" and not gender
    outfit = False
    outfit_asked = (
        bool(occasion)
        or _has_phrase(text, w.OUTFIT_PHRASES)
        or any(t in w.OUTFIT_WORDS for t in tokens)
    )
    if not wants and owned and outfit_asked and not occasion:
        # "what goes with my white kurta": the services complete the look around it.
        outfit = True
    elif not wants and not not_carried and (outfit_asked or (carried_wants and previous.outfit)):
        chosen = occasion or vocabulary.occasion("casual")
        if chosen is not None and (outfit_asked or owned or carried_wants):
            built = outfit_wants(
                chosen,
                gender=gender,
                vocabulary=vocabulary,
                excluded=excluded | owned,
                both=asked_before,
            )
            if built is None:
                question = ASK_GENDER
            else:
                wants = built
                outfit = bool(wants)
            occasion = chosen if occasion or outfit else occasion
    elif wants and occasion and not outfit:
        wants = [
            replace(
                x,
                categories=narrowed_by_occasion(x, occasion, gender=gender, vocabulary=vocabulary),
            )
            for x in wants
        ]
    open_gender = bool(question) or (asked_before and outfit and any(x.gender for x in wants))
    cheaper_than = (
        cheaper_prices(
            wants, cheaper=cheaper and said_cheaper(tokens), previous=previous, shown=shown_prices
        )
        if cheaper
        else ()
    )

    default = QUANTIFIED_ITEMS if len(wants) == 1 and has_quantifier(tokens) else 1
    wants = [x if x.count is not None else replace(x, count=default) for x in wants]
    if wants:
        number = max(x.count or 1 for x in wants)
    else:
        number = clamp(bare) if bare is not None else UNFILTERED_ITEMS
    understood = bool(
        wants or not_carried or owned or excluded or colour or occasion or question or more
    )
    if not understood and vocabulary.describes(tokens):
        understood = True
    return Classification(
        wants=tuple(wants),
        number_of_items=number,
        not_carried=tuple(not_carried),
        excluded=tuple(name for name in vocabulary.names if name in excluded),
        max_price=max_price,
        gender=gender,
        colour=colour,
        occasion=occasion.slug if occasion else "",
        size=size,
        alternatives=tuple(alternatives.items()),
        question=question,
        outfit=outfit,
        owned=tuple(name for name in vocabulary.names if name in owned),
        corrections=used_corrections,
        more=more,
        understood=understood,
        asked="gender" if open_gender else "",
        quick_replies=GENDER_REPLIES if open_gender else (),
        cheaper=cheaper,
        cheaper_than=cheaper_than,
    )


def said_cheaper(tokens: Sequence[str]) -> bool:
    return any(t in w.CHEAPER_WORDS for t in tokens)


def cheaper_prices(
    wants: Sequence[Want],
    *,
    cheaper: bool,
    previous: Classification | None,
    shown: Mapping[str, Decimal],
) -> tuple[tuple[str, Decimal], ...]:
    """Per want, the price it must stay under: what was shown for it, when the shopper
    says "cheaper" now; what the last turn kept, otherwise (the want still asked for)."""
    keys = {x.key for x in wants}
    kept = dict(previous.cheaper_than) if previous is not None else {}
    if cheaper:
        kept.update((key, price) for key, price in shown.items() if key in keys)
    return tuple((key, price) for key, price in kept.items() if key in keys)


def _without(wants: Sequence[Want], excluded: set[str]) -> list[Want]:
    """The wants less the article types the shopper ruled out; emptied wants go."""
    kept = []
    for want in wants:
        categories = tuple(c for c in want.categories if c not in excluded)
        if categories:
            kept.append(replace(want, categories=categories))
    return kept


def search_words(message: str | Parsed, *, vocabulary: CatalogVocabulary) -> str:
    """The descriptive words of a request ("black", "wedding", "puma"), for search."""
    parsed = parse(message) if isinstance(message, str) else message
    tokens = parsed.tokens
    matched = {i for m in find_phrases(tokens, vocabulary.phrases()) for i in range(m.start, m.end)}
    words = [
        t
        for i, t in enumerate(tokens)
        if i not in matched
        and t not in w.REQUEST_WORDS
        and t not in w.GENDER_WORDS
        and not t.replace("_", "").isdigit()
        and len(t) > 1
    ]
    return " ".join(dict.fromkeys(words))
