"""Language tools: normalising a message, word forms, phrase finding, spelling distance.

Every message is parsed once (``parse``) and the rules work on its tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence, Set
from dataclasses import dataclass

# Words that are plural already and have no sensible singular ("shorts" is not "short").
PLURAL_ONLY = frozenset(
    {
        "jeans",
        "shorts",
        "trousers",
        "pants",
        "briefs",
        "boxers",
        "leggings",
        "jeggings",
        "capris",
        "sunglasses",
        "tights",
        "glasses",
        "flats",
        "pyjamas",
        "stockings",
        "goods",
        "knickers",
        "chinos",
        "joggers",
    }
)

# A currency sign becomes the word "rs", so "under ₹1500" and "₹1500 shoes" read as prices.
CURRENCY = re.compile(r"[₹$€£]")
# "1,500" is one number; "9.5" is a size or a price, never a count, so it becomes "9_5".
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
# "No, kurtis" and "actually, ..." correct the last answer; "no kurtis" rules kurtis out.
CORRECTION = re.compile(r"^\s*(?:no|nope|nah|actually|sorry|wait|oh)\s*[,.!;:-]+\s*", re.I)


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("'s ", " ")
    text = CURRENCY.sub(" rs ", text)
    text = DECIMAL_POINT.sub("_", THOUSANDS.sub("", text))
    text = re.sub(r"[^\w\s']+", " ", text).replace("'", "")
    return " ".join(text.split())


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
        message=message, tokens=tuple(normalise(rest).split()), correction=bool(correction)
    )


def singular(word: str) -> str:
    if word in PLURAL_ONLY or len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return word
    if word.endswith("ies") and len(word) > 4 and word not in {"ties", "pies"}:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    # "scarves", "wolves"; "gloves" and "sleeves" just lose the s.
    if word.endswith(("rves", "lves")):
        return word[:-3] + "f"
    return word[:-1]


def plural(word: str) -> str:
    if word in PLURAL_ONLY or word.endswith("s"):
        return word
    if word.endswith(("ch", "sh", "x")):
        return word + "es"
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _irregular_forms(word: str) -> set[str]:
    """The -f/-ves forms ("scarf", "scarves"), both ways; a wrong guess ("glof") is harmless."""
    if word.endswith("ves") and len(word) > 4:
        return {word[:-3] + "f", word[:-3] + "fe"}
    if word.endswith("fe"):
        return {word[:-2] + "ves"}
    if word.endswith("f"):
        return {word[:-1] + "ves"}
    return set()


def word_forms(phrase: str) -> set[str]:
    """The phrase with its last word singular and plural, spaced and closed up.

    "Bath Robe" is also "bathrobe(s)", so shoppers who write it closed up find it.
    """
    words = phrase.split()
    if not words:
        return set()
    head = words[-1]
    heads = {head, singular(head), plural(head)} | _irregular_forms(head)
    forms = {" ".join([*words[:-1], form]) for form in heads}
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
