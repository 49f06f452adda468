"""Business settings and tax rates."""

from typing import Annotated, Any
from zoneinfo import available_timezones

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import BeforeValidator
from pydantic.json_schema import JsonDict

from fairbill.api.fields import (
    MAX_INT,
    Body,
    Country,
    Filled,
    Money,
    OneOf,
    Patch,
    Rate,
    Text,
    country_codes,
    rate_out,
    whole_number,
)
from fairbill.api.helpers import object_or_404, require
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import Page, paginate
from fairbill.catalog.models import TaxRate
from fairbill.catalog.services import tax_rate_create, tax_rate_delete, tax_rate_update
from fairbill.core.identifiers import EAS_CODES, ICD_CODES
from fairbill.core.models import BusinessSettings
from fairbill.core.money import billable_currencies
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
    company_number_scheme: str
    electronic_address: str
    electronic_address_scheme: str
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
    credit_note_prefix: str
    credit_note_start_number: int
    payment_terms_days: int
    invoice_days_before_renewal: int
    auto_apply_credit: bool
    credit_on_downgrade: bool
    reminder_days: list[int]
    charge_retry_days: list[int]
    suspend_days_after_due: int
    cancel_days_after_due: int
    date_window_years: int
    credit_confirm_above: str
    require_staff_2fa: bool

    @staticmethod
    def resolve_credit_confirm_above(obj: BusinessSettings) -> str:
        return str(obj.credit_confirm_above)

    @staticmethod
    def resolve_country(obj: BusinessSettings) -> str:
        return str(obj.country.code or "")


SettingsCountry = Annotated[str, OneOf(country_codes(), blank=True)]
SettingsCurrency = Annotated[str, OneOf(billable_currencies())]
TimeZone = Annotated[str, OneOf(sorted(available_timezones()))]
ReminderDay = Annotated[int, Field(ge=-365, le=365), BeforeValidator(whole_number)]
RetryDay = Annotated[int, Field(ge=1, le=60), BeforeValidator(whole_number)]
StartNumber = Annotated[int, Field(ge=1, le=MAX_INT), BeforeValidator(whole_number)]
Padding = Annotated[int, Field(ge=0, le=12), BeforeValidator(whole_number)]
DaysInAYear = Annotated[int, Field(ge=0, le=365), BeforeValidator(whole_number)]
WindowYears = Annotated[int, Field(ge=1, le=100), BeforeValidator(whole_number)]
VatCheckDays = Annotated[int, Field(ge=1, le=3650), BeforeValidator(whole_number)]
DaysInTenYears = Annotated[int, Field(ge=0, le=3650), BeforeValidator(whole_number)]
URL: JsonDict = {"format": "uri", "pattern": "^(https?://[^\\s\\x00]+)?$"}
EMAIL: JsonDict = {"format": "email"}


class SettingsPatch(Patch):
    """Only the fields sent change; null is not a value (send "" to clear a text)."""

    company_name: Filled | None = Field(None, max_length=200)
    email: Text | None = Field(None, max_length=254, json_schema_extra=EMAIL)
    phone: Text | None = Field(None, max_length=50)
    address_line1: Text | None = Field(None, max_length=200)
    address_line2: Text | None = Field(None, max_length=200)
    city: Text | None = Field(None, max_length=100)
    region: Text | None = Field(None, max_length=100)
    postcode: Text | None = Field(None, max_length=20)
    country: SettingsCountry | None = Field(None, description="ISO 3166 code; empty for none")
    vat_number: Text | None = Field(None, max_length=30)
    company_number: Text | None = Field(None, max_length=50)
    company_number_scheme: Annotated[str, OneOf(sorted(ICD_CODES), blank=True)] | None = Field(
        None, description="ISO 6523 ICD code of the registration number, e.g. 0002 (BT-30)"
    )
    electronic_address: Text | None = Field(
        None, max_length=100, description="where e-invoices reach you (BT-34), e.g. a Peppol id"
    )
    electronic_address_scheme: Annotated[str, OneOf(sorted(EAS_CODES), blank=True)] | None = Field(
        None, description="EAS code of the electronic address, e.g. 0088, 0208, 9930, EM"
    )
    terms_url: Text | None = Field(None, max_length=200, json_schema_extra=URL)
    payment_instructions: Text | None = None
    bank_account_name: Text | None = Field(None, max_length=200)
    iban: Text | None = Field(None, max_length=40)
    bic: Text | None = Field(None, max_length=11)
    order_email: Text | None = Field(None, max_length=254, json_schema_extra=EMAIL)
    order_return_url: Text | None = Field(None, max_length=200, json_schema_extra=URL)
    attach_pdf: bool | None = None
    einvoice_pdf: bool | None = Field(None, description="invoice PDFs are Factur-X")
    vat_check_max_age_days: VatCheckDays | None = Field(
        None, description="a reverse charge needs a valid VAT check this recent"
    )
    currency: SettingsCurrency | None = Field(None, description="ISO 4217 code, e.g. GBP")
    time_zone: TimeZone | None = Field(None, description="e.g. Europe/London")
    invoice_prefix: Text | None = Field(None, max_length=20)
    invoice_start_number: StartNumber | None = None
    invoice_number_padding: Padding | None = Field(
        None, description="digits of invoice and credit note numbers"
    )
    credit_note_prefix: Text | None = Field(None, max_length=20)
    credit_note_start_number: StartNumber | None = None
    payment_terms_days: DaysInAYear | None = None
    invoice_days_before_renewal: DaysInAYear | None = None
    auto_apply_credit: bool | None = None
    credit_on_downgrade: bool | None = None
    reminder_days: list[ReminderDay] | None = Field(
        None, max_length=100, description="days from the due date, e.g. [-3, 0, 7]"
    )
    charge_retry_days: list[RetryDay] | None = Field(
        None,
        max_length=8,
        description="days after the due date on which a failed automatic charge is tried "
        "again, e.g. [3, 5, 7]",
    )
    suspend_days_after_due: DaysInTenYears | None = Field(None, description="0 = never")
    cancel_days_after_due: DaysInTenYears | None = Field(None, description="0 = never")
    date_window_years: WindowYears | None = Field(
        None,
        description="dates given for payments, credit, packages and invoices lie within this "
        "many years of today",
    )
    credit_confirm_above: Money | None = Field(
        None, description="adding or removing more credit than this needs `confirm: true`"
    )
    require_staff_2fa: bool | None = None


@router.get("/settings", response=SettingsOut)
def settings_get(request: HttpRequest) -> Any:
    require(request, "settings")
    return BusinessSettings.load()


@router.patch("/settings", response=SettingsOut)
def settings_patch(request: HttpRequest, payload: SettingsPatch) -> Any:
    actor = require(request, "settings")
    values = payload.model_dump(exclude_unset=True)
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


class TaxRateIn(Body):
    country: Country = Field(description="ISO 3166 code, e.g. GB")
    region: Text = Field(
        "", max_length=100, description="county / state; empty for the whole country"
    )
    name: Filled = Field(max_length=50, description="e.g. VAT")
    rate: Rate = Field(description='percent as a decimal string, e.g. "20"')


class TaxRatePatch(Patch):
    country: Country | None = None
    region: Text | None = Field(None, max_length=100)
    name: Filled | None = Field(None, max_length=50)
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
    return tax_rate_update(actor=actor, tax_rate=tax_rate, **values)


@tax_rates.delete("/tax-rates/{id}", response={204: None})
def tax_rate_remove(request: HttpRequest, id: int) -> Any:
    actor = require(request, "settings")
    tax_rate_delete(actor=actor, tax_rate=object_or_404(TaxRate, id, "tax rate"))
    return Status(204, None)
