"""What merchandising rules and availability add to a search: the ``merchandising`` step alone.

    .venv/bin/python bench/merchandising.py [--repeat 50] [--rules 20] [--sold-out 0.1]

Run it on an imported catalog (``make run CATALOG=...``; no model needed). For a few
words it takes the keyword ranking once (what the channels hand over; words that find
nothing are left out), then times what the results page and ``product_search`` add to
it: firing the active rules (``plan_for``) and ordering the ranking (``apply``) up to
the first page of ids, and a category page's ordered first page. Four settings: no
rules, no signals and a sold-out weight of 0 (the pass-through), availability only,
availability with ``--rules`` rules of every kind on other words, plus the ones that
fire (``_rules``: on the category page a pin, a boost and a hide; on each word a boost
and a bury), and those with the popularity and newness signals at their default weights (a
tenth of the catalog has sales). The settings take turns run by run, so a machine
that gets busier mid-run weighs on all of them alike; each line says what the setting
adds to the pass-through's p50, and the median of the run-by-run differences.
Products are sold out, rules made and sales recorded, committed and vacuumed as a
shop's autovacuum leaves its tables, then put back as they were (``_Setup``), the
merchant's own rules included (switched off meanwhile). Switching the rules on and off between
settings changes the rules table, which each process then reads once (``triggers``);
an untimed page after each switch pays for that, so the times are the steady state
every shopper after a merchant's edit gets. Prints p50/p95
per setting; asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# Settings default to production (DEBUG off); benchmarks run as `make run` does.
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from shop.catalog.models import (  # noqa: E402
    ONE_SIZE,
    Category,
    Product,
    ProductVariant,
    variant_sku,
)
from shop.catalog.services import product_search_vectors_refresh  # noqa: E402
from shop.id_arrays import IdArray  # noqa: E402
from shop.search import merchandising, selectors  # noqa: E402
from shop.search.filters import ProductFilters  # noqa: E402
from shop.search.models import MerchandisingRule, ProductPopularity  # noqa: E402
from shop.search.vocabulary import Vocabulary, get_vocabulary  # noqa: E402

WORDS = ["shirt", "shoes", "black", "watch", "casual", "printed", "men", "blue"]
PAGE = 24


BENCH = "bench/merchandising.py"


class _Setup:
    """What the bench changes, committed so that the tables can be vacuumed as a shop's
    autovacuum leaves them (changes held in an open transaction leave thousands of
    product rows not all-visible, which no index-only read survives), and put back
    as it was in ``restore``: sizes sold out, sales, colours painted, the merchant's
    own rules switched off, the bench's rules."""

    def __init__(self) -> None:
        self.stock: list[tuple[int, int | None]] = []
        self.sales: list[ProductPopularity] = []
        self.colours: list[tuple[int, str]] = []
        self.enabled: list[int] = []

    def sell_out(self, share: float) -> None:
        step = max(1, round(1 / share)) if share > 0 else 0
        if step:
            sold = Product.objects.order_by("id").values_list("id", flat=True)[::step]
            variants = ProductVariant.objects.filter(product_id__in=list(sold))
            self.stock = list(variants.values_list("id", "stock"))
            variants.update(stock=0)

    def record_sales(self) -> None:
        """A tenth of the catalog has sold lately (the popularity signal's rows)."""
        self.sales = list(ProductPopularity.objects.all())
        ProductPopularity.objects.all().delete()
        popular = Product.objects.order_by("-id").values_list("id", flat=True)[::10]
        now = timezone.now()
        ProductPopularity.objects.bulk_create(
            ProductPopularity(
                product_id=pk, units_sold=n + 1, score=Decimal(n % 100) / 100, refreshed_at=now
            )
            for n, pk in enumerate(popular)
        )

    def paint(self) -> None:
        """A catalog without colours (the synthetic one): a fifth Black, a fifth Blue."""
        if Product.objects.filter(base_colour="Black").exists():
            return
        ids = list(Product.objects.order_by("id").values_list("id", flat=True))
        self.colours = list(
            Product.objects.filter(id__in=ids[::5] + ids[2::5]).values_list("id", "base_colour")
        )
        Product.objects.filter(id__in=ids[::5]).update(base_colour="Black")
        Product.objects.filter(id__in=ids[2::5]).update(base_colour="Blue")

    def rules_off(self) -> None:
        """The merchant's own rules are switched off while the bench's are on trial."""
        self.enabled = list(
            MerchandisingRule.objects.filter(enabled=True).values_list("id", flat=True)
        )
        MerchandisingRule.objects.update(enabled=False)

    def restore(self) -> None:
        with transaction.atomic():
            MerchandisingRule.objects.filter(note=BENCH).delete()
            MerchandisingRule.objects.filter(id__in=self.enabled).update(enabled=True)
            for pk, stock in self.stock:
                ProductVariant.objects.filter(pk=pk).update(stock=stock)
            ProductPopularity.objects.all().delete()
            ProductPopularity.objects.bulk_create(self.sales)
            for colour in {colour for _pk, colour in self.colours}:
                painted = [pk for pk, was in self.colours if was == colour]
                Product.objects.filter(id__in=painted).update(base_colour=colour)
        _vacuum()


def _vacuum() -> None:
    with connection.cursor() as cursor:
        tables = (Product, ProductVariant, ProductPopularity, MerchandisingRule)
        cursor.execute("VACUUM ANALYZE " + ", ".join(model._meta.db_table for model in tables))


def _search_step(words: str, ranked: list[int], vocabulary: Vocabulary) -> None:
    """What merchandising adds to a results page: the page has read the vocabulary
    already (query understanding) and hands it to the rules."""
    plan = merchandising.plan_for(words=words, categories=(), vocabulary=vocabulary)
    shown = plan.visible(Product.objects.browsable()).filter(
        plan.matched_or_pinned(Q(id__any=IdArray(ranked)))
    )
    list(merchandising.apply(shown, plan=plan, ranked=ranked)[:PAGE])


def _category_step(category: Category) -> None:
    plan = merchandising.plan_for(words="", categories=(category.slug,))
    shown = ProductFilters(category=(category.slug,)).apply(
        plan.visible(Product.objects.browsable())
    )
    list(merchandising.apply(shown, plan=plan)[:PAGE])


def _timed(call, *args, **kwargs) -> float:  # noqa: ANN001, ANN002, ANN003
    """Milliseconds of one call, with the garbage collector run before and off during it
    (as timeit does): the settings take turns, so its pauses would otherwise fall on
    the same setting every round."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        call(*args, **kwargs)
        return (time.perf_counter() - started) * 1000
    finally:
        gc.enable()


def _report(label: str, times: list[float], base: list[float] | None) -> None:
    """p50/p95, and against the pass-through: the difference of the p50s, and the median
    of the run-by-run differences (the same words, back to back: the machine's drift
    cancels out)."""
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    added = ""
    if base is not None:
        paired = statistics.median(t - b for t, b in zip(times, base, strict=True))
        added = f"   adds {p50 - statistics.median(base):+6.2f} ms (paired {paired:+6.2f})"
    print(f"  {label:<40} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms{added}")


def _rules(count: int, products: list[int], category: Category, words: list[str]) -> None:
    """``count`` rules of every kind on words nothing benched searches for, then the
    ones that fire: on the category page a pin, a boost and a hide, and on each benched
    word a boost and a bury. Boosts lift Black products and buries sink Blue ones
    (``_Setup`` paints a fifth of a catalog without colours each). Noted "bench"."""
    boost = {"filters": {"colour": ["Black"]}, "weight": Decimal("0.5")}
    bury = {"filters": {"colour": ["Blue"]}, "weight": Decimal("0.5")}
    for i in range(count):
        kind = ("pin", "hide", "boost", "bury")[i % 4]
        action: dict = {"product_id": products[i % len(products)]}
        if kind == "pin":
            action["position"] = 1 + i % 5
        elif kind in ("boost", "bury"):
            action = boost if kind == "boost" else bury
        MerchandisingRule.objects.create(action=kind, query=f"campaign {i}", note=BENCH, **action)
    shown = Product.objects.filter(category=category).order_by("-id")
    pin = {"product_id": shown.values_list("id", flat=True).first(), "position": 2}
    hide = {"product_id": products[-1]}
    for kind, action in (("pin", pin), ("boost", boost), ("hide", hide)):
        MerchandisingRule.objects.create(action=kind, category=category, note=BENCH, **action)
    for word in words:
        for kind, action in (("boost", boost), ("bury", bury)):
            MerchandisingRule.objects.create(action=kind, query=word, note=BENCH, **action)


def _prepare() -> None:
    """What the synthetic catalog leaves out and this step reads: sizes, search vectors."""
    bare = Product.objects.filter(variants__isnull=True).values_list("id", "external_id")
    ProductVariant.objects.bulk_create(
        (
            ProductVariant(product_id=pk, size=ONE_SIZE, sku=variant_sku(external_id, ONE_SIZE))
            for pk, external_id in bare.iterator(chunk_size=5000)
        ),
        batch_size=5000,
    )
    missing = list(Product.objects.filter(search_vector__isnull=True).values_list("id", flat=True))
    product_search_vectors_refresh(product_ids=missing)
    print(f"prepared: sizes for products without any, {len(missing)} search vectors filled")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--sold-out", type=float, default=0.1, help="share of products")
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="first give products without sizes one untracked size and fill missing "
        "search vectors (the synthetic catalog has neither); kept",
    )
    args = parser.parse_args()
    if args.prepare:
        _prepare()
    total = Product.objects.browsable().count()
    if not total:
        sys.exit("No products: run `make run CATALOG=...` first.")
    category = Category.objects.annotate(n=Count("products")).order_by("-n", "name").first()
    rankings = {
        words: list(
            selectors.product_list(filters=ProductFilters(), q=words).values_list("id", flat=True)
        )
        for words in WORDS
    }
    found = [words for words in WORDS if rankings[words]]
    if not found:
        sys.exit("None of the words finds anything: is the search vector filled (--prepare)?")
    print(
        f"{total} products; rankings of "
        + ", ".join(f"{words} {len(rankings[words])}" for words in WORDS)
        + f" ids (searches time the {len(found)} that find something); category page: "
        f"{category.name} ({category.n}); {args.repeat} runs each"
    )
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    setup = _Setup()
    try:
        with transaction.atomic():
            setup.rules_off()
            setup.sell_out(args.sold_out)
            setup.record_sales()
            if args.rules:
                setup.paint()
                ids = [pk for words in found for pk in rankings[words][:3]]
                _rules(args.rules, ids, category, found)
        _vacuum()
        made = MerchandisingRule.objects.filter(note=BENCH).count()
        signals = (0.15, 0.05)  # the defaults: popularity, newness
        settings_runs = [
            ("no rules, sold-out weight 0, no signals", 0, False, (0, 0)),
            ("availability only", 1000, False, (0, 0)),
            (f"availability + {made} rules", 1000, True, (0, 0)),
            (f"availability + {made} rules + signals", 1000, True, signals),
        ]
        searches = {label: [] for label, *_ in settings_runs}
        pages = {label: [] for label, *_ in settings_runs}
        for run in range(-1, args.repeat):  # run -1 warms: vocabulary, rules, caches
            words = found[run % len(found)]
            for label, weight, rules, (popularity, newness) in settings_runs:
                # The rules are made once and switched on for the settings with rules:
                # every setting reads the active ones, as a page does.
                MerchandisingRule.objects.filter(note=BENCH).update(enabled=rules)
                with override_settings(
                    SHOP_SEARCH_SOLD_OUT_WEIGHT=weight,
                    SHOP_SEARCH_POPULARITY_WEIGHT=popularity,
                    SHOP_SEARCH_NEWNESS_WEIGHT=newness,
                ):
                    # The switch changed the rules table, so each process reads the
                    # rules once again (``triggers``): one untimed page does, as the
                    # first shopper after a merchant's edit would; the timed ones
                    # are every shopper after that.
                    _category_step(category)
                    vocabulary = get_vocabulary()  # the page's query understanding read it
                    search = _timed(_search_step, words, rankings[words], vocabulary)
                    page = _timed(_category_step, category)
                if run >= 0:
                    searches[label].append(search)
                    pages[label].append(page)
        first = settings_runs[0][0]
        for label, *_ in settings_runs:
            print(label)
            base = label != first
            _report(
                "search: fire rules + order + page 1",
                searches[label],
                searches[first] if base else None,
            )
            _report(
                "category page: fire + order + page 1",
                pages[label],
                pages[first] if base else None,
            )
    finally:
        setup.restore()


if __name__ == "__main__":
    main()
