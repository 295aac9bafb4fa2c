from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shop.catalog.models import Product
from shop.search.encoder import EncoderUnavailable, get_encoder
from shop.search.relevance import search_calibrate


class Command(BaseCommand):
    help = (
        "Measure the relevance floors for the current model (nonsense texts against the "
        "catalog, random photo pairs) and store them with the model id."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            encoder = get_encoder()
        except EncoderUnavailable as error:
            raise CommandError(str(error)) from error
        if not Product.objects.embedded_with(encoder.model_id).exists():
            raise CommandError("No product is embedded with this model: run embed_catalog first.")
        calibration = search_calibrate(encoder=encoder)
        self.stdout.write(
            f"{calibration.model_id}: text floor {calibration.text_floor:.4f} "
            f"({calibration.texts} nonsense texts), photo floor {calibration.image_floor:.4f} "
            f"({calibration.pairs} random pairs)"
        )
