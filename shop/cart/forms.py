from __future__ import annotations

from django import forms

from shop.inputs import MAX_ID, WholeNumberField


class AddToCartForm(forms.Form):
    """Which product, which size, how many. No price: the cart is priced from the catalog."""

    product = WholeNumberField(min_value=1, max_value=MAX_ID)
    variant = WholeNumberField(
        min_value=1, max_value=MAX_ID, error_messages={"required": "Choose a size."}
    )
    # Out-of-range quantities get the cart's own message (services.quantity_check).
    quantity = WholeNumberField(initial=1)


class QuantityForm(forms.Form):
    quantity = WholeNumberField()
    # The size to change to (optional: the quantity alone is an update too).
    variant = WholeNumberField(min_value=1, max_value=MAX_ID, required=False)


class VoucherForm(forms.Form):
    code = forms.CharField(
        max_length=32, error_messages={"required": "Enter a voucher code."}, strip=True
    )
