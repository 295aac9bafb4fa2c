"""The offline classifier: what a shopper wants, in the catalog's own article types.

Article types come from the database (``CatalogVocabulary``), never from a list
here. What lives here is language: the words shoppers use for catalog words
("sneakers" means the catalog's "sports shoes" and "casual shoes"), clothing words
the shop may not carry (so "swimsuit" is answered honestly), number words, and the
rules for how many items to show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

MAX_ITEMS = 6
MAX_WANTS = 5
# Shown when the shopper names no article type ("an outfit for a wedding").
UNFILTERED_ITEMS = 3
QUANTIFIED_ITEMS = 2

# Shopper phrase -> (how to name it if we don't carry it, catalog words it means).
# The catalog words are resolved against the live catalog's names; a phrase whose
# words resolve to nothing is reported as not carried under its label.
SHOPPER_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # shoes
    "sneakers": ("sneakers", ("sports shoes", "casual shoes")),
    "trainers": ("trainers", ("sports shoes", "casual shoes")),
    "kicks": ("sneakers", ("sports shoes", "casual shoes")),
    "running shoes": ("running shoes", ("sports shoes",)),
    "loafers": ("loafers", ("casual shoes", "formal shoes")),
    "oxfords": ("oxfords", ("formal shoes",)),
    "brogues": ("brogues", ("formal shoes",)),
    "stilettos": ("stilettos", ("heels",)),
    "pumps": ("pumps", ("heels",)),
    "slippers": ("slippers", ("flip flops",)),
    "chappals": ("chappals", ("sandals", "flip flops")),
    "slides": ("slides", ("flip flops", "sports sandals")),
    "footwear": ("footwear", ("footwear",)),
    "boots": ("boots", ("boots",)),
    # tops
    "tee": ("t-shirts", ("tshirts",)),
    "tees": ("t-shirts", ("tshirts",)),
    "t shirt": ("t-shirts", ("tshirts",)),
    "t shirts": ("t-shirts", ("tshirts",)),
    "tee shirt": ("t-shirts", ("tshirts",)),
    "dress shirt": ("dress shirts", ("shirts",)),
    "dress shirts": ("dress shirts", ("shirts",)),
    "dress shoes": ("dress shoes", ("formal shoes",)),
    "polo": ("polo shirts", ("tshirts",)),
    "polos": ("polo shirts", ("tshirts",)),
    "jersey": ("jerseys", ("tshirts",)),
    "blouse": ("blouses", ("tops",)),
    "blouses": ("blouses", ("tops",)),
    "crop top": ("crop tops", ("tops",)),
    "hoodie": ("hoodies", ("sweatshirts",)),
    "hoodies": ("hoodies", ("sweatshirts",)),
    "pullover": ("pullovers", ("sweatshirts", "sweaters")),
    "jumper": ("jumpers", ("sweaters",)),
    "jumpers": ("jumpers", ("sweaters",)),
    "cardigan": ("cardigans", ("sweaters",)),
    "cardigans": ("cardigans", ("sweaters",)),
    "frock": ("dresses", ("dresses",)),
    "gown": ("gowns", ("gowns",)),
    "gowns": ("gowns", ("gowns",)),
    "wedding dress": ("wedding dresses", ("wedding dresses",)),
    "sari": ("sarees", ("sarees",)),
    "saris": ("sarees", ("sarees",)),
    "lehenga": ("lehengas", ("lehenga",)),
    "sherwani": ("sherwanis", ("sherwani",)),
    # bottoms
    "pants": ("trousers", ("trousers", "pants")),
    "chinos": ("chinos", ("trousers",)),
    "slacks": ("slacks", ("trousers",)),
    "denim": ("jeans", ("jeans",)),
    "denims": ("jeans", ("jeans",)),
    "joggers": ("joggers", ("track pants",)),
    "sweatpants": ("sweatpants", ("track pants",)),
    "trackpants": ("track pants", ("track pants",)),
    # outerwear and suits
    "raincoat": ("raincoats", ("rain jacket",)),
    "coat": ("coats", ("coats",)),
    "coats": ("coats", ("coats",)),
    "overcoat": ("overcoats", ("coats",)),
    "blazer": ("blazers", ("blazers",)),
    "blazers": ("blazers", ("blazers",)),
    "tuxedo": ("tuxedos", ("tuxedos",)),
    "tuxedos": ("tuxedos", ("tuxedos",)),
    "business suit": ("suits", ("suits",)),
    "wedding suit": ("suits", ("suits",)),
    "three piece suit": ("suits", ("suits",)),
    # A bare "suit" is a suit, never the catalog's "Night suits".
    "suit": ("suits", ("suits",)),
    "suits": ("suits", ("suits",)),
    "poncho": ("ponchos", ("ponchos",)),
    "kimono": ("kimonos", ("kimonos",)),
    "overalls": ("overalls", ("overalls", "dungarees")),
    "dungarees": ("dungarees", ("dungarees",)),
    # swim and sleep
    "swimwear": ("swimwear", ("swimwear",)),
    "swimsuit": ("swimwear", ("swimwear",)),
    "swimsuits": ("swimwear", ("swimwear",)),
    "swimming costume": ("swimwear", ("swimwear",)),
    "bathing suit": ("swimwear", ("swimwear",)),
    "bikini": ("swimwear", ("swimwear",)),
    "bikinis": ("swimwear", ("swimwear",)),
    "swim trunks": ("swimwear", ("swimwear",)),
    "swimming trunks": ("swimwear", ("swimwear",)),
    "swim shorts": ("swimwear", ("swimwear",)),
    "swimming shorts": ("swimwear", ("swimwear",)),
    "pyjamas": ("pyjamas", ("night suits", "lounge pants")),
    "pajamas": ("pyjamas", ("night suits", "lounge pants")),
    "nightie": ("nightdresses", ("nightdress",)),
    "onesie": ("onesies", ("onesies",)),
    "lingerie": ("lingerie", ("bra", "briefs")),
    "underwear": ("underwear", ("briefs", "boxers", "trunk", "bra")),
    # accessories
    "handbag": ("handbags", ("handbags",)),
    "purse": ("purses", ("handbags", "clutches", "wallets")),
    "purses": ("purses", ("handbags", "clutches", "wallets")),
    "tote": ("totes", ("handbags",)),
    "rucksack": ("rucksacks", ("backpacks",)),
    "bags": ("bags", ("bags", "handbags", "backpacks")),
    "bag": ("bags", ("bags", "handbags", "backpacks")),
    "shades": ("sunglasses", ("sunglasses",)),
    "necktie": ("ties", ("ties",)),
    "hat": ("hats", ("hats",)),
    "hats": ("hats", ("hats",)),
    "beanie": ("beanies", ("caps",)),
    "mittens": ("mittens", ("gloves",)),
    "umbrella": ("umbrellas", ("umbrellas",)),
    "hijab": ("hijabs", ("hijabs", "scarves", "stoles")),
    "jewelry": ("jewellery", ("jewellery",)),
    "fragrance": ("fragrances", ("perfume",)),
    "deo": ("deodorants", ("deodorant",)),
}

SHOPPER_PHRASES = frozenset(SHOPPER_WORDS)
# Words that name an article type but rank when a number follows ("top 5 watches").
RANKING_WORDS = frozenset({"top"})

# Heads of multi-word article types that are too generic to mean "every type
# ending in this word" ("long sleeve shirt" must not mean "Tablet Sleeve").
GENERIC_HEADS = frozenset(
    {
        "set",
        "sets",
        "accessory",
        "accessories",
        "care",
        "sleeve",
        "bottle",
        "primer",
        "mist",
        "chain",
        "chains",
        "blush",
        "pouch",
        "holder",
        "gift",
        "free",
        "items",
        "kit",
        # garment nouns that need their modifier: "suits" is not "Night suits"
        "suit",
        "suits",
        "dress",
        "dresses",
    }
)
# Sub/master category names that read as ordinary words.
GENERIC_GROUPS = frozenset(
    {
        "free",
        "gifts",
        "free gifts",
        "eyes",
        "skin",
        "lips",
        "nails",
        "home",
        "makeup",
        "personal care",
        "skin care",
        "hair",
        "fragrance",
        "vouchers",
        "water bottle",
        "perfumes",
        "bath and body",
        "beauty accessories",
        "sports equipment",
        "wallets",
        "apparel set",
        "sporting goods",
    }
)
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
    }
)

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple": 2,
    "couple": 2,
    "a pair": 1,
    "a dozen": 12,
    "dozen": 12,
    "single": 1,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    "hundred": 100,
}
QUANTIFIERS = frozenset(
    {
        "a few",
        "few",
        "some",
        "several",
        "options",
        "option",
        "pairs",
        "choices",
        "ideas",
        "alternatives",
        "suggestions",
        "variety",
        "selection",
        "any",
    }
)
# Words that may sit between a number and what it counts ("two pairs of shoes").
COUNT_NOUNS = frozenset(
    {
        "pairs",
        "pair",
        "options",
        "option",
        "of",
        "items",
        "pieces",
        "ideas",
        "choices",
        "different",
        "more",
        "other",
        "nice",
        "good",
        "great",
        "cool",
        "suggestions",
        "instead",
        "please",
    }
)
COUNT_LEADS = frozenset({"me", "see", "want", "need", "just", "only", "show", "try"})
# A number of three or more digits is a count only right after one of these (or at
# the start): otherwise it is a model number ("Levi's 501 jeans", "Air Max 270 shoes").
BIG_COUNT_LEADS = COUNT_LEADS | {"get", "give", "find", "buy", "order", "have"}
# Past this many digits a number is a code or a typo, not a count (and int() of a
# thousand digits is slow): read it as "a lot", which clamps to MAX_ITEMS.
MAX_COUNT_DIGITS = 6
# A number right after these is a size or a price, not a count.
NOT_A_COUNT_BEFORE = frozenset(
    {
        "size",
        "sizes",
        "under",
        "below",
        "over",
        "above",
        "than",
        "rs",
        "inr",
        "uk",
        "us",
        "eu",
        "around",
        "about",
        "budget",
        "upto",
        "up",
        "to",
        "within",
        "aged",
        "age",
        "im",
        "the",
        "this",
        "that",
        "which",
        "each",
        "every",
        "no",
        "number",
        # sizes and measurements: "my size is 9", "waist 32", "inseam 30"
        "is",
        "am",
        "waist",
        "chest",
        "bust",
        "inseam",
        "length",
        "height",
        "inch",
        "inches",
        "cm",
        "eur",
    }
)
NOT_A_COUNT_AFTER = frozenset(
    {
        "year",
        "years",
        "yrs",
        "yr",
        "month",
        "months",
        "rupees",
        "rs",
        "inr",
        "k",
        "cm",
        "kg",
        "percent",
        "days",
        "day",
        "weeks",
        "hours",
        "pm",
        "am",
        "o",
        "oclock",
        # measurements and size systems: "30 inch jeans", "9 uk shoes", "32 waist"
        "inch",
        "inches",
        "in",
        "mm",
        "ft",
        "feet",
        "uk",
        "us",
        "eu",
        "eur",
        "waist",
        "size",
        "x",
    }
)
# Words that rule out what follows them: "shoes not sandals", "no shirts please",
# "without a belt", "except heels", "sneakers instead of sandals".
NEGATIONS = frozenset(
    {"not", "no", "without", "except", "excluding", "neither", "nor", "dont", "never"}
)
# "but" rules out what follows only after these: "anything but heels" (not "a watch but a belt").
BUT_LEADS = frozenset({"anything", "everything", "all"})
NEGATION_PAIRS = frozenset({"instead of", "rather than", "other than", "apart from"})
# Words that may sit between a negation and what it rules out ("not any sandals").
NEGATION_FILLERS = frozenset(
    {"a", "an", "any", "the", "more", "those", "these", "some", "of", "want", "need", "like"}
)
# Words that carry no search meaning in a request to an assistant.
REQUEST_WORDS = frozenset(
    """a an the and or but of for to in on at with without from by me my i im i'm we us our
    you your it its this that these those is are was be been am do does can could would
    should will please pls show find give get want wanted need needs needed looking look
    for some any few several options option pairs pair items item pieces piece ideas
    choices suggestions suggest recommend recommendation something anything what which
    how about like love also too more other another one two three four five six seven
    eight nine ten couple dozen go goes going with match matches matching complete
    outfit outfits help hi hello hey thanks thank have has got buy buying wear wearing
    new good nice great cool best kind type sort so just really very size under below
    above over rupees rs inr price budget cheap year years old instead twenty not no nor
    without except excluding neither dont never rather than apart id ill youd wed
    there here sell sells selling stock carry carries available everything all top
    less upto within max maximum cheaper inch inches cm waist uk eu eur each""".split()  # noqa: SIM905 - reads better as prose
)


@dataclass(frozen=True)
class Want:
    """One thing the shopper asked for: their words, the article types they mean and
    how many to show (None: the classification's ``number_of_items``)."""

    words: str
    categories: tuple[str, ...]
    count: int | None = None


@dataclass(frozen=True)
class Classification:
    """What the shopper wants.

    ``number_of_items`` is the most items shown for any one want (the API's field);
    each want may have its own count ("2 shirts and a tie": 2 shirts, 1 tie).
    ``excluded`` are article types ruled out ("anything but heels"); ``max_price``
    is a budget the shopper named ("under ₹2,000").
    """

    wants: tuple[Want, ...]
    number_of_items: int
    not_carried: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    max_price: Decimal | None = None

    def count_for(self, want: Want) -> int:
        return self.number_of_items if want.count is None else want.count

    @property
    def categories(self) -> list[str]:
        seen: dict[str, None] = {}
        for want in self.wants:
            seen.update(dict.fromkeys(want.categories))
        return list(seen)


@dataclass(frozen=True)
class CategoryInfo:
    name: str
    sub_category: str = ""
    master_category: str = ""


@dataclass
class CatalogVocabulary:
    """The article types a shopper can be shown, indexed by the words that name them."""

    categories: tuple[CategoryInfo, ...]
    _exact: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _heads: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _groups: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _phrases: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        for info in self.categories:
            name = normalise(info.name)
            for part in name.split(" and "):
                for alias in word_forms(part):
                    self._exact.setdefault(alias, set()).add(info.name)
            words = name.split()
            if len(words) > 1 and " and " not in name and words[-1] not in GENERIC_HEADS:
                for alias in word_forms(words[-1]):
                    self._heads.setdefault(alias, set()).add(info.name)
            for group in (info.sub_category, info.master_category):
                group = normalise(group)
                if group and group not in GENERIC_GROUPS:
                    for alias in word_forms(group):
                        self._groups.setdefault(alias, set()).add(info.name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(info.name for info in self.categories)

    def canonical(self, name: str) -> str | None:
        """The catalog's spelling of an article type name, or None if it isn't one."""
        wanted = normalise(name)
        for info in self.categories:
            if normalise(info.name) == wanted:
                return info.name
        return None

    def resolve(self, phrase: str) -> set[str]:
        """Article types a catalog word means: the exact type, else every type it heads."""
        return set(
            self._exact.get(phrase) or self._heads.get(phrase) or self._groups.get(phrase) or ()
        )

    def phrases(self) -> frozenset[str]:
        """Every catalog phrase and shopper phrase the classifier looks for (computed once)."""
        if not self._phrases:
            self._phrases = frozenset(
                set(self._exact) | set(self._heads) | set(self._groups) | SHOPPER_PHRASES
            )
        return self._phrases


# A currency sign becomes the word "rs", so "under ₹1500" and "₹1500 shoes" read as prices.
CURRENCY = re.compile(r"[₹$€£]")
# "1,500" is one number; "9.5" is a size or a price, never a count, so it becomes "9_5".
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("'s ", " ")
    text = CURRENCY.sub(" rs ", text)
    text = DECIMAL_POINT.sub("_", THOUSANDS.sub("", text))
    text = re.sub(r"[^\w\s']+", " ", text).replace("'", "")
    return " ".join(text.split())


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
class _Match:
    start: int
    end: int
    phrase: str


def _find_phrases(tokens: Sequence[str], phrases: Set[str], *, longest: int = 5) -> list[_Match]:
    """Non-overlapping phrase matches, longest first at each position.

    Words written apart may name a closed-up phrase: "rain coat" is "raincoat",
    "night dress" the catalog's "Nightdress".
    """
    matches: list[_Match] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + size])
            if phrase not in phrases and size > 1 and phrase.replace(" ", "") in phrases:
                phrase = phrase.replace(" ", "")
            if phrase in phrases:
                matches.append(_Match(i, i + size, phrase))
                i += size
                break
        else:
            i += 1
    return matches


# Words that may stand between a number and what it counts ("3 red cotton tshirts").
MAX_DESCRIBING_WORDS = 3


def _number_of(token: str) -> int | None:
    if token.isascii() and token.isdigit():
        return int(token[:MAX_COUNT_DIGITS])
    return NUMBER_WORDS.get(token)


def explicit_number(tokens: Sequence[str], wanted_starts: Iterable[int]) -> int | None:
    """The first count the shopper wrote, of anything (see ``explicit_counts``)."""
    counted, bare = explicit_counts(tokens, wanted_starts)
    return next(iter(counted.values()), bare)


def explicit_counts(
    tokens: Sequence[str], wanted_starts: Iterable[int]
) -> tuple[dict[int, int], int | None]:
    """Counts the shopper wrote in digits or words, each just before what it counts.

    Returns {start of the counted phrase: count} and a count of nothing named
    ("show me four more"), if any. "two pairs of shoes", "3 shirts and a tie"; not
    "size 9 shoes", "under 2000", "for my 5 year old", "30 inch jeans" or "the blue one".
    """
    starts = set(wanted_starts)
    counted: dict[int, int] = {}
    bare: int | None = None
    for i, token in enumerate(tokens):
        pair = " ".join(tokens[i : i + 2])
        size = 2 if pair in NUMBER_WORDS else 1
        value = NUMBER_WORDS[pair] if size == 2 else _number_of(token)
        if value is None:
            continue
        if i > 0 and tokens[i - 1] in NOT_A_COUNT_BEFORE:
            continue
        if value >= 100 and token.isdigit() and i > 0 and tokens[i - 1] not in BIG_COUNT_LEADS:
            continue
        j = i + size
        if j < len(tokens) and tokens[j] in NOT_A_COUNT_AFTER:
            continue
        # The counted thing may follow a few filler words ("two nice pairs of").
        while j < len(tokens) and j not in starts and tokens[j] in COUNT_NOUNS:
            j += 1
        if j in starts:
            counted.setdefault(j, value)
            continue
        # Or a few describing words: "3 red tshirts", "two black leather heels".
        k, described = j, 0
        while (
            k < len(tokens)
            and k not in starts
            and described < MAX_DESCRIBING_WORDS
            and _number_of(tokens[k]) is None
            and tokens[k] not in NOT_A_COUNT_AFTER
        ):
            described += tokens[k] not in COUNT_NOUNS
            k += 1
        if k in starts:
            counted.setdefault(k, value)
            continue
        # "show me three more", "just two": a count of what was asked before.
        if j == len(tokens) and (j > i + size or (i > 0 and tokens[i - 1] in COUNT_LEADS)):
            bare = value if bare is None else bare
    return counted, bare


def _negated(tokens: Sequence[str], matches: Sequence[_Match]) -> set[int]:
    """Indices of the matches the shopper rules out ("shoes not sandals").

    A negation covers the phrase right after it (a few filler words may sit between:
    "not any sandals", "don't want heels") and any phrase joined to that one by "or"
    or "nor" ("no shirts or jeans"); "and" ends it ("no tie and a belt").
    """
    negated: set[int] = set()
    for index, match in enumerate(matches):
        k = match.start
        previous = matches[index - 1] if index else None
        if (
            previous is not None
            and index - 1 in negated
            and tokens[previous.end : k]
            and all(t in NEGATION_FILLERS | {"or", "nor"} for t in tokens[previous.end : k])
            and {"or", "nor"} & set(tokens[previous.end : k])
        ):
            negated.add(index)
            continue
        while k > 0:
            if k >= 2 and " ".join(tokens[k - 2 : k]) in NEGATION_PAIRS:
                negated.add(index)
                break
            if tokens[k - 1] in NEGATIONS or (
                tokens[k - 1] == "but" and k >= 2 and tokens[k - 2] in BUT_LEADS
            ):
                negated.add(index)
                break
            if tokens[k - 1] not in NEGATION_FILLERS or match.start - k >= 3:
                break
            k -= 1
    return negated


def _has_quantifier(tokens: Sequence[str]) -> bool:
    text = f" {' '.join(tokens)} "
    return any(f" {q} " in text for q in QUANTIFIERS)


def clamp(n: int) -> int:
    return max(1, min(n, MAX_ITEMS))


def classify(
    *,
    message: str,
    vocabulary: CatalogVocabulary,
    previous: Classification | None = None,
) -> Classification:
    """What the shopper wants, deterministically, from their words.

    Several article types: one item each. One type with "a few"/"some"/"options"/
    "pairs" and no number: two. A number counts the item it precedes ("2 shirts and
    a tie": two shirts, one tie), clamped to MAX_ITEMS. A follow-up naming no type
    ("show me three instead") keeps the previous types.
    """
    tokens = normalise(message).split()
    matches = [
        m
        for m in _find_phrases(tokens, vocabulary.phrases())
        # "top 5 watches" ranks watches; it asks for no tops.
        if not (m.phrase in RANKING_WORDS and m.end < len(tokens) and _number_of(tokens[m.end]))
    ]

    negated = _negated(tokens, matches)
    counted, bare = explicit_counts(
        tokens, (m.start for i, m in enumerate(matches) if i not in negated)
    )

    wants: list[Want] = []
    not_carried: list[str] = []
    excluded: set[str] = set()
    for index, match in enumerate(matches):
        categories = set(vocabulary.resolve(match.phrase))
        label, targets = SHOPPER_WORDS.get(match.phrase, (match.phrase, ()))
        for target in targets:
            categories |= vocabulary.resolve(target)
        if index in negated:
            excluded |= categories
            continue
        if not categories:
            if label not in not_carried:
                not_carried.append(label)
            continue
        ordered = tuple(name for name in vocabulary.names if name in categories)
        if all(w.categories != ordered for w in wants):
            count = counted.get(match.start, bare)
            wants.append(Want(match.phrase, ordered, None if count is None else clamp(count)))

    if not wants and not not_carried and previous is not None and previous.wants:
        # A follow-up: same things, maybe a new count (or fewer types: "not the sandals").
        wants = [
            replace(w, count=clamp(bare) if bare is not None else previous.count_for(w))
            for w in previous.wants
        ]
    wants = _without(wants, excluded)[:MAX_WANTS]
    default = QUANTIFIED_ITEMS if len(wants) == 1 and _has_quantifier(tokens) else 1
    wants = [w if w.count is not None else replace(w, count=default) for w in wants]
    if wants:
        number = max(w.count or 1 for w in wants)
    else:
        number = clamp(bare) if bare is not None else UNFILTERED_ITEMS
    ordered_excluded = tuple(name for name in vocabulary.names if name in excluded)
    return Classification(
        wants=tuple(wants),
        number_of_items=number,
        not_carried=tuple(not_carried),
        excluded=ordered_excluded,
        max_price=budget(tokens),
    )


# "under 2000", "below ₹1,500", "less than 3000", "up to 2500", "budget of 4000".
BUDGET_LEADS = frozenset(
    {"under", "below", "within", "upto", "max", "maximum", "budget", "cheaper", "less"}
)
BUDGET_FILLERS = frozenset(
    {"than", "to", "of", "is", "rs", "inr", "about", "around", "my", "a", "only", "just"}
)


def budget_in(message: str) -> Decimal | None:
    """The most the shopper wants to pay, if they said ("under ₹2,000")."""
    return budget(normalise(message).split())


def budget(tokens: Sequence[str]) -> Decimal | None:
    """The most the shopper wants to pay, if they said ("under ₹2,000")."""
    for i, token in enumerate(tokens):
        if token not in BUDGET_LEADS and tokens[i : i + 2] != ["up", "to"]:
            continue
        j = i + 1
        while j < len(tokens) and j - i <= 3 and tokens[j] in BUDGET_FILLERS:
            j += 1
        if j < len(tokens) and tokens[j].replace("_", "").isdigit():
            digits = tokens[j].replace("_", ".")[: MAX_COUNT_DIGITS + 3]
            try:
                return Decimal(digits)
            except InvalidOperation:
                return None
    return None


def _without(wants: Sequence[Want], excluded: set[str]) -> list[Want]:
    """The wants less the article types the shopper ruled out; emptied wants go."""
    kept = []
    for want in wants:
        categories = tuple(c for c in want.categories if c not in excluded)
        if categories:
            kept.append(replace(want, categories=categories))
    return kept


def search_words(message: str, *, vocabulary: CatalogVocabulary) -> str:
    """The descriptive words of a request ("black", "wedding", "puma"), for search."""
    tokens = normalise(message).split()
    skip = vocabulary.phrases()
    matched = {i for m in _find_phrases(tokens, skip) for i in range(m.start, m.end)}
    words = [
        t
        for i, t in enumerate(tokens)
        if i not in matched
        and t not in REQUEST_WORDS
        and not t.replace("_", "").isdigit()
        and len(t) > 1
    ]
    return " ".join(dict.fromkeys(words))
