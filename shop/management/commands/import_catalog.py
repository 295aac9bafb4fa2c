from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shop.catalog.exceptions import CatalogError
from shop.catalog.importers import catalog_import


class Command(BaseCommand):
    help = (
        "Import a catalog: the Kaggle 'Fashion Product Images' layout (styles.csv + "
        "images/<id>.jpg + optional styles/<id>.json style records: prices, brand, sizes, "
        "descriptions) or one folder of images per category. Safe to re-run: edits made "
        "in the admin are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--limit", type=int, default=None, help="Import at most N rows.")

    def handle(self, *args: object, path: Path, limit: int | None, **options: object) -> None:
        try:
            summary = catalog_import(path=path, limit=limit)
        except CatalogError as error:
            raise CommandError(error.message) from error
        for line in summary.lines():
            self.stdout.write(line)
