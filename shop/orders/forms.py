from __future__ import annotations

import re

from django import forms
from django.core.validators import RegexValidator

from shop.cart.delivery import delivery_methods
from shop.orders.payments import payment_methods

# India's states and union territories: the address's state is one of these.
STATES = [
    "Andaman and Nicobar Islands", "Andhra Pradesh", "Arunachal Pradesh", "Assam", "Bihar",
    "Chandigarh", "Chhattisgarh", "Dadra and Nagar Haveli and Daman and Diu", "Delhi", "Goa",
    "Gujarat", "Haryana", "Himachal Pradesh", "Jammu and Kashmir", "Jharkhand", "Karnataka",
    "Kerala", "Ladakh", "Lakshadweep", "Madhya Pradesh", "Maharashtra", "Manipur", "Meghalaya",
    "Mizoram", "Nagaland", "Odisha", "Puducherry", "Punjab", "Rajasthan", "Sikkim",
    "Tamil Nadu", "Telangana", "Tripura", "Uttar Pradesh", "Uttarakhand", "West Bengal",
]  # fmt: skip

pin_code = RegexValidator(
    r"^[1-9][0-9]{5}$", "Enter a 6-digit PIN code (it does not start with 0)."
)
_PHONE_NOISE = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"^(?:\+91|0091|91|0)?([6-9][0-9]{9})$")


def mobile_normalise(value: str) -> str:
    """An Indian mobile number in any usual spelling → ``+91XXXXXXXXXX``."""
    match = _MOBILE.match(_PHONE_NOISE.sub("", value))
    if match is None:
        raise forms.ValidationError("Enter a 10-digit Indian mobile number.")
    return f"+91{match.group(1)}"


def _typing(autocomplete: str, *, inputmode: str = "", enterkeyhint: str = "next") -> dict:
    """What a phone needs to fill a field: the browser's autofill token, keyboard, Enter key."""
    attrs = {"autocomplete": autocomplete, "enterkeyhint": enterkeyhint}
    if inputmode:
        attrs["inputmode"] = inputmode
    return attrs


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs=_typing("email"))
    )
    name = forms.CharField(
        label="Full name", max_length=100, widget=forms.TextInput(attrs=_typing("name"))
    )
    line1 = forms.CharField(
        label="Address line 1", max_length=200,
        widget=forms.TextInput(attrs=_typing("shipping address-line1")),
    )  # fmt: skip
    line2 = forms.CharField(
        label="Address line 2", max_length=200, required=False,
        widget=forms.TextInput(attrs=_typing("shipping address-line2")),
    )  # fmt: skip
    city = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs=_typing("shipping address-level2"))
    )
    state = forms.ChoiceField(
        choices=[("", "Choose…"), *((s, s) for s in STATES)],
        widget=forms.Select(attrs={"autocomplete": "shipping address-level1"}),
    )
    postcode = forms.CharField(
        label="PIN code", max_length=6, min_length=6, validators=[pin_code],
        error_messages={"min_length": "Enter a 6-digit PIN code."},
        widget=forms.TextInput(
            attrs={**_typing("shipping postal-code", inputmode="numeric"), "pattern": "[0-9]*"}
        ),
    )  # fmt: skip
    phone = forms.CharField(
        label="Mobile number", max_length=20, help_text="10 digits, e.g. 98765 43210.",
        widget=forms.TextInput(
            attrs={**_typing("tel-national", inputmode="tel", enterkeyhint="done"), "type": "tel"}
        ),
    )  # fmt: skip
    delivery_method = forms.ChoiceField(widget=forms.RadioSelect)
    payment_method = forms.ChoiceField(widget=forms.RadioSelect)
    checkout_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This checkout page is out of date; please reload it.",
            "invalid": "This checkout page is out of date; please reload it.",
        },
    )
    cart_fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivery_method"].choices = [
            (m.code, m.name) for m in delivery_methods().values()
        ]
        self.fields["payment_method"].choices = [
            (m.code, m.name) for m in payment_methods().values()
        ]

    def clean_phone(self) -> str:
        return mobile_normalise(self.cleaned_data["phone"])


class OrderLookupForm(forms.Form):
    number = forms.CharField(
        label="Order number", max_length=20,
        widget=forms.TextInput(
            attrs={**_typing("off"), "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )  # fmt: skip
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs=_typing("email", enterkeyhint="go")),
    )
