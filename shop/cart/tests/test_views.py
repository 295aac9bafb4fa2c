from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shop.cart.models import Cart, CartLine
from shop.cart.tests.factories import product_make, variant_of

pytestmark = pytest.mark.django_db

ADD = "/cart/add/"


def _add(client: Client, product, size: str, quantity: object = 1, **extra) -> object:
    data = {"product": product.pk, "variant": variant_of(product, size).pk, "quantity": quantity}
    return client.post(ADD, data, **extra)


def _mini_cart_count(html: str) -> int:
    match = re.search(r'id="mini-cart"[^>]*>.*?<span class="count">(\d+)</span>', html, re.S)
    assert match, "no mini-cart"
    return int(match.group(1))


def test_the_product_page_offers_its_sizes_with_out_of_stock_ones_disabled(client):
    product = product_make(sizes=("S", "M"))
    product.variants.filter(size="S").update(stock=0)
    html = client.get(product.get_absolute_url()).content.decode()
    assert 'data-testid="add-to-cart"' in html
    # Tap-to-select sizes (radio buttons): a sold-out one is there, disabled, and says so.
    sold_out = variant_of(product, "S").pk
    assert f'value="{sold_out}" required disabled><span>S<span class="visually-hidden">' in html
    assert f'value="{variant_of(product, "M").pk}" required><span>M</span>' in html


def test_a_product_without_a_price_offers_no_add_to_cart(client):
    product = product_make(price=None)
    html = client.get(product.get_absolute_url()).content.decode()
    assert 'data-testid="add-to-cart"' not in html


def test_adding_without_javascript_redirects_to_the_cart(client):
    product = product_make(price="1299.00")
    response = _add(client, product, "M", 2)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    html = client.get("/cart/").content.decode()
    assert "Added to your cart: Test Linen Kurta, size M." in html
    assert _mini_cart_count(html) == 2
    assert re.search(r'data-testid="line-total">₹2,598<', html)


def test_htmx_adding_swaps_the_form_and_the_header_count(client):
    product = product_make()
    response = _add(client, product, "M", 3, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="add-to-cart"' in html
    assert "Added to your cart" in html
    assert 'hx-swap-oob="true"' in html
    assert _mini_cart_count(html) == 3


def test_a_tampered_price_in_the_form_is_ignored(client):
    product = product_make(price="1299.00")
    data = {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": 1}
    client.post(ADD, {**data, "price": "1.00", "unit_price": "1.00"})
    html = client.get("/cart/").content.decode()
    assert re.search(r'data-testid="subtotal">₹1,299<', html)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quantity": 0}, "Quantity must be at least 1."),
        ({"quantity": -3}, "Quantity must be at least 1."),
        ({"quantity": 11}, "You can buy at most 10 of one item."),
        ({"quantity": "lots"}, "Invalid request"),
        ({"variant": ""}, "Choose a size."),
        ({"variant": "987654321"}, "That size does not exist for this product."),
        ({"product": "abc"}, "Invalid request"),
        # Past any id: refused by the bounded number parsing (shop/inputs.py).
        ({"variant": str(10**20)}, "Enter a whole number."),
        ({"product": str(10**20)}, "Invalid request: Enter a whole number."),
        ({"product": "²"}, "Invalid request: Enter a whole number."),
    ],
)
def test_bad_additions_get_a_clear_400(client, data, message):
    product = product_make()
    form = {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": 1}
    response = client.post(ADD, {**form, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    htmx = client.post(ADD, {**form, **data}, headers={"HX-Request": "true"})
    assert htmx.status_code == 400
    assert message in htmx.content.decode()
    assert not CartLine.objects.exists()


def test_out_of_stock_is_a_409_naming_the_item(client):
    product = product_make(stock=1)
    response = _add(client, product, "M", 2)
    assert response.status_code == 409
    assert "Only 1 of Test Linen Kurta (size M) left." in response.content.decode()


def test_every_cart_form_needs_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    product = product_make()
    assert _add(client, product, "M").status_code == 403
    assert client.post("/cart/lines/1/update/", {"quantity": 2}).status_code == 403
    assert client.post("/cart/lines/1/remove/").status_code == 403
    html = client.get(product.get_absolute_url()).content.decode()
    form = html[html.index('data-testid="add-to-cart"') :]
    assert 'name="csrfmiddlewaretoken"' in form[: form.index("</form>")]


def test_the_cart_page_updates_quantities_and_removes_lines(client):
    product = product_make(price="400.00")
    _add(client, product, "M")
    line = CartLine.objects.get()
    html = client.get("/cart/").content.decode()
    assert re.search(r'data-testid="delivery">₹99<', html)
    assert re.search(r'data-testid="total">\s*<strong>₹499</strong>', html)

    response = client.post(f"/cart/lines/{line.pk}/update/", {"quantity": 3})
    assert response.status_code == 302
    html = client.get("/cart/").content.decode()
    assert re.search(r'data-testid="subtotal">₹1,200<', html)
    assert re.search(r'data-testid="delivery">Free<', html)

    htmx = client.post(
        f"/cart/lines/{line.pk}/update/", {"quantity": 0}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 400 and "Quantity must be at least 1." in htmx.content.decode()
    assert 'id="cart"' in htmx.content.decode() and "<html" not in htmx.content.decode()

    client.post(f"/cart/lines/{line.pk}/remove/")
    assert "Your bag is empty." in client.get("/cart/").content.decode()


def test_another_shoppers_line_cannot_be_touched(client):
    product = product_make()
    other = Client()
    _add(other, product, "M")
    line = CartLine.objects.get()
    _add(client, product, "S")
    assert client.post(f"/cart/lines/{line.pk}/update/", {"quantity": 5}).status_code == 404
    assert client.post(f"/cart/lines/{line.pk}/remove/").status_code == 404
    assert CartLine.objects.filter(pk=line.pk, quantity=1).exists()


def test_a_cart_page_names_items_that_went_out_of_stock_and_hides_checkout(client):
    product = product_make(stock=3)
    _add(client, product, "M", 2)
    product.variants.filter(size="M").update(stock=1)
    html = client.get("/cart/").content.decode()
    assert "Only 1 of Test Linen Kurta (size M) left; please lower the quantity." in html
    assert 'data-testid="checkout-link"' not in html


def test_the_cart_survives_login_and_merges_with_the_users_cart(client):
    user = User.objects.create_user("meera", password="pw-123456789", is_staff=True)
    product = product_make()
    earlier = Client()
    earlier.post("/admin/login/", {"username": "meera", "password": "pw-123456789"})
    _add(earlier, product, "S", 1)
    assert Cart.objects.get().user == user

    _add(client, product, "M", 2)
    response = client.post(
        "/admin/login/?next=/cart/", {"username": "meera", "password": "pw-123456789"}
    )
    assert response.status_code == 302
    html = client.get("/cart/").content.decode()
    assert _mini_cart_count(html) == 3
    assert Cart.objects.count() == 1
    assert dict(Cart.objects.get(user=user).lines.values_list("variant__size", "quantity")) == {
        "S": 1,
        "M": 2,
    }


def test_line_ids_beyond_the_databases_range_are_a_404(client):
    _add(client, product_make(), "M")
    huge = 10**20
    assert client.post(f"/cart/lines/{huge}/update/", {"quantity": 2}).status_code == 404
    assert client.post(f"/cart/lines/{huge}/remove/").status_code == 404


def test_wrong_methods_are_refused(client):
    assert client.get(ADD).status_code == 405
    assert client.post("/cart/").status_code == 405


def test_the_bag_changes_a_lines_size_without_javascript(client):
    from shop.cart.tests.factories import variant_of

    product = product_make(stock=3)
    _add(client, product, "M")
    line = CartLine.objects.get()
    html = client.get("/cart/").content.decode()
    assert 'data-testid="line-size"' in html
    large = variant_of(product, "L")
    response = client.post(f"/cart/lines/{line.pk}/update/", {"quantity": 1, "variant": large.pk})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.variant_id == large.pk
