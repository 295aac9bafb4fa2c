from __future__ import annotations

from django import forms


class AddToCartForm(forms.Form):
    """Which product, which size, how many. No price: the cart is priced from the catalog."""

    product = forms.IntegerField()
    variant = forms.IntegerField(error_messages={"required": "Choose a size."})
    quantity = forms.IntegerField(initial=1)


class QuantityForm(forms.Form):
    quantity = forms.IntegerField()
