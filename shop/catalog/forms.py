"""The admin's product form: what a merchant may type, checked as the catalog stores it
(facet values from the catalog's own, descriptions sanitised, a photo decoded safely)."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from shop import images
from shop.catalog.descriptions import description_clean
from shop.catalog.models import Product

# Shoppers filter on these: a merchant picks one of the catalog's values (or the
# product's own), so a typo never creates a new facet value.
FACET_FIELDS = ("gender", "base_colour", "season", "usage")
DESCRIPTION_FIELDS = ("description", "materials_care", "size_fit", "style_note")


class ProductAdminForm(forms.ModelForm):
    new_photo = forms.FileField(
        required=False,
        help_text="JPEG, PNG or WebP. The shop stores a re-encoded copy and a thumbnail, "
        "and re-embeds the product at the next embed_catalog run (or re-embed action).",
    )

    class Meta:
        model = Product
        fields = [
            "name",
            "external_id",
            "category",
            "is_active",
            "gender",
            "base_colour",
            "season",
            "year",
            "usage",
            "age_group",
            "brand",
            "price",
            "list_price",
            *DESCRIPTION_FIELDS,
            "attributes",
        ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in FACET_FIELDS:
            values = set(
                Product.objects.exclude(**{name: ""}).values_list(name, flat=True).distinct()
            )
            current = getattr(self.instance, name, "")
            if current:
                values.add(current)
            model_field = Product._meta.get_field(name)
            self.fields[name] = forms.ChoiceField(
                choices=[("", "—"), *((v, v) for v in sorted(values))],
                required=False,
                label=model_field.verbose_name.capitalize(),
                help_text="One of the catalog's values (new values come with an import).",
            )

    def _clean_description(self, name: str) -> str:
        # Stored sanitised (the page sanitises again when it renders).
        return description_clean(self.cleaned_data.get(name, ""))

    def clean_description(self) -> str:
        return self._clean_description("description")

    def clean_materials_care(self) -> str:
        return self._clean_description("materials_care")

    def clean_size_fit(self) -> str:
        return self._clean_description("size_fit")

    def clean_style_note(self) -> str:
        return self._clean_description("style_note")

    def clean_attributes(self) -> dict[str, str]:
        attributes = self.cleaned_data.get("attributes") or {}
        if not isinstance(attributes, dict) or not all(
            isinstance(v, str) for v in attributes.values()
        ):
            raise forms.ValidationError('Give names and texts: {"Fit": "Regular Fit"}.')
        return attributes

    def clean(self) -> dict:
        cleaned = super().clean()
        price, list_price = cleaned.get("price"), cleaned.get("list_price")
        if price is not None and list_price is not None and list_price < price:
            self.add_error("list_price", "The list price cannot be below the price.")
        return cleaned

    def clean_new_photo(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("new_photo")
        if upload is None:
            return None
        data = upload.read(images.DEFAULT_MAX_BYTES + 1)
        try:
            images.decode_image(data, filename=upload.name or "")
        except images.ImageRejected as rejected:
            raise forms.ValidationError(rejected.message) from None
        upload.seek(0)
        return upload
