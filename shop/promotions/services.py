from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from shop.promotions.models import Voucher, VoucherUse


def voucher_use_record(
    *, voucher: Voucher, order_id: int, email: str, user: AbstractBaseUser | None = None
) -> VoucherUse:
    """Count one use, inside the order's transaction (the voucher row already locked)."""
    return VoucherUse.objects.create(
        voucher=voucher,
        order_id=order_id,
        email=email.strip().lower(),
        user=user if user is not None and user.is_authenticated else None,
    )


def voucher_use_release(*, order_id: int) -> bool:
    """Give a cancelled order's use back; returns whether there was one."""
    deleted, _ = VoucherUse.objects.filter(order_id=order_id).delete()
    return bool(deleted)
