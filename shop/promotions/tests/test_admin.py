from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shop.promotions.models import Voucher, VoucherUse
from shop.promotions.tests.factories import order_make, voucher_make

pytestmark = pytest.mark.django_db

VOUCHERS = "/admin/promotions/voucher/"


@pytest.fixture
def admin_client_() -> Client:
    user = User.objects.create_superuser("boss", "boss@example.com", "pw-123456789")
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_lists_vouchers_with_their_uses_and_adds_one(admin_client_):
    voucher = voucher_make(code="SAVE10", usage_limit=5)
    VoucherUse.objects.create(voucher=voucher, order=order_make(), email="a@example.com")

    html = admin_client_.get(VOUCHERS).content.decode()
    assert "SAVE10" in html and "10% off" in html

    response = admin_client_.post(
        f"{VOUCHERS}add/",
        {
            "code": "flat 200",
            "kind": "fixed",
            "value": "200",
            "minimum_order": "999",
            "is_active": "on",
            "per_customer_limit": "1",
            "uses-TOTAL_FORMS": "0",
            "uses-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Voucher.objects.filter(code="FLAT200").exists()


def test_a_used_voucher_is_turned_off_not_deleted(admin_client_):
    used = voucher_make(code="USED")
    VoucherUse.objects.create(voucher=used, order=order_make(), email="a@example.com")

    assert admin_client_.get(f"{VOUCHERS}{used.pk}/delete/").status_code == 403
    admin_client_.post(
        VOUCHERS, {"action": "deactivate", "_selected_action": [used.pk]}, follow=True
    )
    used.refresh_from_db()
    assert used.is_active is False
