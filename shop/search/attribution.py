"""Which search led where: clicks bound to the shopper and to the results shown, and
add-to-cart and orders attributed to the search of the product's last click.

- A shopper is a random id kept in their session; logs and tokens carry only a keyed
  hash of it (``shopper_hash``): enough to count distinct shoppers, nothing personal.
- Each result shown gets a click token: its search's log id, the product's id and
  position and the shopper's hash, signed (``django.core.signing``). A click counts
  only with a valid token, for that product, from the session that searched, within
  the attribution window: a forged, foreign or stale token is ignored.
- A counted click is remembered in the session (the last click per product, at most
  MAX_REMEMBERED_CLICKS products). Adding that product to the cart within
  SHOP_SEARCH_ATTRIBUTION_HOURS of the click counts for that search; an order line
  counts when its product was added to the same cart from a search within that window
  before the order.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from shop.catalog.models import Product
from shop.catalog.signals import product_viewed
from shop.search.models import SearchEvent, SearchQueryLog

SHOPPER_KEY = "search_shopper"
CLICKS_KEY = "search_clicks"
MAX_REMEMBERED_CLICKS = 50
# Enough of the shopper's hash to bind a token to a session (the signature does the rest).
TOKEN_SHOPPER_CHARS = 12
CLICK_SALT = "shop.search.attribution.click"
SEARCH_SALT = "shop.search.attribution.search"


def window() -> timedelta:
    return timedelta(hours=settings.SHOP_SEARCH_ATTRIBUTION_HOURS)


def shopper_hash(*, session: SessionBase, create: bool = False) -> str:
    """A keyed hash of the random shopper id in ``session`` ("" when there is none).

    With ``create`` a missing id is made (the session is then saved by its middleware).
    The id is not the session key, so it survives the key's rotation at login.
    """
    shopper = session.get(SHOPPER_KEY)
    if not isinstance(shopper, str) or not shopper:
        if not create:
            return ""
        shopper = secrets.token_hex(16)
        session[SHOPPER_KEY] = shopper
    return salted_hmac("shop.search.attribution.shopper", shopper).hexdigest()[:32]


def search_id_sign(*, log: SearchQueryLog) -> str:
    """The search id a page or an API answer shows: the log's id, signed with its shopper."""
    return signing.dumps([log.pk, log.shopper[:TOKEN_SHOPPER_CHARS]], salt=SEARCH_SALT)


@dataclass(frozen=True)
class ClickRef:
    search_id: int
    product_id: int
    position: int
    shopper: str


def click_token(*, log: SearchQueryLog, product_id: int, position: int) -> str:
    return signing.dumps(
        [log.pk, product_id, position, log.shopper[:TOKEN_SHOPPER_CHARS]], salt=CLICK_SALT
    )


def click_token_read(token: str) -> ClickRef | None:
    """The click a token stands for, or None when it is forged, mangled or too old."""
    try:
        value = signing.loads(token[:500], salt=CLICK_SALT, max_age=window().total_seconds())
    except signing.BadSignature:  # SignatureExpired included
        return None
    match value:
        case [int(search_id), int(product_id), int(position), str(shopper)]:
            return ClickRef(search_id, product_id, position, shopper)
    return None


def results_sign(*, log: SearchQueryLog, products: Iterable, first_position: int) -> None:
    """Give each product shown its click token (``product.search_token``), in order."""
    for position, product in enumerate(products, start=first_position):
        product.search_token = click_token(log=log, product_id=product.pk, position=position)


def search_click_record(*, token: str, product_id: int, session: SessionBase) -> bool:
    """Count a click on a search result; False (nothing counted) unless the token is
    this product's, from this session's search, and recent enough."""
    ref = click_token_read(token)
    if ref is None or ref.product_id != product_id:
        return False
    shopper = shopper_hash(session=session)
    if not shopper or ref.shopper != shopper[:TOKEN_SHOPPER_CHARS]:
        return False
    now = timezone.now()
    try:
        with transaction.atomic():
            # A result clicked twice from one search is one click.
            _event, created = SearchEvent.objects.get_or_create(
                search_id=ref.search_id,
                kind=SearchEvent.CLICK,
                product_id=product_id,
                defaults={"position": ref.position},
            )
    except IntegrityError:  # the search was rolled up and purged meanwhile
        return False
    if created:
        SearchQueryLog.objects.filter(pk=ref.search_id, clicked_product__isnull=True).update(
            clicked_product_id=product_id, clicked_at=now
        )
    clicks = session.get(CLICKS_KEY)
    clicks = dict(clicks) if isinstance(clicks, dict) else {}
    clicks.pop(str(product_id), None)
    clicks[str(product_id)] = [ref.search_id, ref.position, int(time.time())]
    session[CLICKS_KEY] = dict(list(clicks.items())[-MAX_REMEMBERED_CLICKS:])
    return True


def _last_click(*, session: SessionBase, product_id: int) -> tuple[int, int] | None:
    clicks = session.get(CLICKS_KEY)
    if not isinstance(clicks, dict):
        return None
    match clicks.get(str(product_id)):
        case [int(search_id), int(position), int(at)] if (
            time.time() - at <= window().total_seconds()
        ):
            return search_id, position
    return None


def search_cart_add_record(
    *, session: SessionBase, cart_id: int, product_id: int, quantity: int
) -> SearchEvent | None:
    """Attribute an add-to-cart to the search of the product's last click, if recent."""
    clicked = _last_click(session=session, product_id=product_id)
    if clicked is None:
        return None
    search_id, position = clicked
    try:
        with transaction.atomic():
            return SearchEvent.objects.create(
                search_id=search_id,
                kind=SearchEvent.CART,
                product_id=product_id,
                position=position,
                quantity=quantity,
                cart_id=cart_id,
            )
    except IntegrityError:  # the search was rolled up and purged
        return None


def search_cart_merged(*, from_cart_id: int, to_cart_id: int) -> int:
    """At login an anonymous cart merges into the account's: its adds move with it."""
    return SearchEvent.objects.filter(kind=SearchEvent.CART, cart_id=from_cart_id).update(
        cart_id=to_cart_id
    )


def search_order_record(
    *, cart_id: int, order_id: int, lines: Iterable[tuple[int, int, Decimal]]
) -> int:
    """Attribute an order's lines (product id, quantity, line total) to the searches
    they were added to this cart from within the window; returns how many lines.

    Called inside the transaction that places the order, so both commit or neither.
    """
    since = timezone.now() - window()
    ordered: dict[int, tuple[int, Decimal]] = {}
    for product_id, quantity, total in lines:  # two sizes of a product: one line here
        units, money = ordered.get(product_id, (0, Decimal(0)))
        ordered[product_id] = (units + quantity, money + total)
    added = {}
    for event in SearchEvent.objects.filter(
        kind=SearchEvent.CART,
        cart_id=cart_id,
        product_id__in=list(ordered),
        created_at__gte=since,
    ).order_by("created_at", "id"):
        added[event.product_id] = event  # the latest add wins
    events = [
        SearchEvent(
            search_id=added[product_id].search_id,
            kind=SearchEvent.ORDER,
            product_id=product_id,
            position=added[product_id].position,
            quantity=quantity,
            revenue=total,
            cart_id=cart_id,
            order_id=order_id,
        )
        for product_id, (quantity, total) in ordered.items()
        if product_id in added
    ]
    SearchEvent.objects.bulk_create(events, ignore_conflicts=True)
    return len(events)


def _product_viewed(sender: object, *, request: HttpRequest, product: Product, **kwargs) -> None:
    if request.GET.get("sid"):
        # A click from a search: its token, bound to this session and this product.
        search_click_record(
            token=request.GET["sid"], product_id=product.pk, session=request.session
        )


def connect_signals() -> None:
    product_viewed.connect(_product_viewed, dispatch_uid="search_click_from_product_page")
