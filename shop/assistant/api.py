from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop import uploads
from shop.assistant import conversation as conversations
from shop.assistant import limits, services
from shop.assistant.exceptions import AssistantError
from shop.clients import client_address
from shop.inputs import error_detail


class QuickReplySerializer(serializers.Serializer):
    label = serializers.CharField()
    message = serializers.CharField()


class AssistantProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    image_url = serializers.CharField(allow_null=True)
    article_type = serializers.CharField()
    colour = serializers.CharField()
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    note = serializers.CharField(allow_blank=True)


class AssistantApi(APIView):
    """Ask the shopping assistant: words and/or a photo in, products and advice out."""

    parser_classes = (JSONParser, MultiPartParser, FormParser)
    # Anonymous shoppers' API: no session login, so no CSRF on a cookie-less client.
    authentication_classes = ()
    permission_classes = ()

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AssistantInput"

        message = serializers.CharField(
            max_length=services.MAX_MESSAGE_CHARS,
            required=False,
            allow_blank=True,
            default="",
            trim_whitespace=True,
        )
        image = serializers.FileField(required=False, allow_empty_file=True)
        conversation_id = serializers.CharField(
            required=False,
            allow_null=True,
            allow_blank=True,
            max_length=200,
            help_text="The token a previous answer returned; omit it to start a conversation "
            "(or to follow the session, when there is one). Ids are issued by the server.",
        )

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AssistantOutput"

        categories = serializers.ListField(child=serializers.CharField())
        number_of_items = serializers.IntegerField()
        not_carried = serializers.ListField(child=serializers.CharField())
        advice = serializers.CharField()
        products = AssistantProductSerializer(many=True)
        backend = serializers.ChoiceField(choices=["gemini", "offline"])
        notices = serializers.ListField(child=serializers.CharField())
        conversation_id = serializers.CharField(
            help_text="Send it back to continue this conversation."
        )
        quick_replies = QuickReplySerializer(
            many=True,
            help_text="Answers to the question in the advice, if any: send a reply's "
            "message as the next message.",
        )

    @extend_schema(
        request={
            "application/json": InputSerializer,
            "multipart/form-data": InputSerializer,
        },
        responses={200: OutputSerializer},
    )
    def post(self, request: Request) -> Response:
        # An oversized body is refused (after the rate limit) before it is parsed.
        too_large = uploads.request_too_large(request)
        data: dict = {}
        if not too_large:
            serializer = self.InputSerializer(data=request.data)
            if not serializer.is_valid():
                raise AssistantError(error_detail(serializer.errors))
            data = serializer.validated_data
        session = getattr(request, "session", None)
        session_key = getattr(session, "session_key", None)
        token = data.get("conversation_id")
        # The API follows the session when there is one; otherwise the signed token.
        # Expected failures (ShopError, e.g. a 429 with Retry-After) go to the one DRF
        # exception handler.
        conversation = (
            conversations.SessionConversation(session)
            if session_key and not token
            else conversations.TokenConversation.from_token(token)
        )
        reply = services.assistant_ask(
            message=data.get("message", ""),
            upload=data.get("image"),
            conversation=conversation,
            rate_keys=limits.RateKeys(
                session=session_key or "",
                ip=client_address(request),
            ),
            body_too_large=too_large,
        )
        conversation_id = conversation.token()
        products = [AssistantProductSerializer(p).data for p in reply.products]
        output = {
            "categories": reply.categories,
            "number_of_items": reply.number_of_items,
            "not_carried": reply.not_carried,
            "advice": reply.advice,
            "products": products,
            "backend": reply.backend,
            "notices": reply.notices,
            "conversation_id": conversation_id,
            "quick_replies": [
                {"label": label, "message": message} for label, message in reply.quick_replies
            ],
        }
        return Response(self.OutputSerializer(output).data)
