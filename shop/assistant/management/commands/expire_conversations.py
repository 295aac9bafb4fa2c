from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shop.assistant.conversation import IDLE_DAYS, conversations_expire


class Command(BaseCommand):
    help = f"Delete assistant conversations idle for {IDLE_DAYS} days (safe to rerun)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = conversations_expire()
        self.stdout.write(f"Deleted {deleted} conversation(s) idle for {IDLE_DAYS} days.")
