"""The merchant's vouchers for automation: ``/api/vouchers/``.

Staff with the model's permissions only (view to read, add, change, delete); everyone
else gets 403. A voucher that orders have used cannot be deleted (turn it off instead).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import DjangoModelPermissions, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.errors import ShopError, error_responses
from shop.inputs import error_detail
from shop.promotions.models import Voucher
from shop.promotions.selectors import code_normalise


class VoucherPermissions(DjangoModelPermissions):
    """Staff with the model permission of each method; reading needs ``view`` too."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class VoucherSerializer(serializers.ModelSerializer):
    uses = serializers.IntegerField(read_only=True, source="use_count", default=0)

    class Meta:
        model = Voucher
        ref_name = "Voucher"
        fields = [
            "id",
            "code",
            "description",
            "kind",
            "value",
            "minimum_order",
            "is_active",
            "starts_at",
            "ends_at",
            "usage_limit",
            "per_customer_limit",
            "brands",
            "article_types",
            "uses",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # The case-insensitive uniqueness is checked in validate_code and by the index.
        validators: list = []

    def validate_code(self, value: str) -> str:
        code = code_normalise(value)
        if not code:
            raise serializers.ValidationError("Enter a code.")
        others = Voucher.objects.filter(code__iexact=code)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(f"There is already a voucher {code}.")
        return code

    def validate(self, attrs: dict) -> dict:
        kind = attrs.get("kind", getattr(self.instance, "kind", "percentage"))
        value = attrs.get("value", getattr(self.instance, "value", None))
        if kind == "percentage" and value is not None and value > 100:
            raise serializers.ValidationError({"value": "A percentage is at most 100."})
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends <= starts:
            raise serializers.ValidationError({"ends_at": "It must end after it starts."})
        return attrs


ERRORS = error_responses(400, 403, 404, 409)


def _vouchers():  # noqa: ANN202 (a queryset)
    return Voucher.objects.annotate(use_count=Count("uses")).prefetch_related(
        "brands", "article_types"
    )


def _save(serializer: VoucherSerializer) -> Voucher:
    if not serializer.is_valid():
        raise ShopError(error_detail(serializer.errors))
    try:
        with transaction.atomic():
            voucher = serializer.save()
    except IntegrityError:  # two requests creating one code at once
        raise ShopError("There is already a voucher with this code.", status=409) from None
    return _vouchers().get(pk=voucher.pk)


class VoucherListApi(APIView):
    """List vouchers (with how many orders used each), or create one."""

    permission_classes = [IsAdminUser, VoucherPermissions]
    queryset = Voucher.objects.all()

    @extend_schema(responses={200: VoucherSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        vouchers = _vouchers().order_by("id")
        return Response(
            {"count": len(vouchers), "results": VoucherSerializer(vouchers, many=True).data}
        )

    @extend_schema(request=VoucherSerializer, responses={201: VoucherSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        voucher = _save(VoucherSerializer(data=request.data))
        return Response(VoucherSerializer(voucher).data, status=201)


class VoucherDetailApi(APIView):
    """Read, update (PUT whole, PATCH some fields) or delete one voucher."""

    permission_classes = [IsAdminUser, VoucherPermissions]
    queryset = Voucher.objects.all()

    def _voucher(self, pk: int) -> Voucher:
        voucher = _vouchers().filter(pk=pk).first()
        if voucher is None:
            raise ShopError("No such voucher.", status=404)
        return voucher

    @extend_schema(responses={200: VoucherSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(VoucherSerializer(self._voucher(pk)).data)

    @extend_schema(request=VoucherSerializer, responses={200: VoucherSerializer, **ERRORS})
    def put(self, request: Request, pk: int) -> Response:
        voucher = _save(VoucherSerializer(self._voucher(pk), data=request.data))
        return Response(VoucherSerializer(voucher).data)

    @extend_schema(request=VoucherSerializer, responses={200: VoucherSerializer, **ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        voucher = _save(VoucherSerializer(self._voucher(pk), data=request.data, partial=True))
        return Response(VoucherSerializer(voucher).data)

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        voucher = self._voucher(pk)
        if voucher.use_count:
            raise ShopError("Orders used this voucher: turn it off instead.", status=409)
        voucher.delete()
        return Response(status=204)
