from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shop.catalog.exceptions import CatalogError
from shop.search import evaluation, selectors
from shop.search.encoder import EncoderUnavailable


class Command(BaseCommand):
    help = (
        "Run labelled queries against the live search and print Recall@1/10, MRR, nDCG@10. "
        "Without --ground-truth, queries are generated from catalog labels "
        "(colour + article type)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ground-truth", type=Path, default=None)
        parser.add_argument("--limit", type=int, default=200, help="At most N generated queries.")
        parser.add_argument(
            "--mode",
            choices=["hybrid", "vector", "keyword", "all"],
            default="all",
            help="Which channel(s) to score; 'all' prints each.",
        )
        parser.add_argument(
            "--floor",
            action="store_true",
            help="Also report the relevance floor's effect (precision, nonsense answered empty).",
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            if options["ground_truth"]:
                queries = evaluation.queries_from_file(options["ground_truth"])
            else:
                queries = evaluation.queries_from_labels(limit=options["limit"])
        except CatalogError as error:
            raise CommandError(error.message) from error
        modes = ["keyword", "vector", "hybrid"] if options["mode"] == "all" else [options["mode"]]
        for mode in modes:
            started = time.monotonic()
            try:
                metrics = evaluation.evaluate(queries, search=_search_function(mode))
            except CatalogError as error:
                raise CommandError(error.message) from error
            except EncoderUnavailable as error:
                raise CommandError(f"The {mode} channel needs the model: {error}") from error
            per_query = (time.monotonic() - started) / metrics.queries * 1000
            self.stdout.write(f"== {mode} ({per_query:.0f} ms/query)")
            for line in metrics.lines():
                self.stdout.write(line)
        if options["floor"]:
            from shop.search.encoder import get_encoder
            from shop.search.evaluation import floor_effect

            try:
                effect = floor_effect(encoder=get_encoder(), queries=queries)
            except (EncoderUnavailable, ValueError) as error:
                raise CommandError(f"The floor needs the model and embeddings: {error}") from error
            self.stdout.write("== relevance floor")
            for line in effect.lines():
                self.stdout.write(line)


def _search_function(mode: str):  # noqa: ANN202
    def keyword(query: str) -> list[str]:
        products = selectors.product_list(filters=selectors.ProductFilters(), q=query)
        return list(products.values_list("external_id", flat=True)[:10])

    def vector(query: str) -> list[str]:
        from shop.catalog.models import Product
        from shop.search.encoder import get_encoder

        encoder = get_encoder()
        ranked = selectors.product_vector_ranking(
            text_embedding=encoder.encode_texts([query])[0], model_id=encoder.model_id, limit=10
        )
        ids = dict(
            Product.objects.filter(id__in=[pk for pk, _ in ranked]).values_list("id", "external_id")
        )
        return [ids[pk] for pk, _ in ranked]

    def hybrid(query: str) -> list[str]:
        result = selectors.product_search(text=query, k=10)
        return [hit.product.external_id for hit in result.hits]

    return {"keyword": keyword, "vector": vector, "hybrid": hybrid}[mode]
