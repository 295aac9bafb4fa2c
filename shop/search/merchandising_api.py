"""The merchant's merchandising rules for automation: ``/api/merchandising/rules/``.

Staff with the model's permissions only (view to read, add, change, delete); everyone
else gets 403. Bad input is a 400 naming the field, checked as the admin checks it
(``merchandising.rule_validate``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import DjangoModelPermissions, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.catalog.models import Category, Product
from shop.errors import ShopError, error_responses
from shop.inputs import clean_text, error_detail
from shop.search import merchandising
from shop.search.models import MerchandisingRule


class RulePermissions(DjangoModelPermissions):
    """Staff with the model permission of each method; reading needs ``view`` too."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class ArticleTypeField(serializers.CharField):
    """An article type by name ("Sports Shoes") or slug; read back as its name."""

    def to_internal_value(self, data: object) -> Category | None:
        name = clean_text(super().to_internal_value(data), max_length=100)
        if not name:
            return None
        category = Category.objects.filter(Q(name=name) | Q(slug=name)).first()
        if category is None:
            raise serializers.ValidationError(f"No article type {name!r}.")
        return category

    def to_representation(self, value: Category) -> str:
        return value.name


class RuleSerializer(serializers.Serializer):
    """A rule in and out; validated by ``merchandising.rule_validate`` as in the admin."""

    id = serializers.IntegerField(read_only=True)
    query = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    match = serializers.ChoiceField(
        choices=MerchandisingRule.MATCHES, required=False, default=MerchandisingRule.IS
    )
    category = ArticleTypeField(required=False, allow_null=True, allow_blank=True, default=None)
    action = serializers.ChoiceField(choices=MerchandisingRule.ACTIONS)
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True, default=None
    )
    position = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, allow_null=True, default=None
    )
    filters = serializers.JSONField(required=False, default=dict)
    weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    enabled = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "MerchandisingRule"

    def validate_query(self, value: str) -> str:
        return clean_text(value, max_length=200)

    def save_rule(self, rule: MerchandisingRule) -> MerchandisingRule:
        """Copy the validated fields onto ``rule``, check it as a whole and save it."""
        for name, value in self.validated_data.items():
            setattr(rule, name, value if value != "" or name != "category" else None)
        try:
            # The rule as a whole first, so the field at fault is named (the model's
            # constraints would only say which constraint failed).
            merchandising.rule_validate(rule)
            rule.full_clean()
        except ValidationError as error:
            raise ShopError(error_detail(error.message_dict)) from None
        rule.save()
        return rule


def _rule_input(data: object, *, instance: MerchandisingRule | None = None, partial=False):  # noqa: ANN202
    serializer = RuleSerializer(instance, data=data, partial=partial)
    if not serializer.is_valid():
        raise ShopError(error_detail(serializer.errors))
    return serializer


RULE_ERRORS = error_responses(400, 403, 404)


class MerchandisingRuleListApi(APIView):
    """List the merchant's rules, or create one (staff with the model permissions)."""

    permission_classes = [IsAdminUser, RulePermissions]
    queryset = MerchandisingRule.objects.all()

    @extend_schema(responses={200: RuleSerializer(many=True), **RULE_ERRORS})
    def get(self, request: Request) -> Response:
        rules = MerchandisingRule.objects.select_related("category").order_by("id")
        return Response({"count": len(rules), "results": RuleSerializer(rules, many=True).data})

    @extend_schema(request=RuleSerializer, responses={201: RuleSerializer, **RULE_ERRORS})
    def post(self, request: Request) -> Response:
        rule = _rule_input(request.data).save_rule(MerchandisingRule())
        return Response(RuleSerializer(rule).data, status=201)


class MerchandisingRuleDetailApi(APIView):
    """Read, update (PUT whole, PATCH some fields) or delete one rule."""

    permission_classes = [IsAdminUser, RulePermissions]
    queryset = MerchandisingRule.objects.all()

    def _rule(self, pk: int) -> MerchandisingRule:
        rule = MerchandisingRule.objects.select_related("category").filter(pk=pk).first()
        if rule is None:
            raise ShopError("No such rule.", status=404)
        return rule

    @extend_schema(responses={200: RuleSerializer, **RULE_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(RuleSerializer(self._rule(pk)).data)

    @extend_schema(request=RuleSerializer, responses={200: RuleSerializer, **RULE_ERRORS})
    def put(self, request: Request, pk: int) -> Response:
        rule = self._rule(pk)
        return Response(
            RuleSerializer(_rule_input(request.data, instance=rule).save_rule(rule)).data
        )

    @extend_schema(request=RuleSerializer, responses={200: RuleSerializer, **RULE_ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        rule = self._rule(pk)
        serializer = _rule_input(request.data, instance=rule, partial=True)
        return Response(RuleSerializer(serializer.save_rule(rule)).data)

    @extend_schema(responses={204: None, **RULE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        self._rule(pk).delete()
        return Response(status=204)
