"""Customers: contact, address and billing details, and status."""

import datetime as dt
from datetime import datetime
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fairbill.api.fields import (
    MAX_INT,
    Body,
    Country,
    Currency,
    Filled,
    Id,
    OneOf,
    Patch,
    SignedMoney,
    Text,
    money_out,
    money_resolver,
)
from fairbill.api.helpers import fields_named, object_or_404, require
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, paginate
from fairbill.core import clock
from fairbill.core.errors import InvalidInput, NotFound, Refused
from fairbill.core.identifiers import EAS_CODES, ICD_CODES
from fairbill.core.money import billable_currencies
from fairbill.customers.merge import MergeItem, customer_merge, customer_merge_preview
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.customers.models import Status as CustomerStatus
from fairbill.customers.selectors import customer_search
from fairbill.customers.services import (
    customer_create,
    customer_update,
    customer_vat_check,
)
from fairbill.payments.methods import default_method
from fairbill.payments.models import CreditEntry
from fairbill.payments.services import credit_add, credit_balance, credit_remove
from fairbill.subscriptions.services import customer_status_change

router: Router = Router(tags=["customers"])


class LoginOut(Schema):
    username: str
    active: bool = Field(description="false when staff disabled the login")
    password_set: bool = Field(
        description="false while an invited customer has not chosen a password yet"
    )

    @staticmethod
    def resolve_active(obj: Any) -> bool:
        return bool(obj.is_active)

    @staticmethod
    def resolve_password_set(obj: Any) -> bool:
        return bool(obj.has_usable_password())


class LoginIn(Body):
    """A My Account login. New: `username` (default: the email) and either `invite` (an
    email with a link to choose a password, the default) or `password`. Existing: `invite`
    sends the invitation again, `active` disables or enables the login."""

    username: Text | None = Field(None, max_length=150)
    invite: bool | None = Field(
        None, description="email the invitation; default: true for a new login without password"
    )
    password: Text | None = Field(None, max_length=128, description="never shown again")
    active: bool | None = None


def _login(login: LoginIn | None, customer: Customer | None) -> dict[str, Any] | None:
    if login is None:
        return None
    values = login.model_dump(exclude_none=True)
    if login.invite is None:
        values["invite"] = (customer is None or customer.user_id is None) and not login.password
    return values


class VatCheckOut(Schema):
    status: str = Field(description="valid, invalid, unverified (could not be checked), unchecked")
    number: str = Field(description="the VAT number that was checked")
    checked_at: datetime | None
    name: str = Field(description="the name the register gave")
    address: str
    consultation: str = Field(description="the register's consultation number (evidence)")
    error: str = Field(description="why the check could not be made, when unverified")


class CustomerOut(Schema):
    id: int
    name: str
    company: str
    email: str
    phone: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postcode: str
    country: str
    currency: str
    vat_applies: bool
    vat_number: str
    vat_check: VatCheckOut
    vat_exemption_code: str = Field(description="VATEX code of an exemption given by staff")
    vat_exemption_reason: str
    electronic_address: str = Field(description="e-invoice address (BT-49), e.g. a Peppol id")
    electronic_address_scheme: str = Field(description="its EAS code, e.g. 0088")
    buyer_reference: str = Field(description="quoted on e-invoices (BT-10)")
    company_number: str = Field(description="company registration number (BT-47)")
    company_number_scheme: str = Field(description="its ISO 6523 ICD code, if any")
    payment_method: str
    status: str
    status_reason: str
    merged_into: int | None = Field(description="the customer this one was merged into")
    login: LoginOut | None = Field(description="the My Account login, or null")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_login(obj: Customer) -> Any:
        return obj.user

    @staticmethod
    def resolve_country(obj: Customer) -> str:
        return str(obj.country.code)

    @staticmethod
    def resolve_merged_into(obj: Customer) -> int | None:
        return obj.merged_into_id

    @staticmethod
    def resolve_vat_check(obj: Customer) -> dict[str, Any]:
        return {
            "status": obj.vat_check_status,
            "number": obj.vat_check_number,
            "checked_at": obj.vat_checked_at,
            "name": obj.vat_check_name,
            "address": obj.vat_check_address,
            "consultation": obj.vat_check_consultation,
            "error": obj.vat_check_error,
        }


CustomerStatusChoice = Annotated[str, OneOf(CustomerStatus.values)]
PaymentMethodChoice = Annotated[str, OneOf(PaymentMethod.values)]
CustomerCurrency = Annotated[str, OneOf(billable_currencies(), blank=True)]
CURRENCY = "ISO 4217 code; empty for the business currency"
EasScheme = Annotated[str, OneOf(sorted(EAS_CODES), blank=True)]
IcdScheme = Annotated[str, OneOf(sorted(ICD_CODES), blank=True)]
EAS = "EAS code of the electronic address, e.g. 0088 GLN, 0208, 9930, EM"
ICD = "ISO 6523 ICD code of the registration number, e.g. 0002"


class CustomerIn(Body):
    name: Filled = Field(max_length=200)
    email: Text = Field(max_length=254, json_schema_extra={"format": "email"})
    country: Country = Field(description="ISO 3166 code, e.g. GB")
    company: Text = Field("", max_length=200)
    phone: Text = Field("", max_length=50)
    address_line1: Text = Field("", max_length=200)
    address_line2: Text = Field("", max_length=200)
    city: Text = Field("", max_length=100)
    region: Text = Field("", max_length=100)
    postcode: Text = Field("", max_length=20)
    currency: CustomerCurrency = Field("", description=CURRENCY)
    vat_applies: bool = True
    vat_number: Text = Field("", max_length=30)
    vat_exemption_code: Text = Field(
        "", max_length=30, description="VATEX code, e.g. VATEX-EU-132-1I"
    )
    vat_exemption_reason: Text = Field("", max_length=300)
    electronic_address: Text = Field("", max_length=100)
    electronic_address_scheme: EasScheme = Field("", description=EAS)
    buyer_reference: Text = Field("", max_length=100)
    company_number: Text = Field("", max_length=50)
    company_number_scheme: IcdScheme = Field("", description=ICD)
    payment_method: PaymentMethodChoice = PaymentMethod.BANK_TRANSFER.value
    status: CustomerStatusChoice = CustomerStatus.ACTIVE.value
    login: LoginIn | None = Field(None, description="give the customer a My Account login")


class CustomerPatch(Patch):
    """Only the fields sent change. `status` (with an optional `status_reason`) changes the
    customer's status; a merged customer can't be edited."""

    name: Filled | None = Field(None, max_length=200)
    email: Text | None = Field(None, max_length=254, json_schema_extra={"format": "email"})
    country: Country | None = Field(None, description="ISO 3166 code, e.g. GB")
    company: Text | None = Field(None, max_length=200)
    phone: Text | None = Field(None, max_length=50)
    address_line1: Text | None = Field(None, max_length=200)
    address_line2: Text | None = Field(None, max_length=200)
    city: Text | None = Field(None, max_length=100)
    region: Text | None = Field(None, max_length=100)
    postcode: Text | None = Field(None, max_length=20)
    currency: Currency | None = Field(None, description="ISO 4217 code")
    vat_applies: bool | None = None
    vat_number: Text | None = Field(None, max_length=30)
    vat_exemption_code: Text | None = Field(None, max_length=30)
    vat_exemption_reason: Text | None = Field(None, max_length=300)
    electronic_address: Text | None = Field(None, max_length=100)
    electronic_address_scheme: EasScheme | None = Field(None, description=EAS)
    buyer_reference: Text | None = Field(None, max_length=100)
    company_number: Text | None = Field(None, max_length=50)
    company_number_scheme: IcdScheme | None = Field(None, description=ICD)
    payment_method: PaymentMethodChoice | None = None
    status: CustomerStatusChoice | None = None
    status_reason: Text | None = Field(None, max_length=300)
    login: LoginIn | None = Field(
        None, description="create the login, resend its invitation, disable or enable it"
    )


@router.get("/customers", response=list[CustomerOut])
@paginate(Page)
def customer_list(
    request: HttpRequest,
    q: Text = "",
    status: Annotated[str, OneOf(CustomerStatus.values, blank=True)] = "",
) -> Any:
    """Customers by name; `q` searches name, company, email, phone and id."""
    require(request, "customers")
    return customer_search(query=q, status=status).select_related("user")


@router.post("/customers", response={201: CustomerOut})
@idempotent
def customer_post(request: HttpRequest, payload: CustomerIn) -> Any:
    actor = require(request, "customers")
    values = payload.model_dump(exclude={"login"})
    with fields_named(username="login.username", password="login.password", login="login"):
        customer = customer_create(actor=actor, login=_login(payload.login, None), **values)
    return Status(201, Customer.objects.select_related("user").get(pk=customer.pk))


@router.get("/customers/{id}", response=CustomerOut)
def customer_get(request: HttpRequest, id: int) -> Any:
    require(request, "customers")
    return object_or_404(Customer.objects.select_related("user"), id, "customer")


@router.patch("/customers/{id}", response=CustomerOut)
def customer_patch(request: HttpRequest, id: int, payload: CustomerPatch) -> Any:
    actor = require(request, "customers")
    customer = object_or_404(Customer, id, "customer")
    values = payload.model_dump(exclude_unset=True, exclude={"login"})
    login = _login(payload.login, customer)
    status = values.pop("status", None)
    reason = values.pop("status_reason", "")
    if values.get("payment_method") == PaymentMethod.AUTOMATIC and not default_method(customer.pk):
        raise Refused(
            "payment_method: the customer has no saved card or Direct Debit; they add one in "
            "My Account first.",
            "payment_method",
            code="no_payment_method",
        )
    if reason and status is None:
        raise InvalidInput("status_reason: give the new status too.", "status_reason")
    # Details and status change together or not at all.
    with (
        transaction.atomic(),
        fields_named(username="login.username", password="login.password", login="login"),
    ):
        if values or login is not None:
            customer = customer_update(actor=actor, customer=customer, login=login, **values)
        if status is not None:
            customer, _ = customer_status_change(
                actor=actor, customer=customer, status=status, reason=reason
            )
    return Customer.objects.select_related("user").get(pk=customer.pk)


@router.post("/customers/{id}/vat-check", response=CustomerOut)
@idempotent
def customer_vat_check_post(request: HttpRequest, id: int) -> Any:
    """Check the customer's VAT number now with VIES (EU) or HMRC (GB); the answer is in
    `vat_check`."""
    actor = require(request, "customers")
    customer = object_or_404(Customer, id, "customer")
    return customer_vat_check(actor=actor, customer=customer)


class CreditEntryOut(Schema):
    id: int
    date: dt.date
    amount: str = Field(description="positive adds credit, negative uses it")
    kind: str = Field(description=", ".join(CreditEntry.Kind.values))
    reason: str
    invoice_id: int | None
    invoice_number: str | None
    payment_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_date(obj: CreditEntry) -> dt.date:
        return obj.created_on

    resolve_amount = money_resolver("amount")

    @staticmethod
    def resolve_invoice_number(obj: CreditEntry) -> str | None:
        return obj.invoice.number if obj.invoice else None


class CreditOut(Schema):
    currency: str
    balance: str
    count: int = Field(description="the number of entries")
    entries: list[CreditEntryOut] = Field(description="newest first, a page of them")


class CreditIn(Body):
    amount: SignedMoney = Field(
        description="positive adds credit; negative removes credit given by mistake (never "
        "below a zero balance); not zero"
    )
    reason: Filled = Field(max_length=300)
    confirm: bool = Field(
        False,
        description="true to add or remove more than the business's 'confirm credit above' "
        'amount; without it such an amount answers 409 "confirm"',
    )
    notify: bool = Field(True, description="email the customer about credit added")


class CreditAdded(Schema):
    currency: str
    balance: str
    entry: CreditEntryOut


def _credit(customer: Customer, limit: int = DEFAULT_LIMIT, offset: int = 0) -> dict[str, Any]:
    entries = CreditEntry.objects.filter(customer=customer).select_related("invoice")
    return {
        "currency": customer.currency,
        "balance": money_out(credit_balance(customer), customer.currency),
        "count": entries.count(),
        "entries": list(entries.order_by("-created_at", "-id")[offset : offset + limit]),
    }


class CreditPage(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_INT, description=f"at most {MAX_LIMIT} entries")
    offset: int = Field(0, ge=0, le=MAX_INT)


@router.get("/customers/{id}/credit", response=CreditOut)
def customer_credit_get(request: HttpRequest, id: int, page: Query[CreditPage]) -> Any:
    """The account-credit balance and the ledger entries that make it, newest first."""
    require(request, "customers")
    customer = object_or_404(Customer, id, "customer")
    return _credit(customer, min(page.limit, MAX_LIMIT), page.offset)


@router.post("/customers/{id}/credit", response={201: CreditAdded})
@idempotent
def customer_credit_post(request: HttpRequest, id: int, payload: CreditIn) -> Any:
    """Add account credit, with the reason (the billing run uses it on the next invoices),
    or remove credit given by mistake with a negative amount."""
    actor = require(request, "customers")
    customer = object_or_404(Customer, id, "customer")
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one; add credit to that one.")
    amount = payload.amount
    if amount.startswith("-"):
        entry = credit_remove(
            actor=actor,
            customer=customer,
            amount=amount[1:],
            reason=payload.reason,
            on=clock.today(),
            confirmed=payload.confirm,
        )
    else:
        entry = credit_add(
            actor=actor,
            customer=customer,
            amount=amount,
            reason=payload.reason,
            on=clock.today(),
            confirmed=payload.confirm,
            notify=payload.notify,
        )
    return Status(
        201,
        {
            "currency": customer.currency,
            "balance": money_out(credit_balance(customer), customer.currency),
            "entry": entry,
        },
    )


class MergeIn(Body):
    source_id: Id = Field(description="the duplicate customer, merged into this one")


class MergeOut(Schema):
    target_id: int
    source_id: int
    moved: dict[str, int] = Field(
        description='how many records of each kind move, e.g. {"invoices": 2}'
    )


def _merge_source(source_id: int) -> Customer:
    source = Customer.objects.filter(pk=source_id).first()
    if source is None:
        raise NotFound(f"No customer with id {source_id}.", "source_id")
    return source


def _merged(target: Customer, source: Customer, items: list[MergeItem]) -> dict[str, Any]:
    return {
        "target_id": target.pk,
        "source_id": source.pk,
        "moved": {item.label: item.count for item in items},
    }


@router.get("/customers/{id}/merge-preview", response=MergeOut)
def customer_merge_preview_get(request: HttpRequest, id: int, source_id: Id) -> Any:
    """What `POST /customers/{id}/merge` would move from the source, moving nothing."""
    require(request, "customers")
    target = object_or_404(Customer, id, "customer")
    source = _merge_source(source_id)
    with fields_named(source="source_id"):
        items = customer_merge_preview(target=target, source=source)
    return _merged(target, source, items)


@router.post("/customers/{id}/merge", response=MergeOut)
@idempotent
def customer_merge_post(request: HttpRequest, id: int, payload: MergeIn) -> Any:
    """Merge a duplicate customer into this one: its subscriptions, invoices, payments,
    credit, notes, emails and history move here; the source is cancelled, can't log in, and
    keeps `merged_into`."""
    actor = require(request, "customers")
    target = object_or_404(Customer, id, "customer")
    source = _merge_source(payload.source_id)
    with fields_named(source="source_id"):
        items = customer_merge(actor=actor, target=target, source=source)
    return _merged(target, source, items)
