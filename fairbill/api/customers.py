"""Customers: contact, address and billing details, and status."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fairbill.api.api import object_or_404, require
from fairbill.api.fields import Patch, Text
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import Page, paginate
from fairbill.core.errors import InvalidInput
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.customers.models import Status as CustomerStatus
from fairbill.customers.selectors import customer_search
from fairbill.customers.services import customer_create, customer_set_status, customer_update

router: Router = Router(tags=["customers"])

STATUSES = ", ".join(CustomerStatus.values)
PAYMENT_METHODS = ", ".join(PaymentMethod.values)


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
    payment_method: str
    status: str
    status_reason: str
    merged_into: int | None = Field(description="the customer this one was merged into")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_country(obj: Customer) -> str:
        return str(obj.country.code)

    @staticmethod
    def resolve_merged_into(obj: Customer) -> int | None:
        return obj.merged_into_id


class CustomerIn(Schema):
    model_config = {"extra": "forbid"}

    name: Text
    email: Text
    country: Text = Field(description="ISO 3166 code, e.g. GB")
    company: Text = ""
    phone: Text = ""
    address_line1: Text = ""
    address_line2: Text = ""
    city: Text = ""
    region: Text = ""
    postcode: Text = ""
    currency: Text = Field("", description="ISO 4217 code; empty for the business currency")
    vat_applies: bool = True
    vat_number: Text = ""
    payment_method: Text = Field(PaymentMethod.BANK_TRANSFER, description=PAYMENT_METHODS)
    status: Text = Field(CustomerStatus.ACTIVE, description=STATUSES)


class CustomerPatch(Patch):
    """Only the fields sent change. `status` (with an optional `status_reason`) changes the
    customer's status; a merged customer can't be edited."""

    name: Text | None = None
    email: Text | None = None
    country: Text | None = None
    company: Text | None = None
    phone: Text | None = None
    address_line1: Text | None = None
    address_line2: Text | None = None
    city: Text | None = None
    region: Text | None = None
    postcode: Text | None = None
    currency: Text | None = None
    vat_applies: bool | None = None
    vat_number: Text | None = None
    payment_method: Text | None = Field(None, description=PAYMENT_METHODS)
    status: Text | None = Field(None, description=STATUSES)
    status_reason: Text | None = Field(None, max_length=300)


@router.get("/customers", response=list[CustomerOut])
@paginate(Page)
def customer_list(request: HttpRequest, q: Text = "", status: Text = "") -> Any:
    """Customers by name; `q` searches name, company, email, phone and id."""
    require(request, "customers")
    if status and status not in CustomerStatus.values:
        raise InvalidInput(f"status: '{status}' is not one of {STATUSES}.", "status")
    return customer_search(query=q, status=status)


@router.post("/customers", response={201: CustomerOut})
@idempotent
def customer_post(request: HttpRequest, payload: CustomerIn) -> Any:
    actor = require(request, "customers")
    values = payload.model_dump()
    values["country"] = values["country"].strip().upper()
    return Status(201, customer_create(actor=actor, **values))


@router.get("/customers/{id}", response=CustomerOut)
def customer_get(request: HttpRequest, id: int) -> Any:
    require(request, "customers")
    return object_or_404(Customer, id, "customer")


@router.patch("/customers/{id}", response=CustomerOut)
def customer_patch(request: HttpRequest, id: int, payload: CustomerPatch) -> Any:
    actor = require(request, "customers")
    customer = object_or_404(Customer, id, "customer")
    values = payload.model_dump(exclude_unset=True)
    status = values.pop("status", None)
    reason = values.pop("status_reason", "")
    if reason and status is None:
        raise InvalidInput("status_reason: give the new status too.", "status_reason")
    if "country" in values:
        values["country"] = values["country"].strip().upper()
    # Details and status change together or not at all.
    with transaction.atomic():
        if values:
            customer = customer_update(actor=actor, customer=customer, **values)
        if status is not None:
            customer = customer_set_status(
                actor=actor, customer=customer, status=status, reason=reason
            )
    return Customer.objects.get(pk=customer.pk)
