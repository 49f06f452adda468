"""Business settings and tax rates."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fairbill.api.api import object_or_404, require
from fairbill.api.fields import Count, Patch, Rate, Text, rate_out
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import Page, paginate
from fairbill.catalog.models import TaxRate
from fairbill.catalog.services import tax_rate_create, tax_rate_delete, tax_rate_update
from fairbill.core.models import BusinessSettings
from fairbill.core.services import settings_update

router: Router = Router(tags=["settings"])


class SettingsOut(Schema):
    company_name: str
    email: str
    phone: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postcode: str
    country: str
    vat_number: str
    company_number: str
    terms_url: str
    payment_instructions: str
    bank_account_name: str
    iban: str
    bic: str
    order_email: str
    order_return_url: str
    attach_pdf: bool
    einvoice_pdf: bool
    vat_check_max_age_days: int
    currency: str
    time_zone: str
    invoice_prefix: str
    invoice_start_number: int
    invoice_number_padding: int
    payment_terms_days: int
    invoice_days_before_renewal: int
    auto_apply_credit: bool
    credit_on_downgrade: bool
    reminder_days: list[int]
    suspend_days_after_due: int
    cancel_days_after_due: int
    require_staff_2fa: bool

    @staticmethod
    def resolve_country(obj: BusinessSettings) -> str:
        return str(obj.country.code or "")


class SettingsPatch(Patch):
    """Only the fields sent change; null is not a value (send "" to clear a text)."""

    company_name: Text | None = None
    email: Text | None = None
    phone: Text | None = None
    address_line1: Text | None = None
    address_line2: Text | None = None
    city: Text | None = None
    region: Text | None = None
    postcode: Text | None = None
    country: Text | None = Field(None, description="ISO 3166 code, e.g. GB; empty for none")
    vat_number: Text | None = None
    company_number: Text | None = None
    terms_url: Text | None = None
    payment_instructions: Text | None = None
    bank_account_name: Text | None = None
    iban: Text | None = None
    bic: Text | None = None
    order_email: Text | None = None
    order_return_url: Text | None = None
    attach_pdf: bool | None = None
    einvoice_pdf: bool | None = Field(None, description="invoice PDFs are Factur-X")
    vat_check_max_age_days: Count | None = Field(
        None, description="a reverse charge needs a valid VAT check this recent"
    )
    currency: Text | None = Field(None, description="ISO 4217 code, e.g. GBP")
    time_zone: Text | None = Field(None, description="e.g. Europe/London")
    invoice_prefix: Text | None = None
    invoice_start_number: Count | None = None
    invoice_number_padding: Count | None = None
    payment_terms_days: Count | None = None
    invoice_days_before_renewal: Count | None = None
    auto_apply_credit: bool | None = None
    credit_on_downgrade: bool | None = None
    reminder_days: list[int] | None = Field(
        None, description="days from the due date, e.g. [-3, 0, 7]"
    )
    suspend_days_after_due: Count | None = Field(None, description="0 = never")
    cancel_days_after_due: Count | None = Field(None, description="0 = never")
    require_staff_2fa: bool | None = None


@router.get("/settings", response=SettingsOut)
def settings_get(request: HttpRequest) -> Any:
    require(request, "settings")
    return BusinessSettings.load()


@router.patch("/settings", response=SettingsOut)
def settings_patch(request: HttpRequest, payload: SettingsPatch) -> Any:
    actor = require(request, "settings")
    values = payload.model_dump(exclude_unset=True)
    if "country" in values:
        values["country"] = values["country"].strip().upper()
    if "currency" in values:
        values["currency"] = values["currency"].strip().upper()
    return settings_update(actor=actor, **values)


tax_rates: Router = Router(tags=["tax rates"])


class TaxRateOut(Schema):
    id: int
    country: str
    region: str
    name: str
    rate: str = Field(description='percent, e.g. "20"')

    @staticmethod
    def resolve_country(obj: TaxRate) -> str:
        return str(obj.country.code)

    @staticmethod
    def resolve_rate(obj: TaxRate) -> str:
        return rate_out(obj.rate)


class TaxRateIn(Schema):
    model_config = {"extra": "forbid"}

    country: Text = Field(description="ISO 3166 code, e.g. GB")
    region: Text = Field("", description="county / state; empty for the whole country")
    name: Text = Field(description="e.g. VAT")
    rate: Rate = Field(description='percent as a decimal string, e.g. "20"')


class TaxRatePatch(Patch):
    country: Text | None = None
    region: Text | None = None
    name: Text | None = None
    rate: Rate | None = None


@tax_rates.get("/tax-rates", response=list[TaxRateOut])
@paginate(Page)
def tax_rate_list(request: HttpRequest) -> Any:
    return TaxRate.objects.order_by("country", "region", "id")


@tax_rates.post("/tax-rates", response={201: TaxRateOut})
@idempotent
def tax_rate_post(request: HttpRequest, payload: TaxRateIn) -> Any:
    actor = require(request, "settings")
    return Status(201, tax_rate_create(actor=actor, **payload.model_dump()))


@tax_rates.get("/tax-rates/{id}", response=TaxRateOut)
def tax_rate_get(request: HttpRequest, id: int) -> Any:
    return object_or_404(TaxRate, id, "tax rate")


@tax_rates.patch("/tax-rates/{id}", response=TaxRateOut)
def tax_rate_patch(request: HttpRequest, id: int, payload: TaxRatePatch) -> Any:
    actor = require(request, "settings")
    tax_rate = object_or_404(TaxRate, id, "tax rate")
    values = payload.model_dump(exclude_unset=True)
    if "country" in values:
        values["country"] = values["country"].strip().upper()
    return tax_rate_update(actor=actor, tax_rate=tax_rate, **values)


@tax_rates.delete("/tax-rates/{id}", response={204: None})
def tax_rate_remove(request: HttpRequest, id: int) -> Any:
    actor = require(request, "settings")
    tax_rate_delete(actor=actor, tax_rate=object_or_404(TaxRate, id, "tax rate"))
    return Status(204, None)
