"""The assistant's vocabulary, from the database: article types (with the merchant's
synonyms and the shopper words in ``words``), colours and occasions, with typo
tolerance against it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from shop.assistant import words as w
from shop.assistant.language import aliases, read_words
from shop.assistant.types import CategoryInfo, OccasionInfo
from shop.catalog.stock import in_stock_q
from shop.search.vocabulary import RebuiltWhenChanged, edit_distance, typo_limit
from shop.search.vocabulary import _fingerprint as shared_fingerprint

SLOT_SEPARATOR = "|"


def outfit_slots(article_types: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """An outfit template's entries as slots: "Heels | Flats" is one slot that takes the
    first of its article types the catalog has for the shopper."""
    slots = []
    for entry in article_types:
        names = tuple(n.strip() for n in entry.split(SLOT_SEPARATOR) if n.strip())
        if names:
            slots.append(names)
    return tuple(slots)


# A size that can be bought now: active, and stock not tracked or above zero.
_BUYABLE = in_stock_q()


@dataclass(frozen=True)
class Correction:
    word: str
    meant: str
    confidence: float


@dataclass
class CatalogVocabulary:
    """The article types a shopper can be shown, indexed by the words that name them,
    and the other words the assistant reads (colours, occasions)."""

    categories: tuple[CategoryInfo, ...]
    shopper_words: dict[str, tuple[str, tuple[str, ...]]] = field(
        default_factory=lambda: dict(w.SHOPPER_WORDS)
    )
    colours: dict[str, str] = field(default_factory=dict)
    occasions: tuple[OccasionInfo, ...] = ()
    brands: frozenset[str] = frozenset()
    # catalog gender -> article types with in-stock products for it (Unisex and
    # unlabelled products count for everyone)
    genders: dict[str, frozenset[str]] = field(default_factory=dict)
    _exact: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _heads: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _groups: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _phrases: frozenset[str] = field(default=frozenset(), repr=False)
    _spellings: dict[int, list[tuple[str, frozenset[str]]]] = field(
        default_factory=dict, repr=False
    )
    _known: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        for info in self.categories:
            name = read_words(info.name)
            self._exact.setdefault(name, set()).add(info.name)
            for part in name.split(" and "):
                for alias in aliases(part):
                    self._exact.setdefault(alias, set()).add(info.name)
            words = name.split()
            if len(words) > 1 and " and " not in name and words[-1] not in w.GENERIC_HEADS:
                for alias in aliases(words[-1]):
                    self._heads.setdefault(alias, set()).add(info.name)
            for group in (info.sub_category, info.master_category):
                group = read_words(group)
                if group and group not in w.GENERIC_GROUPS:
                    for alias in aliases(group):
                        self._groups.setdefault(alias, set()).add(info.name)
        self._phrases = frozenset(
            set(self._exact)
            | set(self._heads)
            | set(self._groups)
            | set(self.shopper_words)
            | set(w.NOT_SOLD)
        )
        for word in self._words():
            if len(word) >= 4 and word.isalpha():
                self._spellings.setdefault(len(word), []).append((word, frozenset(word)))
        self._known = frozenset(self._known_words())
        for bucket in self._spellings.values():
            bucket.sort()

    def _words(self) -> set[str]:
        return {part for phrase in self._phrases for part in phrase.split()}

    def known_words(self) -> frozenset[str]:
        """Words that are never corrected: every vocabulary word and the common ones."""
        return self._known

    def _known_words(self) -> set[str]:
        occasion_words = {word for o in self.occasions for word in o.words}
        return (
            self._words()
            | w.COMMON_WORDS
            | w.REQUEST_WORDS
            | set(w.GENDER_WORDS)
            | set(self.colours)
            | occasion_words
            | w.OUTFIT_WORDS
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(info.name for info in self.categories)

    def canonical(self, name: str) -> str | None:
        """The catalog's spelling of an article type name, or None if it isn't one."""
        wanted = read_words(name)
        for info in self.categories:
            if read_words(info.name) == wanted:
                return info.name
        return None

    def resolve(self, phrase: str) -> set[str]:
        """Article types a catalog word means: the exact type, else every type it heads."""
        return set(
            self._exact.get(phrase) or self._heads.get(phrase) or self._groups.get(phrase) or ()
        )

    def meaning(self, phrase: str) -> tuple[str, set[str]]:
        """(label, article types) for a matched phrase: its own types and its shopper words'."""
        categories = self.resolve(phrase)
        label, targets = self.shopper_words.get(phrase, (phrase, ()))
        for target in targets:
            categories |= self.resolve(read_words(target))
        return label, categories

    def phrases(self) -> frozenset[str]:
        """Every catalog phrase, shopper phrase and not-sold phrase the rules look for."""
        return self._phrases

    def correct(
        self, tokens: Sequence[str], *, skip: Collection[int] = ()
    ) -> tuple[list[str], dict[int, Correction]]:
        """The tokens with misspelt vocabulary words corrected ("tshrit" -> "tshirt").

        Only unknown words of four letters or more are corrected, to the nearest
        vocabulary word within ``typo_limit`` edits; a tie between two words is left
        alone, and so are the tokens in ``skip`` (already part of a phrase as written).
        Confidence falls with the edits made.
        """
        known = self.known_words()
        out = list(tokens)
        corrections: dict[int, Correction] = {}
        for i, token in enumerate(tokens):
            limit = typo_limit(len(token))
            if not limit or not token.isalpha() or token in known or i in skip:
                continue
            best: list[tuple[int, str]] = []
            letters = set(token)
            for length in range(len(token) - limit, len(token) + limit + 1):
                for candidate, its_letters in self._spellings.get(length, ()):
                    # One edit changes the set of letters by at most two: a cheap bound.
                    if len(letters ^ its_letters) > 2 * limit:
                        continue
                    d = edit_distance(token, candidate, limit=limit)
                    if d <= limit:
                        best.append((d, candidate))
            if not best:
                continue
            best.sort(key=lambda pair: (pair[0], pair[1][0] != token[0]))
            d, meant = best[0]
            rivals = [c for dd, c in best[1:] if dd == d and c[0] == meant[0]]
            if any(self.meaning(c)[1] != self.meaning(meant)[1] for c in rivals):
                continue
            out[i] = meant
            corrections[i] = Correction(token, meant, round(1 - d / max(len(meant), 1), 2))
        return out, corrections

    def colour_of(self, tokens: Sequence[str]) -> str:
        """The first catalog colour the shopper names ("navy" -> "Navy Blue"), or ""."""
        for i in range(len(tokens)):
            for size in (2, 1):
                phrase = " ".join(tokens[i : i + size])
                if phrase in self.colours:
                    return self.colours[phrase]
        return ""

    def occasion_of(self, tokens: Sequence[str]) -> OccasionInfo | None:
        """The first occasion the shopper names, as whole words ("workout" is not "work")."""
        by_word = {word: o for o in self.occasions for word in o.words}
        for i in range(len(tokens)):
            for size in (2, 1):
                phrase = " ".join(tokens[i : i + size])
                if phrase in by_word:
                    return by_word[phrase]
        return None

    def describes(self, tokens: Sequence[str]) -> bool:
        """True when the words name a brand or describe products ("puma", "linen")."""
        text = f" {' '.join(tokens)} "
        return any(t in w.DESCRIBING_WORDS for t in tokens) or any(
            f" {brand} " in text for brand in self.brands
        )

    def has_for(self, name: str, gender: str) -> bool:
        """True when the catalog has ``name`` in stock for ``gender`` ("" for anyone)."""
        if name not in self.names:
            return False
        if not gender or not self.genders:
            return True
        return name in self.genders.get(gender, frozenset()) or name in self.genders.get(
            "", frozenset()
        )

    def group_of(self, name: str) -> str:
        """The sub-category of an article type, normalised ("topwear", "saree")."""
        info = next((c for c in self.categories if c.name == name), None)
        return read_words(info.sub_category) if info is not None else ""

    def master_of(self, name: str) -> str:
        info = next((c for c in self.categories if c.name == name), None)
        return read_words(info.master_category) if info is not None else ""

    def occasion(self, slug: str) -> OccasionInfo | None:
        return next((o for o in self.occasions if o.slug == slug), None)


OCCASIONS_FINGERPRINT_SQL = """
SELECT
  (SELECT md5(coalesce(string_agg(slug || words::text || usages::text || note, ';'
                                  ORDER BY id), '')) FROM assistant_occasion),
  (SELECT md5(coalesce(string_agg(occasion_id || gender || article_types::text || note, ';'
                                  ORDER BY id), '')) FROM assistant_outfittemplate)
"""


def _fingerprint() -> tuple[object, ...]:
    # The shared vocabulary's fingerprint (synonyms, article types, brands, products)
    # and the occasions': an admin edit is seen by every worker on its next request.
    with connection.cursor() as cursor:
        cursor.execute(OCCASIONS_FINGERPRINT_SQL)
        return (shared_fingerprint(), tuple(cursor.fetchone()))


_vocabulary = RebuiltWhenChanged(fingerprint=_fingerprint, build=lambda: catalog_vocabulary_build())


def catalog_vocabulary() -> CatalogVocabulary:
    """The vocabulary from the database, built once per process and rebuilt when the
    tables it reads change (see ``_fingerprint``)."""
    return _vocabulary.get()


def catalog_vocabulary_build() -> CatalogVocabulary:
    """The vocabulary from the database: article types with browsable products, the
    merchant's synonyms, the catalog's colours and the occasions with their outfits."""
    from shop.assistant.models import Occasion
    from shop.catalog.models import Brand, Category, Product, ProductVariant
    from shop.search.models import Synonym

    rows = (
        Category.objects.annotate(n=Count("products", filter=Q(products__is_active=True)))
        .filter(n__gt=0)
        .order_by("-n", "name")
        .values_list("name", "sub_category", "master_category")
    )
    rows = list(rows)
    type_names = {read_words(name) for name, _sub, _master in rows}
    shopper_words = dict(w.SHOPPER_WORDS)
    # The merchant's synonyms for article types; those for colours, genders and
    # occasions are read by the assistant's own word lists.
    for synonym in Synonym.objects.all():
        term = read_words(synonym.term)
        targets = tuple(read_words(t) for t in synonym.targets)
        if term and targets and set(targets) & type_names:
            shopper_words[term] = (term, targets)
            if synonym.two_way:
                for target in targets:
                    shopper_words.setdefault(target, (target, (term,)))
    colours = {
        read_words(c): c
        for c in Product.objects.browsable()
        .exclude(base_colour="")
        .values_list("base_colour", flat=True)
        .distinct()
    }
    for alias, colour in w.COLOUR_ALIASES.items():
        colours.setdefault(alias, colour)
    occasions = tuple(
        OccasionInfo(
            slug=o.slug,
            name=o.name,
            words=tuple(read_words(x) for x in o.words),
            usages=tuple(o.usages),
            note=o.note,
            outfits=tuple((t.gender, outfit_slots(t.article_types)) for t in o.outfits.all()),
            notes=tuple((t.gender, t.note) for t in o.outfits.all() if t.note),
        )
        for o in Occasion.objects.prefetch_related("outfits")
    )
    genders: dict[str, set[str]] = {}
    in_stock = (
        Product.objects.browsable()
        # No sizes at all is unknown stock, not sold out: such a type still counts.
        .filter(
            Exists(ProductVariant.objects.filter(_BUYABLE, product=OuterRef("pk")))
            | ~Exists(ProductVariant.objects.filter(product=OuterRef("pk")))
        )
        .values_list("gender", "category__name")
        .distinct()
    )
    for gender, name in in_stock:
        key = "" if gender in ("", "Unisex") else gender
        genders.setdefault(key, set()).add(name)
    return CatalogVocabulary(
        categories=tuple(CategoryInfo(name, sub, master) for name, sub, master in rows),
        genders={key: frozenset(names) for key, names in genders.items()},
        shopper_words=shopper_words,
        colours=colours,
        occasions=occasions,
        brands=frozenset(read_words(b) for b in Brand.objects.values_list("name", flat=True)),
    )
