"""Shoppers' accounts in tests: allauth's e-mails are queued as jobs; these helpers
deliver them through the job's own code and read the links out of the outbox."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.jobs.services import email_send

PASSWORD = "linen-kurta-4417"


def account_emails_deliver() -> list[mail.EmailMessage]:
    """Send every queued account e-mail, as the worker's send_email job would.

    Returns the messages sent now (they are also in ``mail.outbox``).
    """
    before = len(mail.outbox)
    jobs = ProcrastinateJob.objects.filter(
        task_name="shop.jobs.tasks.send_email", status="todo", queueing_lock__startswith="account:"
    ).order_by("id")
    for job in jobs:
        email_send(**job.args)
    return mail.outbox[before:]


def link_in(message: mail.EmailMessage, path_part: str) -> str:
    """The first link in an e-mail whose path contains ``path_part``."""
    match = re.search(rf"https?://\S*{re.escape(path_part)}\S*", message.body)
    assert match, f"no {path_part} link in:\n{message.body}"
    return match.group(0)


def shopper_make(email: str = "meera@example.com", *, verified: bool = True) -> User:
    user = User.objects.create_user(username=email.split("@")[0], email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


@pytest.fixture
def shopper(db) -> User:
    return shopper_make()
