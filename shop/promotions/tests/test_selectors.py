from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from shop.catalog.models import Brand, Category
from shop.promotions.exceptions import VoucherError
from shop.promotions.models import VoucherKind, VoucherUse
from shop.promotions.selectors import PricedLine, voucher_apply, voucher_discount
from shop.promotions.tests.factories import order_make, voucher_make

pytestmark = pytest.mark.django_db


def _lines(*amounts: str, brand_id: int | None = None, category_id: int = 1) -> list[PricedLine]:
    return [
        PricedLine(key=i, brand_id=brand_id, category_id=category_id, amount=Decimal(a))
        for i, a in enumerate(amounts, start=1)
    ]


def test_a_percentage_is_shared_over_the_lines_to_the_paisa():
    voucher = voucher_make(value="12.5")
    # 12.5% of 1000.03 = 125.00375 -> 125.00, shared over three awkward amounts.
    discount = voucher_discount(voucher=voucher, lines=_lines("333.33", "333.35", "333.35"))

    assert discount.total == Decimal("125.00")
    assert sum(discount.lines.values()) == Decimal("125.00")
    assert all(share == share.quantize(Decimal("0.01")) for share in discount.lines.values())
    assert discount.lines == {1: Decimal("41.66"), 2: Decimal("41.67"), 3: Decimal("41.67")}


def test_a_fixed_amount_never_takes_off_more_than_the_items_cost():
    voucher = voucher_make(kind=VoucherKind.FIXED, value="500")

    discount = voucher_discount(voucher=voucher, lines=_lines("120.00", "79.99"))

    assert discount.total == Decimal("199.99")
    assert discount.lines == {1: Decimal("120.00"), 2: Decimal("79.99")}


def test_codes_are_found_in_any_case_and_unique_in_any_case():
    voucher_make(code="Diwali20", value="20")

    assert voucher_apply(code=" diwali20 ", lines=_lines("100")).total == Decimal("20.00")
    with pytest.raises(IntegrityError):
        voucher_make(code="DIWALI20")


def test_a_minimum_order_is_counted_on_the_items_the_voucher_applies_to():
    puma = Brand.objects.create(name="Puma", slug="puma")
    other = Brand.objects.create(name="Other", slug="other")
    voucher = voucher_make(minimum_order="1000")
    voucher.brands.add(puma)
    lines = [
        PricedLine(key=1, brand_id=puma.pk, category_id=1, amount=Decimal("800")),
        PricedLine(key=2, brand_id=other.pk, category_id=1, amount=Decimal("5000")),
    ]

    with pytest.raises(VoucherError, match="items it applies to total of ₹1,000"):
        voucher_discount(voucher=voucher, lines=lines)

    lines[0] = PricedLine(key=1, brand_id=puma.pk, category_id=1, amount=Decimal("1000"))
    assert voucher_discount(voucher=voucher, lines=lines).lines == {1: Decimal("100.00")}


def test_an_article_type_limit_leaves_other_lines_alone():
    shoes = Category.objects.create(name="Shoes", slug="shoes")
    voucher = voucher_make()
    voucher.article_types.add(shoes)

    with pytest.raises(VoucherError, match="does not apply"):
        voucher_discount(voucher=voucher, lines=_lines("100", category_id=shoes.pk + 1))
    discount = voucher_discount(voucher=voucher, lines=_lines("100", category_id=shoes.pk))
    assert discount.total == Decimal("10.00")


def test_a_voucher_works_only_inside_its_window():
    now = timezone.now()
    voucher_make(code="LATER", starts_at=now + timedelta(hours=1))
    voucher_make(code="OVER", ends_at=now - timedelta(seconds=1))
    voucher_make(code="OFF", is_active=False)

    with pytest.raises(VoucherError, match="can be used from"):
        voucher_apply(code="later", lines=_lines("100"))
    for code in ("over", "off"):
        with pytest.raises(VoucherError, match="has expired"):
            voucher_apply(code=code, lines=_lines("100"))
    with pytest.raises(VoucherError, match="not a voucher code"):
        voucher_apply(code="nope", lines=_lines("100"))


def test_usage_limits_count_all_orders_and_each_shoppers_by_email_and_by_account(
    django_user_model,
):
    voucher = voucher_make(usage_limit=3, per_customer_limit=1)
    user = django_user_model.objects.create_user("asha", "asha@example.com", "pw")
    VoucherUse.objects.create(voucher=voucher, order=order_make(), email="asha@example.com")

    with pytest.raises(VoucherError, match="already used"):
        voucher_apply(code="SAVE10", lines=_lines("100"), email="ASHA@example.com")
    assert voucher_apply(code="SAVE10", lines=_lines("100"), email="ravi@example.com")

    VoucherUse.objects.create(voucher=voucher, order=order_make(), email="x@example.com", user=user)
    with pytest.raises(VoucherError, match="already used"):
        voucher_apply(code="SAVE10", lines=_lines("100"), email="new@example.com", user=user)

    VoucherUse.objects.create(voucher=voucher, order=order_make(), email="y@example.com")
    with pytest.raises(VoucherError, match="used up"):
        voucher_apply(code="SAVE10", lines=_lines("100"), email="ravi@example.com")
