"""The wishlist: saved products (a size optional), in the database for a logged-in
shopper and in the session for a guest, merged into the account at login."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction

from shop.accounts.exceptions import AccountError
from shop.accounts.models import WishlistItem
from shop.catalog.models import Product, ProductVariant

SESSION_KEY = "wishlist"
MAX_ITEMS = 100
# ("product id", "variant id or None") as kept in a guest's session.
Entry = tuple[int, int | None]


@dataclass(frozen=True)
class SavedItem:
    product: Product
    variant: ProductVariant | None

    @property
    def key(self) -> str:
        """What the wishlist page's remove button sends back: the size, or "any"."""
        return str(self.variant.pk) if self.variant else "any"


def _wishable(*, product_id: int, variant_id: int | None) -> tuple[Product, ProductVariant | None]:
    product = Product.objects.browsable().filter(pk=product_id).first()
    if product is None:
        raise AccountError("That product is not in the shop.", status=404)
    if variant_id is None:
        return product, None
    variant = ProductVariant.objects.filter(pk=variant_id, product=product, is_active=True).first()
    if variant is None:
        raise AccountError("That size does not exist for this product.")
    return product, variant


def _in_stock(product: Product, variant: ProductVariant | None) -> bool:
    return variant.in_stock if variant is not None else not product.is_sold_out


def _session_entries(session: SessionBase) -> list[Entry]:
    entries = []
    for raw in session.get(SESSION_KEY, []):
        if (
            isinstance(raw, list | tuple)
            and len(raw) == 2
            and isinstance(raw[0], int)
            and (raw[1] is None or isinstance(raw[1], int))
        ):
            entries.append((raw[0], raw[1]))
    return entries


def wishlist_add(
    *,
    user: AbstractBaseUser | None,
    session: SessionBase,
    product_id: int,
    variant_id: int | None = None,
) -> None:
    """Save a product (a size optional); saving it again changes nothing."""
    product, variant = _wishable(product_id=product_id, variant_id=variant_id)
    if user is None:
        entries = _session_entries(session)
        entry = (product.pk, variant.pk if variant else None)
        if entry not in entries:
            if len(entries) >= MAX_ITEMS:
                raise AccountError(f"A wishlist holds at most {MAX_ITEMS} items.")
            session[SESSION_KEY] = [list(e) for e in [*entries, entry]]
        return
    _item_create(user=user, product=product, variant=variant)


def _item_create(
    *, user: AbstractBaseUser, product: Product, variant: ProductVariant | None
) -> WishlistItem | None:
    existing = WishlistItem.objects.filter(user=user, product=product, variant=variant).first()
    if existing is not None:
        return existing
    if WishlistItem.objects.filter(user=user).count() >= MAX_ITEMS:
        raise AccountError(f"A wishlist holds at most {MAX_ITEMS} items.")
    try:
        with transaction.atomic():
            return WishlistItem.objects.create(
                user=user,
                product=product,
                variant=variant,
                price_seen=product.price,
                in_stock_seen=_in_stock(product, variant),
            )
    except IntegrityError:  # the same item saved twice at once: one row is enough
        return None


def wishlist_remove(
    *,
    user: AbstractBaseUser | None,
    session: SessionBase,
    product_id: int,
    variant_key: str | None = None,
) -> None:
    """Remove a saved product: one size ("any" or a variant id), or every size if None."""
    if variant_key not in (None, "any") and not str(variant_key).isdigit():
        raise AccountError("That size does not exist for this product.")
    variant_id = int(variant_key) if variant_key not in (None, "any") else None

    def matches(entry_variant: int | None) -> bool:
        return variant_key is None or entry_variant == variant_id

    if user is None:
        session[SESSION_KEY] = [
            list(e) for e in _session_entries(session) if e[0] != product_id or not matches(e[1])
        ]
        return
    items = WishlistItem.objects.filter(user=user, product_id=product_id)
    if variant_key is not None:
        items = items.filter(variant_id=variant_id)
    items.delete()


def wishlist_merge_session(*, user: AbstractBaseUser, session: SessionBase) -> int:
    """At login: a guest's saved products join the account's wishlist; how many were new."""
    added = 0
    for product_id, variant_id in _session_entries(session):
        try:
            product, variant = _wishable(product_id=product_id, variant_id=variant_id)
            mine = WishlistItem.objects.filter(user=user, product=product, variant=variant)
            if not mine.exists() and _item_create(user=user, product=product, variant=variant):
                added += 1
        except AccountError:  # withdrawn since it was saved, or the wishlist is full
            continue
    session.pop(SESSION_KEY, None)
    return added


def wishlist_items(*, user: AbstractBaseUser | None, session: SessionBase) -> list[SavedItem]:
    """The saved products still in the shop, newest first, with their sizes prefetched."""
    if user is not None:
        rows = [
            (item.product_id, item.variant_id)
            for item in WishlistItem.objects.filter(user=user).only("product_id", "variant_id")
        ]
    else:
        rows = list(reversed(_session_entries(session)))
    products = Product.objects.browsable().select_related("brand", "category")
    products = products.prefetch_related("variants").in_bulk([p for p, _ in rows])
    saved = []
    for product_id, variant_id in rows:
        product = products.get(product_id)
        if product is None:
            continue
        variants = {v.pk: v for v in product.variants.all()}
        if variant_id is not None and variant_id not in variants:
            continue
        saved.append(SavedItem(product, variants.get(variant_id) if variant_id else None))
    return saved


def wishlist_product(*, product_id: int | None) -> Product | None:
    """A product the heart button is drawn for (with its sizes), if it is in the shop."""
    if product_id is None:
        return None
    return Product.objects.browsable().prefetch_related("variants").filter(pk=product_id).first()


def wishlist_product_ids(*, user: AbstractBaseUser | None, session: SessionBase) -> set[int]:
    if user is not None:
        return set(WishlistItem.objects.filter(user=user).values_list("product_id", flat=True))
    return {product_id for product_id, _ in _session_entries(session)}
