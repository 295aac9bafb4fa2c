from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shop.search.embedding import EmbedSummary, catalog_embed, catalog_embed_pending


class Command(BaseCommand):
    help = (
        "Embed product photos with BLIP-2 (SHOP_EMBEDDING_MODEL). By default only products "
        "with no embedding or one from another model. Safe to kill and re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None)
        parser.add_argument("--limit", type=int, default=None)
        parser.add_argument(
            "--category",
            action="append",
            default=[],
            help="Article type name or slug; repeatable.",
        )
        parser.add_argument("--force", action="store_true", help="Re-embed everything selected.")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Photo decoding processes (default: all cores, up to 32, on a GPU; 2 on a CPU, "
            "where the model needs the cores).",
        )
        spread = parser.add_mutually_exclusive_group()
        spread.add_argument(
            "--enqueue",
            action="store_true",
            help="Split the products needing embedding into shard jobs on the 'embedding' "
            "queue for workers (`manage.py procrastinate worker --queues embedding`).",
        )
        spread.add_argument(
            "--status", action="store_true", help="Print the progress of queued embedding runs."
        )
        parser.add_argument("--shard-size", type=int, default=256, help="Products per shard.")

    def handle(self, *args: object, **options: object) -> None:
        from shop.search.encoder import EncoderUnavailable, current_model_id, get_encoder

        for option, least in (("batch_size", 1), ("limit", 0), ("workers", 0), ("shard_size", 1)):
            if options[option] is not None and options[option] < least:
                raise CommandError(f"--{option.replace('_', '-')} must be at least {least}.")
        if options["status"]:
            from shop.jobs.selectors import embedding_progress

            for line in embedding_progress().lines():
                self.stdout.write(line)
            return
        if options["enqueue"]:
            self._enqueue(options)
            return
        # Loading the model takes seconds (dev-tiny) to minutes (BLIP-2): only when
        # something needs it. The id is known without loading (a hub model's only
        # gains its snapshot on the first download, when everything is pending anyway).
        pending = catalog_embed_pending(
            model_id=current_model_id(),
            limit=options["limit"],
            categories=options["category"],
            force=options["force"],
        )
        if not pending.exists():
            self.stdout.write("Nothing to embed; the model was not loaded.")
            for line in EmbedSummary(model_id=current_model_id()).lines():
                self.stdout.write(line)
            return
        try:
            # The first run with a hub model downloads it (~4.7 GB for blip2-itm-vit-g).
            encoder = get_encoder(allow_download=True, device=options["device"])
        except EncoderUnavailable as error:
            raise CommandError(str(error)) from error
        workers = options["workers"]
        if workers is None:
            cores = os.cpu_count() or 1
            workers = min(32, cores) if encoder.device != "cpu" else min(2, cores)
        self.stdout.write(f"Encoder: {encoder!r}, {workers} decoding workers")
        summary = catalog_embed(
            encoder=encoder,
            batch_size=options["batch_size"],
            limit=options["limit"],
            categories=options["category"],
            force=options["force"],
            workers=workers,
            progress=options["verbosity"] >= 1,
        )
        for line in summary.lines():
            self.stdout.write(line)

    def _enqueue(self, options: dict[str, object]) -> None:
        from shop.jobs.embedding import embedding_enqueue
        from shop.search.encoder import current_model_id

        if options["limit"] is not None:
            raise CommandError("--limit does not apply to --enqueue.")
        run = embedding_enqueue(
            model_id=current_model_id(),
            shard_size=options["shard_size"],
            categories=options["category"],
            force=options["force"],
            requested_by="embed_catalog --enqueue",
        )
        self.stdout.write(
            f"Queued {run.total} products in {run.shards.count()} shards (run {run.pk}, "
            f"model {run.model_id}). Workers: `manage.py procrastinate worker --queues "
            "embedding`; progress: `manage.py embed_catalog --status`."
        )
