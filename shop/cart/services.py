from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least

from shop.cart.exceptions import CartError
from shop.cart.models import Cart, CartLine
from shop.cart.selectors import cart_summary
from shop.catalog.models import ProductVariant
from shop.catalog.stock import stock_shortfall
from shop.promotions.exceptions import VoucherError
from shop.promotions.selectors import voucher_apply
from shop.search import attribution


def quantity_check(quantity: int) -> None:
    limit = settings.SHOP_CART_MAX_QUANTITY
    if quantity < 1:
        raise CartError("Quantity must be at least 1.")
    if quantity > limit:
        raise CartError(f"You can buy at most {limit} of one item.")


def cart_create(*, user: AbstractBaseUser | None = None) -> Cart:
    if user is not None:
        cart, _created = Cart.objects.get_or_create(user=user)
        return cart
    return Cart.objects.create()


def _purchasable_variant(*, product_id: int, variant_id: int) -> ProductVariant:
    variant = (
        ProductVariant.objects.select_related("product")
        .filter(pk=variant_id, product_id=product_id)
        .first()
    )
    if variant is None:
        raise CartError("That size does not exist for this product.")
    product = variant.product
    if not (variant.is_active and product.is_active) or product.price is None:
        raise CartError(f"{product.name} (size {variant.size}) is not available to buy.")
    return variant


def _stock_check(*, variant: ProductVariant, quantity: int) -> None:
    left = stock_shortfall(variant=variant, quantity=quantity)
    if left is None:
        return
    label = f"{variant.product.name} (size {variant.size})"
    if left == 0:
        raise CartError(f"{label} is out of stock.", status=409)
    raise CartError(f"Only {left} of {label} left.", status=409)


def cart_line_add(*, cart: Cart, product_id: int, variant_id: int, quantity: int) -> CartLine:
    """Add units of one size of a product; the same size again raises the line's quantity."""
    quantity_check(quantity)
    variant = _purchasable_variant(product_id=product_id, variant_id=variant_id)
    with transaction.atomic():
        line = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
        total = quantity + (line.quantity if line else 0)
        if line is not None and total > settings.SHOP_CART_MAX_QUANTITY:
            raise CartError(
                f"You can buy at most {settings.SHOP_CART_MAX_QUANTITY} of one item "
                f"({line.quantity} already in your cart)."
            )
        _stock_check(variant=variant, quantity=total)
        if line is not None:
            line.quantity = total
            line.save(update_fields=["quantity"])
        else:
            if cart.lines.count() >= settings.SHOP_CART_MAX_LINES:
                raise CartError(f"A cart holds at most {settings.SHOP_CART_MAX_LINES} items.")
            try:
                with transaction.atomic():
                    line = CartLine.objects.create(cart=cart, variant=variant, quantity=total)
            except IntegrityError:  # the same size added twice at once
                raise CartError(
                    "Your cart changed at the same time; please try again.", status=409
                ) from None
    return line


def _line_get(*, cart: Cart, line_id: int) -> CartLine:
    line = CartLine.objects.select_related("variant__product").filter(pk=line_id, cart=cart).first()
    if line is None:
        raise CartError("That item is not in your cart.", status=404)
    return line


def cart_line_quantity_set(*, cart: Cart, line_id: int, quantity: int) -> CartLine:
    quantity_check(quantity)
    line = _line_get(cart=cart, line_id=line_id)
    _stock_check(variant=line.variant, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


def cart_line_update(
    *, cart: Cart, line_id: int, quantity: int, variant_id: int | None = None
) -> CartLine:
    """Set a line's quantity and, with ``variant_id``, its size (of the same product).

    A size already in the bag takes this line's units (one line per size); stock and
    the per-item limit are checked for what the line will hold.
    """
    line = _line_get(cart=cart, line_id=line_id)
    if variant_id is None or variant_id == line.variant_id:
        return cart_line_quantity_set(cart=cart, line_id=line_id, quantity=quantity)
    quantity_check(quantity)
    variant = _purchasable_variant(product_id=line.variant.product_id, variant_id=variant_id)
    with transaction.atomic():
        other = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
        total = quantity + (other.quantity if other else 0)
        quantity_check(total)
        _stock_check(variant=variant, quantity=total)
        if other is not None:
            other.quantity = total
            other.save(update_fields=["quantity"])
            line.delete()
            return other
        line.variant = variant
        line.quantity = total
        line.save(update_fields=["variant", "quantity"])
    return line


def cart_line_remove(*, cart: Cart, line_id: int) -> None:
    _line_get(cart=cart, line_id=line_id).delete()


def cart_attach_to_user(*, cart_id: int | None, user: AbstractBaseUser) -> Cart | None:
    """At login: the anonymous cart becomes the user's, or merges into the cart they had.

    Merged quantities add up, capped at the per-line maximum. Returns the user's cart.
    """
    with transaction.atomic():
        mine = Cart.objects.select_for_update().filter(user=user).first()
        anonymous = None
        if cart_id is not None:
            anonymous = Cart.objects.select_for_update().filter(pk=cart_id, user=None).first()
        if anonymous is None:
            return mine
        if mine is None:
            anonymous.user = user
            anonymous.save(update_fields=["user", "updated_at"])
            return anonymous
        # The guest's voucher code goes along, unless the account's cart has one.
        if anonymous.voucher_code and not mine.voucher_code:
            mine.voucher_code = anonymous.voucher_code
            mine.save(update_fields=["voucher_code", "updated_at"])
        limit = settings.SHOP_CART_MAX_QUANTITY
        for line in anonymous.lines.all():
            updated = CartLine.objects.filter(cart=mine, variant_id=line.variant_id).update(
                quantity=Least(F("quantity") + line.quantity, Value(limit))
            )
            if not updated:
                CartLine.objects.create(
                    cart=mine, variant_id=line.variant_id, quantity=line.quantity
                )
        # What was added from a search still counts when the merged cart is ordered.
        attribution.search_cart_merged(from_cart_id=anonymous.pk, to_cart_id=mine.pk)
        anonymous.delete()
        return mine


def cart_voucher_apply(*, cart: Cart, code: str, user: AbstractBaseUser | None = None) -> str:
    """Keep a voucher code on the cart if it may be used now; returns the code as kept.

    What it takes off is priced with the cart every time (``cart_totals``), and checked
    again under a lock at checkout; a code that is refused here is not kept.
    """
    summary = cart_summary(cart_id=cart.pk)
    if summary.is_empty:
        raise CartError("Add something to your cart before using a voucher.")
    try:
        applied = voucher_apply(code=code, lines=summary.priced_lines, user=user)
    except VoucherError as error:
        raise CartError(error.message, status=error.status) from None
    cart.voucher_code = applied.voucher.code.upper()
    cart.save(update_fields=["voucher_code", "updated_at"])
    return cart.voucher_code


def cart_voucher_remove(*, cart: Cart) -> None:
    cart.voucher_code = ""
    cart.save(update_fields=["voucher_code", "updated_at"])
