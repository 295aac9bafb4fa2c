from __future__ import annotations

import html as htmllib
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shop.cart.tests.factories import product_make, variant_of
from shop.orders.models import Order, OrderStatus
from shop.orders.services import order_place
from shop.orders.tests.helpers import DETAILS, cart_with, token

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def staff() -> Client:
    User.objects.create_superuser("boss", "boss@example.com", "pw-123456789")
    client = Client()
    client.login(username="boss", password="pw-123456789")
    return client


def _order(product, quantity: int = 2, email: str = "asha@example.com") -> Order:
    from dataclasses import replace

    return order_place(
        cart_id=cart_with((product, "M", quantity)).pk,
        details=replace(DETAILS, email=email),
        checkout_token=token(),
    )


def test_orders_are_found_by_number_or_email_and_filtered_by_status(staff):
    product = product_make()
    first, second = _order(product), _order(product, email="ravi@example.com")
    html = staff.get(CHANGELIST, {"q": first.number}).content.decode()
    assert first.number in html and second.number not in html
    html = staff.get(CHANGELIST, {"q": "ravi@example.com"}).content.decode()
    assert second.number in html and first.number not in html
    Order.objects.filter(pk=second.pk).update(status=OrderStatus.CONFIRMED)
    html = staff.get(CHANGELIST, {"status__exact": "confirmed"}).content.decode()
    assert second.number in html and first.number not in html
    assert staff.get(CHANGELIST, {"payment_method__exact": "cod"}).status_code == 200


def test_the_change_page_shows_lines_read_only_and_offers_only_allowed_statuses(staff):
    order = _order(product_make())
    html = staff.get(f"{CHANGELIST}{order.pk}/change/").content.decode()
    assert "Test Linen Kurta" in html and "₹2,598" in html
    assert 'name="lines-0-quantity"' not in html  # inline is read-only
    options = html[
        html.index('name="status"') : html.index("</select>", html.index('name="status"'))
    ]
    assert 'value="confirmed"' in options and 'value="cancelled"' in options
    assert 'value="shipped"' not in options and 'value="delivered"' not in options


def _change(staff: Client, url: str, status: str) -> object:
    """Post the change form as a browser would: its hidden inputs (the inline's) + status."""
    page = staff.get(url).content.decode()
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    data = {name: htmllib.unescape(value) for name, value in hidden}
    return staff.post(url, {**data, "status": status})


def test_a_status_change_in_the_admin_goes_through_the_workflow(staff):
    product = product_make(stock=5)
    order = _order(product)
    url = f"{CHANGELIST}{order.pk}/change/"
    assert _change(staff, url, "confirmed").status_code == 302
    order.refresh_from_db()
    assert order.status == "confirmed"
    refused = _change(staff, url, "placed")
    assert refused.status_code == 200  # the form says it is not a valid choice
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert _change(staff, url, "cancelled").status_code == 302
    assert variant_of(product, "M").stock == 5


def test_the_cancel_action_puts_stock_back_once_and_reports_refusals(staff):
    product = product_make(stock=6)
    placed, delivered = _order(product), _order(product)
    for status in ("confirmed", "shipped", "delivered"):
        Order.objects.filter(pk=delivered.pk).update(status=status)
    assert variant_of(product, "M").stock == 2
    data = {"action": "mark_cancelled", "_selected_action": [placed.pk, delivered.pk]}
    response = staff.post(CHANGELIST, data, follow=True)
    html = response.content.decode()
    assert "1 order(s) now cancelled." in html
    assert f"{delivered.number}: An order that is delivered cannot become cancelled." in html
    assert variant_of(product, "M").stock == 4
    staff.post(CHANGELIST, {"action": "mark_cancelled", "_selected_action": [placed.pk]})
    assert variant_of(product, "M").stock == 4


def test_orders_cannot_be_added_or_deleted_in_the_admin(staff):
    order = _order(product_make())
    assert staff.get(f"{CHANGELIST}add/").status_code == 403
    assert staff.get(f"{CHANGELIST}{order.pk}/delete/").status_code == 403


def test_the_list_shows_the_customer_and_names_delivery_and_payment_in_words(staff):
    order = _order(product_make())
    row = staff.get(CHANGELIST).content.decode()
    assert f'<td class="field-name">{htmllib.escape(order.name)}</td>' in row
    assert f'<td class="field-delivery_name">{order.delivery_name}</td>' in row
    assert '<td class="field-payment_label">Cash on delivery</td>' in row
    assert '<td class="field-payment_method">cod</td>' not in row
