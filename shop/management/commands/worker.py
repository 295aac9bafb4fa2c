"""``manage.py worker [--queues NAMES]``: the task worker, started again
whenever it dies (``shop.workers.supervise``), so a database outage costs a pause, not
the jobs queued behind it. ``make run`` and docker-compose start the worker this way."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from shop.workers import supervise


class Command(BaseCommand):
    help = "Run the procrastinate task worker, restarting it when it crashes."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--queues", help="as `procrastinate worker --queues`: comma-separated")

    def handle(self, *args, queues: str | None, **kwargs) -> None:
        argv = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "procrastinate",
            "worker",
        ]
        if queues:
            argv += ["--queues", queues]
        status = supervise(argv)
        if status:
            sys.exit(status)
