"""/api/vouchers/: staff with the model's permissions only."""

from __future__ import annotations

import pytest
from django.test import Client

from shop.catalog.models import Brand
from shop.promotions.models import Voucher, VoucherUse
from shop.promotions.tests.factories import order_make, voucher_make
from shop.tests.helpers import staff_client

pytestmark = pytest.mark.django_db

VOUCHERS = "/api/vouchers/"


def _client(*actions: str, staff: bool = True) -> Client:
    return staff_client(Voucher, *actions, staff=staff)


@pytest.fixture
def manager() -> Client:
    return _client("view", "add", "change", "delete")


def _post(client: Client, url: str, body: dict, method: str = "post"):  # noqa: ANN202
    return getattr(client, method)(url, body, content_type="application/json")


def test_a_manager_creates_reads_updates_and_deletes_a_voucher(manager):
    brand = Brand.objects.create(name="Puma", slug="puma-api")
    body = {"code": " diwali 20 ", "kind": "percentage", "value": "20", "brands": [brand.pk]}

    created = _post(manager, VOUCHERS, body)
    assert created.status_code == 201, created.json()
    voucher = created.json()
    assert (voucher["code"], voucher["brands"], voucher["uses"]) == ("DIWALI20", [brand.pk], 0)
    assert voucher["per_customer_limit"] == 1

    url = f"{VOUCHERS}{voucher['id']}/"
    assert manager.get(VOUCHERS).json()["count"] == 1
    patched = _post(manager, url, {"usage_limit": 100}, method="patch").json()
    assert patched["usage_limit"] == 100
    assert manager.delete(url).status_code == 204
    assert not Voucher.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "diwali", "kind": "percentage", "value": "20"}, "code"),  # taken, any case
        ({"code": "X", "kind": "percentage", "value": "120"}, "value"),
        ({"code": "X", "kind": "fixed", "value": "0"}, "value"),
        (
            {
                "code": "X",
                "kind": "fixed",
                "value": "5",
                "starts_at": "2026-12-10T00:00:00+05:30",
                "ends_at": "2026-12-01T00:00:00+05:30",
            },
            "ends_at",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager, body, field):
    voucher_make(code="DIWALI")
    response = _post(manager, VOUCHERS, body)
    assert response.status_code == 400
    assert field in response.json()["detail"]


def test_a_used_voucher_cannot_be_deleted(manager):
    voucher = voucher_make()
    VoucherUse.objects.create(voucher=voucher, order=order_make(), email="a@example.com")

    response = manager.delete(f"{VOUCHERS}{voucher.pk}/")

    assert response.status_code == 409
    assert manager.get(f"{VOUCHERS}{voucher.pk}/").json()["uses"] == 1


def test_everyone_but_staff_with_the_permission_is_refused():
    voucher_make()
    assert Client().get(VOUCHERS).status_code in (401, 403)
    assert _client("view", "add", staff=False).get(VOUCHERS).status_code == 403
    assert _client().get(VOUCHERS).status_code == 403
    viewer = _client("view")
    assert viewer.get(VOUCHERS).status_code == 200
    assert _post(viewer, VOUCHERS, {"code": "Y", "value": "5"}).status_code == 403
