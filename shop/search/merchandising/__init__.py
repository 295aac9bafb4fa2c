"""What the merchant and the stock say about a ranking, applied in one place.

The results page (searches and category pages), ``product_search`` (the API and the
assistant) rank products their own way (hybrid fusion, relevance floor, a sort),
then hand the products they may show to ``apply``, which returns the order shown:

1. **Hide** beats everything: a product hidden by any firing rule never shows
   (``Plan.visible`` takes it out before facets are counted).
2. **Pins** come next: a pinned product shows at its position even when the
   relevance floor dropped it (the merchant vouches for it), as long as it passes
   the shopper's filters. When pins collide (one position, or one product pinned
   twice), the more specific rule wins (words and article type > words > article
   type), then the older one (lower id); a pin that lost its position takes the
   next free one; a position past the end is the end.
3. **Boosts and buries** add (boost) or subtract (bury) their weight for every
   product matching their filters, and a product with no size in stock loses
   ``SHOP_SEARCH_SOLD_OUT_WEIGHT``. A product's relevance counts from 1 (first)
   down to 1/N (last of N), so a weight of 1 moves a product past the whole
   list and 0.1 about a tenth of it. Ties keep the relevance order (itself broken
   on id), never a float comparison. A page with no words (a category page,
   browsing) is ranked by its sort ("Best match": priced first, newest) and moved
   the same way.
4. Under an explicit sort (price, newest, name) only hides and the sold-out
   weight apply: the shopper chose the order.

With no rule firing and a sold-out weight of 0 the order is exactly the ranking's.
"""

from __future__ import annotations

from shop.search.merchandising.placing import (
    Placed,
    Plan,
    apply,
    plan_for,
    rule_filters,
    sold_out_weight,
)
from shop.search.merchandising.triggers import rules_active, rules_firing
from shop.search.merchandising.validation import rule_validate

__all__ = [
    "Placed",
    "Plan",
    "apply",
    "plan_for",
    "rule_filters",
    "rule_validate",
    "rules_active",
    "rules_firing",
    "sold_out_weight",
]
