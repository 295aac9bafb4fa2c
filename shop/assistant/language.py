"""Language tools: reading a message, the phrases that name a catalog phrase, phrase finding.

Every message is parsed once (``parse``) and the rules work on its tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence, Set
from dataclasses import dataclass

from shop.assistant import words as w
from shop.search.vocabulary import normalise, word_forms

# A currency sign becomes the word "rs", so "under ₹1500" and "₹1500 shoes" read as prices.
CURRENCY = re.compile(r"[₹$€£]")
# "1,500" is one number; "9.5" is a size or a price, never a count, so it becomes "9_5".
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
# "No, kurtis" and "actually, ..." correct the last answer; "no kurtis" rules kurtis out.
CORRECTION = re.compile(r"^\s*(?:no|nope|nah|actually|sorry|wait|oh)\s*[,.!;:-]+\s*", re.I)


def read_words(text: str) -> str:
    """A shopper's words as the rules read them, and anything compared with them (the
    catalog's names, synonyms, occasion words): the shop's one ``normalise`` (lower case,
    accents folded, punctuation to spaces) after what chat adds to it: a possessive
    dropped ("my sister's wedding", "what's"), a currency sign read as "rs", "1,500"
    one number and "9.5" one word, "9_5" (a size or a price, never a count)."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    text = text.replace("'s ", " ")
    text = THOUSANDS.sub("", CURRENCY.sub(" rs ", text))
    # Split at decimal points, which have a digit on each side: no part is cut at a
    # space, so the parts normalised and joined with "_" keep their words.
    return "_".join(normalise(part) for part in DECIMAL_POINT.split(text))


@dataclass(frozen=True)
class Parsed:
    """A message read once: its normalised tokens, and whether it corrects the last answer."""

    message: str
    tokens: tuple[str, ...]
    correction: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def parse(message: str) -> Parsed:
    correction = CORRECTION.match(message)
    rest = message[correction.end() :] if correction else message
    return Parsed(
        message=message, tokens=tuple(read_words(rest).split()), correction=bool(correction)
    )


def _f_forms(word: str) -> set[str]:
    """The -f/-ves forms ("scarf", "scarves"), both ways; a wrong guess ("glof") is harmless
    here (search leaves them out: its typo tolerance would read "golf" as gloves)."""
    if word.endswith("ves") and len(word) > 4:
        return {word[:-3] + "f", word[:-3] + "fe"}
    if word.endswith("fe"):
        return {word[:-2] + "ves"}
    if word.endswith("f"):
        return {word[:-1] + "ves"}
    return set()


def aliases(phrase: str) -> set[str]:
    """The phrases a shopper may write for a catalog phrase: its ``word_forms`` (last word
    singular and plural; a plural-only word, "shorts", stays plural: "short" is no item),
    its -f/-ves forms, and, for several words, closed up ("Bath Robe" is "bathrobe(s)")."""
    words = phrase.split()
    if not words:
        return set()
    head = words[-1]
    if head in w.PLURAL_ONLY:
        forms = {phrase}
    else:
        forms = word_forms(phrase) | {" ".join([*words[:-1], f]) for f in _f_forms(head)}
    if len(words) > 1:
        forms |= {form.replace(" ", "") for form in forms}
    return forms


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    phrase: str
    # 1.0 for an exact phrase; less when a misspelt word was corrected to it.
    confidence: float = 1.0


def find_phrases(tokens: Sequence[str], phrases: Set[str], *, longest: int = 5) -> list[Match]:
    """Non-overlapping phrase matches, longest first at each position.

    Words written apart may name a closed-up phrase: "rain coat" is "raincoat",
    "night dress" the catalog's "Nightdress".
    """
    matches: list[Match] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + size])
            if phrase not in phrases and size > 1 and phrase.replace(" ", "") in phrases:
                phrase = phrase.replace(" ", "")
            if phrase in phrases:
                matches.append(Match(i, i + size, phrase))
                i += size
                break
        else:
            i += 1
    return matches
