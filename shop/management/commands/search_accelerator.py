from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Build the search accelerator's files (shop/search/accelerator) from the query "
        "vectors in the database now, and make them current. Safe to kill and re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--model-id", help="Whose embeddings (default: SHOP_EMBEDDING_MODEL's id)."
        )
        parser.add_argument(
            "--if-changed", action="store_true", help="Skip when the current build is up to date."
        )

    def handle(self, *args: object, model_id: str | None, if_changed: bool, **options) -> None:
        from shop.search.accelerator.build import accelerator_build
        from shop.search.encoder.config import current_model_id

        summary = accelerator_build(model_id=model_id or current_model_id(), if_changed=if_changed)
        for line in summary.lines():
            self.stdout.write(line)
