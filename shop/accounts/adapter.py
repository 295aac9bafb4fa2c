"""allauth's adapter: its e-mails go through the task engine, its rate limits count the
client address the shop trusts."""

from __future__ import annotations

import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from shop.clients import client_address
from shop.jobs.services import email_queue

# The header already says who is logged in; these would surface later on whatever page
# next lists messages (the cart), out of place.
QUIET_MESSAGES = frozenset({"account/messages/logged_in.txt", "account/messages/logged_out.txt"})


class ShopAccountAdapter(DefaultAccountAdapter):
    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        if message_template in QUIET_MESSAGES:
            return
        super().add_message(
            request, level, message_template, message_context, extra_tags, message=message
        )

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's e-mail here (it needs the request for links) and queue it.

        The request only queues a ``send_email`` job (shop/jobs): a slow or failing SMTP
        server never slows or fails a sign-up, and the job retries. Each e-mail has its
        own key: a second verification e-mail is a second e-mail, not a duplicate.
        """
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request),
             **context},
        )  # fmt: skip
        kind = template_prefix.rsplit("/", 1)[-1]
        email_queue(
            key=f"account:{kind}:{uuid.uuid4().hex}",
            to=list(message.to),
            subject=message.subject,
            body=message.body,
        )

    def get_client_ip(self, request: HttpRequest) -> str:
        # The same address the shop's own rate limits count (SHOP_TRUSTED_PROXIES).
        return client_address(request) or super().get_client_ip(request)
