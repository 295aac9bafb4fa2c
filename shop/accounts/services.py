"""Writes for shoppers' accounts: saved addresses and "buy again"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from shop.accounts.exceptions import AccountError
from shop.accounts.models import Address
from shop.accounts.selectors import ADDRESS_FIELDS
from shop.cart import services as cart_services
from shop.cart.exceptions import CartError
from shop.cart.models import Cart
from shop.catalog.stock import stock_shortfall
from shop.orders.models import Order

MAX_ADDRESSES = 20


def _lock_shopper(user: AbstractBaseUser) -> None:
    # Serialises one shopper's address writes (two "make default" at once, or a save
    # racing the limit), inside the caller's transaction.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def address_save(
    *, user: AbstractBaseUser, data: dict[str, Any], address_id: int | None = None
) -> Address:
    """Create or update one of the shopper's addresses.

    The first address is the default; marking another as default unmarks the old one
    (one default per user, also a database constraint).
    """
    with transaction.atomic():
        _lock_shopper(user)
        if address_id is None:
            if Address.objects.filter(user=user).count() >= MAX_ADDRESSES:
                raise AccountError(f"You can save at most {MAX_ADDRESSES} addresses.")
            address = Address(user=user)
        else:
            address = Address.objects.filter(user=user, pk=address_id).first()
            if address is None:
                raise AccountError("That address is not one of yours.", status=404)
        for name in ADDRESS_FIELDS:
            setattr(address, name, data.get(name, "") or "")
        has_default = Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk)
        make_default = bool(data.get("is_default")) or not has_default.exists()
        if make_default:
            has_default.update(is_default=False)
        address.is_default = make_default or (address.pk is not None and address.is_default)
        address.save()
        return address


def address_delete(*, user: AbstractBaseUser, address_id: int) -> None:
    """Delete an address; if it was the default, the newest other one becomes it."""
    with transaction.atomic():
        _lock_shopper(user)
        address = Address.objects.filter(user=user, pk=address_id).first()
        if address is None:
            raise AccountError("That address is not one of yours.", status=404)
        address.delete()
        if address.is_default:
            newest = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
            if newest is not None:
                Address.objects.filter(pk=newest.pk).update(is_default=True)


@dataclass
class BuyAgainResult:
    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def order_buy_again(*, order: Order, cart: Cart) -> BuyAgainResult:
    """Put an earlier order's items back in the cart, as far as they can still be bought.

    Each line goes through the cart's own ``cart_line_add`` (the same checks as the
    "Add to cart" button); a size with less stock than was bought is added with what is
    left. What cannot be added is named in ``skipped`` with the cart's reason.
    """
    result = BuyAgainResult()
    for line in order.lines.select_related("variant__product"):
        label = f"{line.product_name} (size {line.size})"
        variant = line.variant
        if variant is None:
            result.skipped.append(f"{label} is no longer sold.")
            continue
        # What is left when fewer than were bought (a sold-out size gets the cart's reason).
        left = stock_shortfall(variant=variant, quantity=line.quantity)
        quantity = left if left else line.quantity
        try:
            cart_services.cart_line_add(
                cart=cart, product_id=variant.product_id, variant_id=variant.pk, quantity=quantity
            )
        except CartError as error:
            result.skipped.append(error.message)
        else:
            result.added.append(label if quantity == 1 else f"{quantity} x {label}")
    return result
