"""GST tax invoices: issued once per order, numbered without gaps, drawn as a PDF.

Prices are GST-inclusive, so each line's tax is taken out of what the shopper paid for
it (after the voucher's discount): taxable value = amount x 100 / (100 + rate), rounded
to the paisa, and the tax is the rest, so every line, and the invoice, adds up to the
order's total exactly. Delivered in the seller's state: CGST + SGST (half each, SGST
taking the odd paisa); anywhere else: IGST. The delivery charge is taxed at the highest
rate of the goods it carries (a composite supply follows its principal supply).

An invoice is issued when the order is placed (cash on delivery: in the checkout's
transaction; paid online: when the verified payment places it, or at the latest when
someone first asks for it). Its number comes from the financial year's sequence row,
locked in the transaction that issues it: a rolled-back issue takes its number back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core import checks
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from shop.money import CENT
from shop.orders.exceptions import OrderError
from shop.orders.models import (
    HsnCode,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Order,
    OrderLine,
    OrderStatus,
)

DELIVERY_SAC = "996812"  # courier services
NOT_INVOICED = (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED)


@dataclass(frozen=True)
class TaxRule:
    hsn_code: str
    rate: Decimal
    higher_rate: Decimal | None = None
    higher_rate_above: Decimal | None = None

    def rate_for(self, unit_amount: Decimal) -> Decimal:
        if self.higher_rate is not None and unit_amount > self.higher_rate_above:
            return self.higher_rate
        return self.rate


@dataclass(frozen=True)
class TaxSplit:
    taxable_value: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal


def tax_split(*, amount: Decimal, rate: Decimal, intra_state: bool) -> TaxSplit:
    """A GST-inclusive amount as taxable value + taxes that add up to it exactly."""
    taxable = (amount * 100 / (100 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    tax = amount - taxable
    if not intra_state:
        return TaxSplit(taxable_value=taxable, cgst=Decimal(0), sgst=Decimal(0), igst=tax)
    cgst = (tax / 2).quantize(CENT, rounding=ROUND_DOWN)
    return TaxSplit(taxable_value=taxable, cgst=cgst, sgst=tax - cgst, igst=Decimal(0))


def _default_rule() -> TaxRule:
    return TaxRule(
        hsn_code=settings.SHOP_GST_DEFAULT_HSN, rate=Decimal(settings.SHOP_GST_DEFAULT_RATE)
    )


def _rules_for(lines: list[OrderLine]) -> dict[int, TaxRule]:
    """Order line id -> its article type's rule (the default for deleted variants)."""
    category_of = {
        line.pk: line.variant.product.category_id for line in lines if line.variant is not None
    }
    rows = HsnCode.objects.filter(article_type_id__in=set(category_of.values()))
    by_category = {
        row.article_type_id: TaxRule(
            hsn_code=row.hsn_code,
            rate=row.rate,
            higher_rate=row.higher_rate,
            higher_rate_above=row.higher_rate_above,
        )
        for row in rows
    }
    default = _default_rule()
    return {line.pk: by_category.get(category_of.get(line.pk), default) for line in lines}


def _financial_year(moment: datetime) -> str:
    """India's financial year (April to March) in the shop's time zone: "26-27"."""
    local = timezone.localtime(moment)
    start = local.year if local.month >= 4 else local.year - 1
    return f"{start % 100:02d}-{(start + 1) % 100:02d}"


def _number_next(issued_at: datetime) -> str:
    series = settings.SHOP_INVOICE_PREFIX + _financial_year(issued_at)
    InvoiceSequence.objects.bulk_create([InvoiceSequence(series=series)], ignore_conflicts=True)
    sequence = InvoiceSequence.objects.select_for_update().get(series=series)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{series}/{sequence.last_number:06d}"


def invoice_issue(*, order_id: int) -> Invoice:
    """The order's invoice, issued now if it has none (idempotent).

    Call it inside the transaction that places the order: the invoice, its number and
    the sequence row commit or roll back with it.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
        if order is None:
            raise OrderError("No such order.", status=404)
        existing = Invoice.objects.filter(order=order).first()
        if existing is not None:
            return existing
        if order.status in NOT_INVOICED:
            raise OrderError(
                f"An order that is {OrderStatus(order.status).label.lower()} has no invoice.",
                status=409,
            )
        return _invoice_create(order)


def _invoice_create(order: Order) -> Invoice:
    lines = list(order.lines.select_related("variant__product"))
    rules = _rules_for(lines)
    intra = order.state.strip().casefold() == settings.SHOP_SELLER_STATE.strip().casefold()
    rows: list[InvoiceLine] = []
    top_rate = Decimal(0)
    for line in lines:
        amount = line.line_total - line.discount
        rule = rules[line.pk]
        rate = rule.rate_for(amount / line.quantity)
        top_rate = max(top_rate, rate)
        rows.append(
            InvoiceLine(
                description=f"{line.product_name} ({line.size})",
                hsn_code=rule.hsn_code,
                quantity=line.quantity,
                rate=rate,
                amount=amount,
                **vars(tax_split(amount=amount, rate=rate, intra_state=intra)),
            )
        )
    if order.delivery_price:
        rows.append(
            InvoiceLine(
                description=order.delivery_name or "Delivery",
                hsn_code=DELIVERY_SAC,
                quantity=1,
                rate=top_rate,
                amount=order.delivery_price,
                **vars(tax_split(amount=order.delivery_price, rate=top_rate, intra_state=intra)),
            )
        )
    issued_at = timezone.now()
    invoice = Invoice.objects.create(
        order=order,
        number=_number_next(issued_at),
        issued_at=issued_at,
        seller_name=settings.SHOP_SELLER_NAME,
        seller_address=settings.SHOP_SELLER_ADDRESS,
        seller_gstin=settings.SHOP_SELLER_GSTIN,
        seller_state=settings.SHOP_SELLER_STATE,
        place_of_supply=order.state,
        intra_state=intra,
        currency=order.currency,
        **{
            field: sum((getattr(row, field) for row in rows), Decimal(0))
            for field in ("taxable_value", "cgst", "sgst", "igst")
        },
        total=sum((row.amount for row in rows), Decimal(0)),
    )
    for row in rows:
        row.invoice = invoice
    InvoiceLine.objects.bulk_create(rows)
    if invoice.total != order.total:  # the CheckConstraints hold each part; this, the whole
        raise OrderError("The invoice does not add up to the order total.", status=500)
    return invoice


def invoice_html(*, invoice: Invoice) -> str:
    """The invoice as the HTML that becomes its PDF (tests read it before rendering)."""
    order = invoice.order
    context = {"invoice": invoice, "order": order, "lines": list(invoice.lines.all())}
    return render_to_string("orders/invoice.html", context)


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The invoice as a PDF (WeasyPrint, imported only when a PDF is drawn)."""
    from PIL import ImageFile
    from weasyprint import HTML

    # Importing WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES; the
    # invoice draws no photo, and the shop's image module refuses truncated uploads.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML(string=invoice_html(invoice=invoice)).write_pdf()


def invoice_response(invoice: Invoice) -> HttpResponse:
    """The PDF as a download named after the invoice (shopper's page and admin alike)."""
    response = HttpResponse(invoice_pdf(invoice=invoice), content_type="application/pdf")
    filename = f"invoice-{invoice.number.replace('/', '-')}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def seller_state_check(**kwargs: object) -> list[checks.CheckMessage]:
    """SHOP_SELLER_STATE must be a state checkout offers, or no order would be intra-state."""
    from shop.orders.forms import STATES

    if settings.SHOP_SELLER_STATE in STATES:
        return []
    return [
        checks.Error(
            f"SHOP_SELLER_STATE {settings.SHOP_SELLER_STATE!r} is not a state checkout offers.",
            hint="Spell it as the checkout's state list does, e.g. 'Karnataka'.",
            id="orders.E001",
        )
    ]
