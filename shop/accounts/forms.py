from __future__ import annotations

from django import forms

from shop.accounts.models import Address
from shop.orders.forms import STATES, mobile_normalise, pin_code


class AddressForm(forms.ModelForm):
    """A saved address: the same rules as the checkout form's address."""

    state = forms.ChoiceField(choices=[("", "Choose…"), *((s, s) for s in STATES)])
    postcode = forms.CharField(
        label="PIN code", max_length=6, min_length=6, validators=[pin_code],
        error_messages={"min_length": "Enter a 6-digit PIN code."},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )  # fmt: skip
    phone = forms.CharField(
        label="Mobile number", max_length=20, help_text="10 digits, e.g. 98765 43210.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )  # fmt: skip

    class Meta:
        model = Address
        fields = ["name", "line1", "line2", "city", "state", "postcode", "phone", "is_default"]
        labels = {"is_default": "Use this address at checkout"}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
        }

    def clean_phone(self) -> str:
        return mobile_normalise(self.cleaned_data["phone"])


class WishlistForm(forms.Form):
    """Which product, and optionally which size ("any", or empty, means any size)."""

    product = forms.IntegerField(min_value=1)
    variant = forms.CharField(required=False, max_length=20)

    def clean_variant(self) -> int | None:
        value = self.cleaned_data["variant"].strip()
        if value in ("", "any"):
            return None
        if not value.isdigit():
            raise forms.ValidationError("That size does not exist for this product.")
        return int(value)
