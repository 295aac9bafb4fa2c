"""Which voucher a code names, whether it may be used, and what it takes off each line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from shop.money import CENT, format_money
from shop.promotions.exceptions import VoucherError
from shop.promotions.models import Voucher, VoucherKind, VoucherUse

CODE_MAX_LENGTH = 32


@dataclass(frozen=True)
class PricedLine:
    """What a voucher needs to know of a cart line: its key and what it costs in all."""

    key: int
    brand_id: int | None
    category_id: int
    amount: Decimal


@dataclass(frozen=True)
class VoucherDiscount:
    voucher: Voucher
    # Line key -> amount off; every line it applies to, adding up to ``total``.
    lines: dict[int, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.lines.values(), Decimal(0))


def code_normalise(code: str) -> str:
    return "".join(code.split()).upper()


def voucher_get(*, code: str, lock: bool = False) -> Voucher:
    """The voucher a code names, in any case; ``lock`` takes its row lock (checkout)."""
    code = code_normalise(code)
    if not code or len(code) > CODE_MAX_LENGTH:
        raise VoucherError("Enter a voucher code.")
    vouchers: QuerySet[Voucher] = Voucher.objects.all()
    if lock:
        vouchers = vouchers.select_for_update()
    voucher = vouchers.filter(code__iexact=code).first()
    if voucher is None:
        raise VoucherError(f"{code} is not a voucher code we know.", status=404)
    return voucher


def voucher_uses(
    *, voucher: Voucher, email: str = "", user: AbstractBaseUser | None = None
) -> tuple[int, int]:
    """Orders that used the voucher: in all, and by this e-mail address or account."""
    uses = VoucherUse.objects.filter(voucher=voucher)
    mine = Q(pk__in=[])
    if email:
        mine |= Q(email=email.strip().lower())
    if user is not None and user.is_authenticated:
        mine |= Q(user_id=user.pk)
    return uses.count(), uses.filter(mine).count()


def voucher_check(
    *,
    voucher: Voucher,
    email: str = "",
    user: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> None:
    """Raise ``VoucherError`` unless the voucher may be used now by this shopper."""
    now = now or timezone.now()
    code = voucher.code.upper()
    if not voucher.is_active or (voucher.ends_at is not None and now >= voucher.ends_at):
        raise VoucherError(f"{code} has expired.", status=409)
    if voucher.starts_at is not None and now < voucher.starts_at:
        starts = timezone.localtime(voucher.starts_at).strftime("%d %b %Y, %H:%M")
        raise VoucherError(f"{code} can be used from {starts}.", status=409)
    used, used_by_shopper = voucher_uses(voucher=voucher, email=email, user=user)
    if voucher.usage_limit is not None and used >= voucher.usage_limit:
        raise VoucherError(f"{code} has been used up.", status=409)
    if voucher.per_customer_limit is not None and used_by_shopper >= voucher.per_customer_limit:
        raise VoucherError(f"You have already used {code}.", status=409)


def _applies_to(voucher: Voucher, lines: list[PricedLine]) -> list[PricedLine]:
    brands = {brand.pk for brand in voucher.brands.all()}
    types = {category.pk for category in voucher.article_types.all()}
    return [
        line
        for line in lines
        if (not brands or line.brand_id in brands) and (not types or line.category_id in types)
    ]


def voucher_discount(*, voucher: Voucher, lines: list[PricedLine]) -> VoucherDiscount:
    """What the voucher takes off each line it applies to, to the paisa.

    The discount (a percentage rounded half up, or the fixed amount, never more than the
    items cost) is shared in proportion to each line's amount: every share is rounded
    down, then the paise left go one each to the lines that lost most (ties: first key),
    so the shares add up to the discount exactly.
    """
    eligible = _applies_to(voucher, lines)
    base = sum((line.amount for line in eligible), Decimal(0))
    code = voucher.code.upper()
    if not eligible:
        raise VoucherError(f"{code} does not apply to anything in your cart.", status=409)
    if base < voucher.minimum_order:
        what = "items it applies to" if len(eligible) < len(lines) else "cart"
        raise VoucherError(
            f"{code} needs a {what} total of {format_money(voucher.minimum_order)} or more.",
            status=409,
        )
    if voucher.kind == VoucherKind.PERCENTAGE:
        total = (base * voucher.value / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        total = min(voucher.value, base)
    shares: dict[int, Decimal] = {}
    remainders: list[tuple[Decimal, int]] = []
    for line in eligible:
        exact = total * line.amount / base
        shares[line.key] = exact.quantize(CENT, rounding=ROUND_DOWN)
        remainders.append((exact - shares[line.key], line.key))
    left = int((total - sum(shares.values(), Decimal(0))) / CENT)
    for _remainder, key in sorted(remainders, key=lambda r: (-r[0], r[1]))[:left]:
        shares[key] += CENT
    return VoucherDiscount(voucher=voucher, lines=shares)


def voucher_apply(
    *,
    code: str,
    lines: list[PricedLine],
    email: str = "",
    user: AbstractBaseUser | None = None,
    lock: bool = False,
) -> VoucherDiscount:
    """The discount a code gives these lines for this shopper now, or ``VoucherError``."""
    voucher = voucher_get(code=code, lock=lock)
    voucher_check(voucher=voucher, email=email, user=user)
    return voucher_discount(voucher=voucher, lines=lines)
