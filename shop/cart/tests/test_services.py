from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from shop.cart.exceptions import CartError
from shop.cart.models import Cart, CartLine
from shop.cart.services import (
    cart_attach_to_user,
    cart_create,
    cart_line_add,
    cart_line_quantity_set,
    cart_line_remove,
    cart_line_update,
)
from shop.cart.tests.factories import product_make, variant_of

pytestmark = pytest.mark.django_db


def _add(cart: Cart, product, size: str, quantity: int = 1) -> CartLine:
    return cart_line_add(
        cart=cart,
        product_id=product.pk,
        variant_id=variant_of(product, size).pk,
        quantity=quantity,
    )


def test_adding_the_same_size_twice_raises_one_lines_quantity():
    cart, product = cart_create(), product_make()
    _add(cart, product, "M", 2)
    line = _add(cart, product, "M", 3)
    assert line.quantity == 5
    assert list(cart.lines.values_list("variant__size", "quantity")) == [("M", 5)]


def test_different_sizes_are_different_lines():
    cart, product = cart_create(), product_make()
    _add(cart, product, "S")
    _add(cart, product, "L")
    assert sorted(cart.lines.values_list("variant__size", flat=True)) == ["L", "S"]


@pytest.mark.parametrize("quantity", [0, -1, 11, 10**12])
def test_quantities_below_one_or_above_the_cap_are_refused(quantity):
    cart, product = cart_create(), product_make()
    with pytest.raises(CartError) as error:
        _add(cart, product, "M", quantity)
    assert error.value.status == 400
    assert ("at least 1" in error.value.message) or ("at most 10" in error.value.message)
    assert not cart.lines.exists()


def test_adding_past_the_cap_counts_what_is_already_in_the_cart():
    cart, product = cart_create(), product_make()
    _add(cart, product, "M", 8)
    with pytest.raises(CartError, match="8 already in your cart"):
        _add(cart, product, "M", 3)
    assert cart.lines.get().quantity == 8


def test_another_products_size_is_refused():
    cart, mine, other = cart_create(), product_make(), product_make(name="Other")
    with pytest.raises(CartError, match="does not exist for this product"):
        cart_line_add(
            cart=cart, product_id=mine.pk, variant_id=variant_of(other, "M").pk, quantity=1
        )
    assert not cart.lines.exists()


def test_an_unknown_size_id_is_refused():
    cart, product = cart_create(), product_make()
    with pytest.raises(CartError, match="does not exist"):
        cart_line_add(cart=cart, product_id=product.pk, variant_id=987654321, quantity=1)


def test_inactive_sizes_hidden_products_and_unpriced_products_cannot_be_added():
    cart = cart_create()
    inactive = product_make()
    inactive.variants.filter(size="M").update(is_active=False)
    hidden = product_make(name="Hidden")
    hidden.is_active = False
    hidden.save()
    unpriced = product_make(name="Unpriced", price=None)
    for product in (inactive, hidden, unpriced):
        with pytest.raises(CartError, match="not available to buy"):
            _add(cart, product, "M")
    assert not cart.lines.exists()


def test_tracked_stock_limits_what_can_be_added():
    cart, product = cart_create(), product_make(stock=2)
    _add(cart, product, "M", 2)
    with pytest.raises(CartError, match=r"Only 2 of Test Linen Kurta \(size M\) left") as error:
        _add(cart, product, "M", 1)
    assert error.value.status == 409
    variant_of(product, "S").__class__.objects.filter(product=product).update(stock=0)
    with pytest.raises(CartError, match="out of stock"):
        _add(cart, product, "S", 1)


def test_quantity_can_be_changed_within_bounds_and_stock():
    cart, product = cart_create(), product_make(stock=4)
    line = _add(cart, product, "M")
    assert cart_line_quantity_set(cart=cart, line_id=line.pk, quantity=4).quantity == 4
    with pytest.raises(CartError, match="Only 4"):
        cart_line_quantity_set(cart=cart, line_id=line.pk, quantity=5)
    with pytest.raises(CartError, match="at least 1"):
        cart_line_quantity_set(cart=cart, line_id=line.pk, quantity=0)
    line.refresh_from_db()
    assert line.quantity == 4


def test_lines_of_another_cart_cannot_be_changed_or_removed():
    mine, theirs, product = cart_create(), cart_create(), product_make()
    their_line = _add(theirs, product, "M")
    with pytest.raises(CartError) as error:
        cart_line_quantity_set(cart=mine, line_id=their_line.pk, quantity=2)
    assert error.value.status == 404
    with pytest.raises(CartError):
        cart_line_remove(cart=mine, line_id=their_line.pk)
    assert CartLine.objects.filter(pk=their_line.pk, quantity=1).exists()


def test_removing_a_line_empties_it_from_the_cart():
    cart, product = cart_create(), product_make()
    line = _add(cart, product, "M")
    cart_line_remove(cart=cart, line_id=line.pk)
    assert not cart.lines.exists()


@override_settings(SHOP_CART_MAX_LINES=2)
def test_a_cart_holds_a_bounded_number_of_lines():
    cart, product = cart_create(), product_make(sizes=("S", "M", "L"))
    _add(cart, product, "S")
    _add(cart, product, "M")
    with pytest.raises(CartError, match="at most 2 items"):
        _add(cart, product, "L")


def test_at_login_an_anonymous_cart_becomes_the_users_cart():
    user = User.objects.create_user("asha", password="pw-123456789")
    cart, product = cart_create(), product_make()
    _add(cart, product, "M")
    assert cart_attach_to_user(cart_id=cart.pk, user=user) == cart
    cart.refresh_from_db()
    assert cart.user == user


def test_at_login_lines_merge_into_the_cart_the_user_already_had_capped_per_line():
    user = User.objects.create_user("ravi", password="pw-123456789")
    product = product_make()
    theirs = cart_create(user=user)
    _add(theirs, product, "M", 7)
    _add(theirs, product, "S", 1)
    anonymous = cart_create()
    _add(anonymous, product, "M", 6)
    _add(anonymous, product, "L", 2)

    assert cart_attach_to_user(cart_id=anonymous.pk, user=user) == theirs
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert dict(theirs.lines.values_list("variant__size", "quantity")) == {
        "M": 10,
        "S": 1,
        "L": 2,
    }


def test_another_users_cart_id_is_never_taken_over_at_login():
    owner = User.objects.create_user("owner", password="pw-123456789")
    intruder = User.objects.create_user("intruder", password="pw-123456789")
    owned = cart_create(user=owner)
    assert cart_attach_to_user(cart_id=owned.pk, user=intruder) is None
    owned.refresh_from_db()
    assert owned.user == owner


def test_a_lines_size_can_be_changed_and_joins_that_size_if_already_in_the_bag():
    cart = cart_create()
    product = product_make(stock=5)
    medium = _add(cart, product, "M", 2)
    large = cart_line_update(
        cart=cart, line_id=medium.pk, quantity=2, variant_id=variant_of(product, "L").pk
    )
    assert large.pk == medium.pk and large.variant.size == "L" and large.quantity == 2
    small = _add(cart, product, "S", 1)
    joined = cart_line_update(
        cart=cart, line_id=small.pk, quantity=1, variant_id=variant_of(product, "L").pk
    )
    assert joined.pk == large.pk and joined.quantity == 3
    assert list(cart.lines.values_list("variant__size", "quantity")) == [("L", 3)]


def test_a_size_change_is_refused_for_a_sold_out_size_or_another_product():
    cart = cart_create()
    product, other = product_make(), product_make(name="Other")
    line = _add(cart, product, "M")
    variant_of(product, "L").__class__.objects.filter(pk=variant_of(product, "L").pk).update(
        stock=0
    )
    with pytest.raises(CartError, match="out of stock"):
        cart_line_update(
            cart=cart, line_id=line.pk, quantity=1, variant_id=variant_of(product, "L").pk
        )
    with pytest.raises(CartError, match="does not exist"):
        cart_line_update(
            cart=cart, line_id=line.pk, quantity=1, variant_id=variant_of(other, "L").pk
        )
    line.refresh_from_db()
    assert line.variant.size == "M"  # nothing changed
