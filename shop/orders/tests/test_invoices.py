"""GST tax invoices: amounts to the paisa, CGST+SGST or IGST, numbers without gaps, PDF."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.utils import timezone

from shop.cart.models import Cart
from shop.cart.tests.factories import product_make
from shop.catalog.models import Category
from shop.orders import payments
from shop.orders.exceptions import OrderError
from shop.orders.invoices import (
    _financial_year,
    invoice_html,
    invoice_issue,
    seller_state_check,
    tax_split,
)
from shop.orders.models import HsnCode, Invoice, InvoiceSequence, Order, OrderStatus
from shop.orders.services import order_place, order_status_change
from shop.orders.tests.helpers import DETAILS, cart_with, token
from shop.orders.tests.test_views import _checkout_form, _fill_cart
from shop.promotions.models import VoucherKind
from shop.promotions.tests.factories import voucher_make
from shop.settings import envgstin

pytestmark = pytest.mark.django_db

SELLER = {
    "SHOP_SELLER_GSTIN": "29ABCDE1234F1Z5",
    "SHOP_SELLER_STATE": "Karnataka",
    "SHOP_INVOICE_PREFIX": "TL",
}


def _series() -> str:
    return "TL" + _financial_year(timezone.now())


def _place(*items: tuple[object, str, int], **details: str) -> Order:
    cart = cart_with(*items)
    return order_place(
        cart_id=cart.pk, details=dataclasses.replace(DETAILS, **details), checkout_token=token()
    )


def test_a_gst_inclusive_amount_splits_into_taxable_value_and_tax_to_the_paisa():
    split = tax_split(amount=Decimal("1299.00"), rate=Decimal(5), intra_state=True)
    assert split == type(split)(
        taxable_value=Decimal("1237.14"),
        cgst=Decimal("30.93"),
        sgst=Decimal("30.93"),
        igst=Decimal(0),
    )
    odd = tax_split(amount=Decimal("100.01"), rate=Decimal(18), intra_state=True)
    assert (odd.taxable_value, odd.cgst, odd.sgst) == (
        Decimal("84.75"),
        Decimal("7.63"),
        Decimal("7.63"),
    )
    across = tax_split(amount=Decimal("100.01"), rate=Decimal(18), intra_state=False)
    assert (across.cgst, across.sgst, across.igst) == (0, 0, Decimal("15.26"))


@override_settings(**SELLER)
def test_an_order_in_the_sellers_state_gets_cgst_and_sgst_adding_up_to_its_total():
    kurta = product_make(price="1299.00", stock=5)
    tee = product_make(name="Cotton Tee", price="349.50")

    order = _place((kurta, "M", 2), (tee, "L", 1))
    invoice = order.invoice

    assert invoice.number == f"{_series()}/000001"
    assert invoice.intra_state and invoice.igst == 0
    assert (invoice.seller_gstin, invoice.place_of_supply) == ("29ABCDE1234F1Z5", "Karnataka")
    lines = list(invoice.lines.all())
    assert [(line.hsn_code, line.rate) for line in lines] == [("6211", 5), ("6211", 5)]
    assert invoice.total == order.total == Decimal("2947.50")
    assert invoice.taxable_value + invoice.cgst + invoice.sgst == order.total
    assert sum(line.amount for line in lines) == order.total


@override_settings(**SELLER)
def test_another_state_gets_igst_on_the_discounted_lines_and_the_delivery():
    kurta = product_make(price="1299.00")
    shoes = Category.objects.create(name="Test Shoes", slug="test-shoes")
    HsnCode.objects.create(
        article_type=kurta.category,
        hsn_code="6204",
        rate=Decimal(5),
        higher_rate=Decimal(18),
        higher_rate_above=Decimal("1000"),
    )
    HsnCode.objects.create(article_type=shoes, hsn_code="6404", rate=Decimal(12))
    sock = product_make(name="Sock", price="33.33")
    sock.category = shoes
    sock.save()
    voucher_make(code="TENOFF", kind=VoucherKind.PERCENTAGE, value="10")
    cart = cart_with((kurta, "M", 1), (sock, "S", 1))
    Cart.objects.filter(pk=cart.pk).update(voucher_code="TENOFF")

    order = order_place(
        cart_id=cart.pk,
        details=dataclasses.replace(DETAILS, state="Maharashtra"),
        checkout_token=token(),
    )
    invoice = order.invoice

    # 1332.33 less 10% = 1199.10; delivery 99 on it (under 999? no: 1199.10 is free).
    assert order.discount == Decimal("133.23") and order.delivery_price == 0
    lines = list(invoice.lines.all())
    # The kurta sells for 1169.10 after its share: above 1,000, so 18%.
    assert [(line.hsn_code, line.rate, line.amount) for line in lines] == [
        ("6204", Decimal(18), Decimal("1169.10")),
        ("6404", Decimal(12), Decimal("30.00")),
    ]
    assert not invoice.intra_state and invoice.cgst == invoice.sgst == 0
    assert invoice.total == order.total == Decimal("1199.10")
    assert invoice.taxable_value + invoice.igst == order.total


@override_settings(**SELLER, SHOP_FREE_DELIVERY_OVER=5000)
def test_the_delivery_charge_is_a_line_at_the_goods_highest_rate():
    order = _place((product_make(price="499.00"), "M", 1), state="Kerala")
    delivery = order.invoice.lines.get(hsn_code="996812")
    assert (delivery.amount, delivery.rate) == (Decimal("99.00"), Decimal(5))
    assert order.invoice.total == order.total == Decimal("598.00")


@override_settings(**SELLER)
def test_numbers_have_no_gaps_when_a_checkout_rolls_back(monkeypatch):
    first = _place((product_make(), "M", 1))

    def refuse(order: Order) -> payments.PaymentResult:
        return payments.PaymentResult(approved=False, message="Refused.")

    monkeypatch.setattr(payments.CashOnDelivery, "authorise", lambda self, order: refuse(order))
    with pytest.raises(OrderError):
        _place((product_make(), "M", 1), email="other@example.com")
    monkeypatch.undo()
    second = _place((product_make(), "M", 1), email="third@example.com")

    assert first.invoice.number.endswith("/000001")
    assert second.invoice.number.endswith("/000002")
    assert InvoiceSequence.objects.get(series=_series()).last_number == 2


@override_settings(**SELLER)
def test_an_order_has_one_invoice_and_a_cancelled_or_unpaid_one_gets_none_later():
    order = _place((product_make(), "M", 1))
    assert invoice_issue(order_id=order.pk) == order.invoice
    Invoice.objects.all().delete()
    order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED)

    with pytest.raises(OrderError, match="cancelled has no invoice"):
        invoice_issue(order_id=order.pk)


@override_settings(**SELLER)
def test_the_invoice_html_names_seller_buyer_hsn_and_taxes():
    order = _place((product_make(name="Linen Kurta", price="1299.00"), "M", 1))
    html = invoice_html(invoice=order.invoice)
    for text in ("Tax invoice", "29ABCDE1234F1Z5", order.invoice.number, order.number):
        assert text in html
    assert "CGST" in html and "SGST" in html and "IGST" not in html
    assert "Linen Kurta (M)" in html and "6211" in html and "₹1,237.14" in html


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@override_settings(**SELLER)
def test_the_shopper_who_ordered_downloads_the_pdf_and_nobody_else(client, tmp_path):
    _fill_cart(client, product_make(name="Linen Kurta", price="1299.00"))
    assert client.post("/checkout/", _checkout_form(client)).status_code == 302
    order = Order.objects.get()
    page = client.get(order.get_absolute_url()).content.decode()
    assert f'href="/orders/{order.number}/invoice.pdf"' in page

    response = client.get(f"/orders/{order.number}/invoice.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="invoice-TL')
    text = _pdf_text(response.content, tmp_path)
    assert "Tax invoice" in text and "29ABCDE1234F1Z5" in text and order.number in text
    assert order.invoice.number in text and "CGST" in text
    assert Client().get(f"/orders/{order.number}/invoice.pdf").status_code == 404


@override_settings(**SELLER)
def test_a_signed_in_shopper_downloads_their_orders_invoice_from_any_browser(
    client, django_user_model
):
    user = django_user_model.objects.create_user("asha", "asha@example.com", "pw-123456789")
    cart = cart_with((product_make(), "M", 1))
    order = order_place(cart_id=cart.pk, details=DETAILS, checkout_token=token(), user=user)
    client.force_login(user)

    page = client.get(f"/accounts/orders/{order.number}/").content.decode()
    assert f"/orders/{order.number}/invoice.pdf" in page
    assert client.get(f"/orders/{order.number}/invoice.pdf").status_code == 200
    other = Client()
    other.force_login(django_user_model.objects.create_user("ravi", "ravi@example.com", "pw"))
    assert other.get(f"/orders/{order.number}/invoice.pdf").status_code == 404


@override_settings(**SELLER)
def test_staff_who_may_view_orders_download_the_invoice_from_the_admin(tmp_path):
    order = _place((product_make(), "M", 1))
    url = f"/admin/orders/order/{order.pk}/invoice/"
    staff = User.objects.create_user("clerk", password="pw-123456789", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(url).status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert order.invoice.number in _pdf_text(response.content, tmp_path)
    assert _pdf_text(response.content, tmp_path).count(order.number) == 1


def test_a_seller_gstin_setting_must_look_like_one(monkeypatch):
    monkeypatch.setenv("SHOP_SELLER_GSTIN", " 29abcde1234f1z5 ")
    assert envgstin("SHOP_SELLER_GSTIN", "") == "29ABCDE1234F1Z5"
    monkeypatch.setenv("SHOP_SELLER_GSTIN", "29ABCDE1234F1X5")
    with pytest.raises(ImproperlyConfigured, match="SHOP_SELLER_GSTIN must be a 15-character"):
        envgstin("SHOP_SELLER_GSTIN", "")


def test_a_seller_state_checkout_does_not_offer_fails_the_system_checks(settings):
    settings.SHOP_SELLER_STATE = "Karnatak"
    assert [error.id for error in seller_state_check()] == ["orders.E001"]
    settings.SHOP_SELLER_STATE = "Tamil Nadu"
    assert seller_state_check() == []


def test_drawing_an_invoice_leaves_truncated_photos_refused(sample_catalog):
    from conftest import BAD_IMAGES
    from shop import images
    from shop.orders.invoices import invoice_pdf

    order = order_place(
        cart_id=cart_with((product_make(), "M", 1)).pk, details=DETAILS, checkout_token=token()
    )
    assert invoice_pdf(invoice=invoice_issue(order_id=order.pk)).startswith(b"%PDF")
    # WeasyPrint's import turns Pillow's LOAD_TRUNCATED_IMAGES on for the process.
    data = (BAD_IMAGES / "truncated_jpeg.jpg").read_bytes()
    with pytest.raises(images.ImageRejected):
        images.decode_image(data, filename="truncated_jpeg.jpg")
