"""Reads for shoppers' accounts: saved addresses and order history."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from shop.accounts.models import Address
from shop.orders.models import Order

# The checkout form's address fields, named as on Address.
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "state", "postcode", "phone")


def address_list(*, user: AbstractBaseUser) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def address_get(*, user: AbstractBaseUser, address_id: int) -> Address | None:
    return Address.objects.filter(user=user, pk=address_id).first()


def address_default(*, user: AbstractBaseUser) -> Address | None:
    return Address.objects.filter(user=user, is_default=True).first()


def address_checkout_initial(*, user: AbstractBaseUser | AnonymousUser) -> dict[str, str]:
    """The checkout form's address fields from the shopper's default address ({} if none)."""
    if not user.is_authenticated:
        return {}
    address = address_default(user=user)
    if address is None:
        return {}
    return {field: getattr(address, field) for field in ADDRESS_FIELDS}


def order_history(*, user: AbstractBaseUser) -> QuerySet[Order]:
    """The orders a shopper placed while logged in, newest first, with their lines."""
    return Order.objects.filter(user=user).prefetch_related("lines")


def order_for_user(*, user: AbstractBaseUser, number: str) -> Order | None:
    """One of the shopper's own orders; None for anyone else's (the page says 404)."""
    return order_history(user=user).filter(number=number).first()
