"""Every write to customers and their notes and logins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.bulk import bulk_insert_rows
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.identifiers import electronic_address_clean, registration_clean
from fairbill.core.models import BusinessSettings, Event
from fairbill.core.money import currency_check
from fairbill.core.services import (
    changes,
    event_record,
    event_row,
    full_clean_or_raise,
    snapshot,
)
from fairbill.core.validation import country_check, text_problem
from fairbill.core.vat import vat_number_normalize
from fairbill.customers.logins import invitation_queue
from fairbill.customers.models import Customer, CustomerNote, Status, VatCheckStatus
from fairbill.customers.vat_registry import vat_number_lookup

# What a customer may give about themselves (order forms, My Account, staff).
NOTE_MAX = 5_000  # characters of a customer note

CONTACT_FIELDS = (
    "name",
    "company",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postcode",
    "country",
)
# E-invoice identifiers (staff and the API).
IDENTIFIER_FIELDS = (
    "electronic_address",
    "electronic_address_scheme",
    "buyer_reference",
    "company_number",
    "company_number_scheme",
)
EDITABLE_FIELDS = [
    *CONTACT_FIELDS,
    "currency",
    "vat_applies",
    "vat_number",
    "payment_method",
    "vat_exemption_code",
    "vat_exemption_reason",
    *IDENTIFIER_FIELDS,
]
_TEXT_FIELDS = [f for f in CONTACT_FIELDS if f != "country"] + [
    "vat_number",
    "vat_exemption_code",
    "vat_exemption_reason",
    *IDENTIFIER_FIELDS,
]
VAT_CHECK_FIELDS = [
    "vat_check_status",
    "vat_check_number",
    "vat_checked_at",
    "vat_check_name",
    "vat_check_address",
    "vat_check_consultation",
    "vat_check_error",
]


def customer_lock(customer_id: int) -> Customer:
    """Lock a customer's row, first thing in every operation on its money, packages or
    details (the one lock order: customer, then its invoices or subscriptions by id)."""
    return Customer.objects.select_for_update().get(pk=customer_id)


def _clean(customer: Customer) -> None:
    for field in _TEXT_FIELDS:
        value = getattr(customer, field)
        if not isinstance(value, str):
            raise InvalidInput(f"{field.replace('_', ' ')}: must be text.", field)
        setattr(customer, field, value.strip())
    if not customer.name:
        raise InvalidInput("name: give the customer's name.", "name")
    customer.email = customer.email.lower()
    customer.currency = (customer.currency or "").upper()
    currency_check(customer.currency)
    country = customer.country.code if customer.country else ""
    customer.vat_number = vat_number_normalize(customer.vat_number, country or "")
    customer.electronic_address_scheme, customer.electronic_address = electronic_address_clean(
        customer.electronic_address_scheme,
        customer.electronic_address,
        field="electronic_address",
    )
    customer.company_number_scheme, customer.company_number = registration_clean(
        customer.company_number_scheme, customer.company_number, field="company_number_scheme"
    )
    full_clean_or_raise(customer, exclude=["user", "merged_into"])


def customer_create(
    *,
    actor: Actor,
    name: str,
    email: str,
    country: str,
    currency: str | None = None,
    status: str = Status.ACTIVE,
    login: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Customer:
    """Create a customer; currency defaults to the business currency. `login` gives it a My
    Account login (customer_login_apply's arguments) in the same transaction. A VAT number is
    checked with its register (VIES, HMRC) once the customer is saved."""
    with transaction.atomic():
        customer = _customer_new(
            name=name, email=email, country=country, currency=currency, status=status, **fields
        )
        customer.save()
        event_record(**_created_event(actor, customer))
        if login is not None:
            customer_login_apply(actor=actor, customer=customer, **login)
            customer.refresh_from_db()
    if customer.vat_number:
        customer = customer_vat_check(actor=actor, customer=customer)
    return customer


def _customer_new(
    *, currency: str | None, default_currency: str | None = None, **values: Any
) -> Customer:
    """A validated, unsaved customer (raises InvalidInput)."""
    unknown = set(values) - set(EDITABLE_FIELDS) - {"name", "email", "country", "status"}
    if unknown:
        raise InvalidInput(f"Unknown field: {', '.join(sorted(unknown))}.")
    if "country" in values:
        values["country"] = country_check(values["country"])
    now = clock.now()
    customer = Customer(
        currency=currency or default_currency or BusinessSettings.load().currency,
        created_at=now,
        updated_at=now,
        **values,
    )
    _clean(customer)
    return customer


def _created_event(actor: Actor, customer: Customer) -> dict[str, Any]:
    return {
        "actor": actor,
        "action": "customer.created",
        "subject": customer,
        "customer_id": customer.pk,
        "message": f"Customer {customer.name} created",
        "data": {"status": customer.status, "email": customer.email},
    }


@transaction.atomic
def customers_create_many(
    *, actor: Actor, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[Customer], dict[int, str]]:
    """Create many customers at once (imports): every row is validated as customer_create
    validates one; when any row has an error nothing is written and the errors are returned
    by row index. Otherwise all are inserted in bulk, each with its Event."""
    default_currency = BusinessSettings.load().currency
    customers: list[Customer] = []
    errors: dict[int, str] = {}
    for index, row in enumerate(rows):
        values = dict(row)
        try:
            customers.append(
                _customer_new(
                    currency=values.pop("currency", None),
                    default_currency=default_currency,
                    **values,
                )
            )
        except InvalidInput as exc:
            errors[index] = exc.message
    if errors:
        return [], errors
    created = Customer.objects.bulk_create(customers, batch_size=1000)
    if any(c.pk is None for c in created):  # a backend that can't return ids
        raise RuntimeError("bulk insert did not return ids")
    bulk_insert_rows(Event, [event_row(**_created_event(actor, c)) for c in created])
    return created, {}


def customer_update(
    *, actor: Actor, customer: Customer, login: Mapping[str, Any] | None = None, **values: Any
) -> Customer:
    """Edit contact, address and billing details (not status: see customer_set_status), and
    with `login` its My Account login (customer_login_apply). A new VAT number forgets the
    last check and is checked with its register at once."""
    with transaction.atomic():
        customer, diff = _customer_update(actor=actor, customer=customer, values=values)
        if login is not None:
            customer_login_apply(actor=actor, customer=customer, **login)
            customer.refresh_from_db()
    if VAT_CHECK_INPUTS & diff.keys() and customer.vat_number:
        customer = customer_vat_check(actor=actor, customer=customer)
    return customer


def _customer_update(
    *, actor: Actor, customer: Customer, values: dict[str, Any]
) -> tuple[Customer, dict[str, Any]]:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field: {', '.join(sorted(unknown))}.")
    customer = customer_lock(customer.pk)
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one and can't be edited.")
    if "country" in values:
        values["country"] = country_check(values["country"])
    before = snapshot(customer, EDITABLE_FIELDS)
    for key, value in values.items():
        setattr(customer, key, value)
    _clean(customer)
    diff = changes(before, snapshot(customer, EDITABLE_FIELDS))
    if "currency" in diff and _has_billing_records(customer):
        # Its packages, invoices, payments and credit are in the old currency: a new one
        # would mix currencies in one account. A new customer record takes the new currency.
        raise Refused(
            f"currency: {before['currency']} can't change, the customer already has packages, "
            "invoices, payments or credit in it.",
            "currency",
        )
    if VAT_CHECK_INPUTS & diff.keys():
        _vat_check_forget(customer)
    if diff:
        customer.updated_at = clock.now()
        customer.save()
        if "email" in diff and customer.user_id:
            # The My Account login's email is where password reset links go: keep it current.
            get_user_model().objects.filter(pk=customer.user_id).update(email=customer.email)
        event_record(
            actor=actor,
            action="customer.updated",
            subject=customer,
            customer_id=customer.pk,
            data=diff,
        )
    return customer, diff


# A check is evidence about one number in one country: a new number or a move to another
# country needs a new one before a reverse charge applies again.
VAT_CHECK_INPUTS = frozenset({"vat_number", "country"})


def _vat_check_forget(customer: Customer) -> None:
    for field in VAT_CHECK_FIELDS:
        setattr(customer, field, "")
    customer.vat_check_status = VatCheckStatus.UNCHECKED
    customer.vat_checked_at = None
    customer.vat_check_retries = 0


def customer_vat_check(*, actor: Actor, customer: Customer) -> Customer:
    """Check the customer's VAT number with its register (VIES for EU numbers, HMRC for GB)
    and keep the answer as evidence: status, when, the name and address registered, and
    the consultation number. A check that could not be made is `unverified`, never
    `invalid`. Numbers no register covers stay `unchecked`. The HTTP call is made outside
    any transaction; the answer is written in one."""
    number = customer.vat_number
    if not number:
        return customer
    country = str(customer.country.code or "") if customer.country else ""
    answer = vat_number_lookup(number, country, requester=BusinessSettings.load().vat_number)
    if answer is None:
        return customer
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.vat_number != number:  # changed meanwhile: that change checks again
            return customer
        customer.vat_check_status = answer.status
        customer.vat_check_number = number
        customer.vat_checked_at = clock.now()
        customer.vat_check_name = answer.name[:300]
        customer.vat_check_address = answer.address[:500]
        customer.vat_check_consultation = answer.consultation[:100]
        customer.vat_check_error = answer.error[:300]
        unverified = answer.status == VatCheckStatus.UNVERIFIED
        customer.vat_check_retries = min(customer.vat_check_retries + 1, 1000) if unverified else 0
        customer.save(update_fields=[*VAT_CHECK_FIELDS, "vat_check_retries"])
        event_record(
            actor=actor,
            action="customer.vat_checked",
            subject=customer,
            customer_id=customer.pk,
            message=f"VAT number {number}: {answer.status}"
            + (f" ({answer.error})" if answer.error else ""),
            data={
                "number": number,
                "status": answer.status,
                "consultation": answer.consultation,
                "error": answer.error,
            },
        )
    return customer


def _has_billing_records(customer: Customer) -> bool:
    return (
        customer.subscriptions.exists()
        or customer.invoices.exists()
        or customer.estimates.exists()
        or customer.payments.exists()
        or customer.credit_entries.exists()
    )


@transaction.atomic
def customer_set_status(
    *, actor: Actor, customer: Customer, status: str, reason: str = ""
) -> Customer:
    if status not in Status.values:
        raise InvalidInput(
            f"status: '{status}' is not one of {', '.join(Status.values)}.", "status"
        )
    customer = customer_lock(customer.pk)
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one; its status can't change.")
    if customer.status == status:
        return customer
    before = customer.status
    customer.status = status
    customer.status_reason = reason[:300]
    customer.updated_at = clock.now()
    customer.save(update_fields=["status", "status_reason", "updated_at"])
    event_record(
        actor=actor,
        action="customer.status_changed",
        subject=customer,
        customer_id=customer.pk,
        message=reason,
        data={"status": [before, status]},
    )
    return customer


@transaction.atomic
def customer_note_add(
    *, actor: Actor, customer: Customer, body: str, public: bool = False
) -> CustomerNote:
    body = (body or "").strip()
    if not body:
        raise InvalidInput("note: write something.", "body")
    if len(body) > NOTE_MAX:
        raise InvalidInput(f"note: at most {NOTE_MAX:,} characters ({len(body):,} given).", "body")
    problem = text_problem(body)
    if problem:
        raise InvalidInput(f"note: {problem}.", "body")
    customer = customer_lock(customer.pk)  # a merge moves the notes under this lock
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one: add the note there.")
    note = CustomerNote.objects.create(
        customer=customer, body=body, public=public, author=actor.user, created_at=clock.now()
    )
    event_record(
        actor=actor,
        action="customer.note_added",
        subject=note,
        customer_id=customer.pk,
        data={"public": public},
    )
    return note


@transaction.atomic
def customer_login_create(
    *,
    actor: Actor,
    customer: Customer,
    username: str,
    password: str | None = None,
    invite: bool = False,
) -> Any:
    """Give a customer a My Account login. Without a password the customer chooses one
    through the invitation email (`invite`) or "Forgot your password?". A password is checked
    by the same rules as every other. Customers never get staff rights."""
    User = get_user_model()
    customer = customer_lock(customer.pk)
    if customer.user_id:
        raise Refused("This customer already has a login.")
    username = (username or "").strip()
    if not username:
        raise InvalidInput("username: choose a username or use the email address.", "username")
    if len(username) > 150:
        raise InvalidInput("username: at most 150 characters.", "username")
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(f"username: '{username}' is taken.", "username")
    if password and invite:
        raise InvalidInput("password: give a password or send an invitation, not both.", "password")
    user = User(username=username, email=customer.email, first_name=customer.name[:150])
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(f"password: {' '.join(exc.messages)}", "password") from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise InvalidInput(f"username: '{username}' is taken.", "username") from None
    customer.user = user
    customer.save(update_fields=["user"])
    event_record(
        actor=actor,
        action="customer.login_created",
        subject=customer,
        customer_id=customer.pk,
        data={"username": username, "invited": invite, "password_set": bool(password)},
    )
    if invite:
        invitation_queue(user.pk)
        event_record(
            actor=actor,
            action="customer.login_invited",
            subject=customer,
            customer_id=customer.pk,
            message=f"My Account invitation sent to {customer.email}",
            data={"username": username, "email": customer.email},
        )
    return user


@transaction.atomic
def customer_login_apply(
    *,
    actor: Actor,
    customer: Customer,
    username: str | None = None,
    invite: bool = False,
    password: str | None = None,
    active: bool | None = None,
) -> Any:
    """What the back office's and the API's "login" asks for: a customer without a login
    gets one (username: the email unless given; an invitation or a password); one with a
    login can have the invitation sent again, and be disabled or enabled."""
    from fairbill.customers.logins import customer_login_invite, customer_login_set_active

    customer = (
        Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer.pk)
    )
    user = customer.user
    if user is None:
        if active is False:
            raise InvalidInput("login: a new login can't start disabled; leave it out.", "login")
        return customer_login_create(
            actor=actor,
            customer=customer,
            username=username or customer.email,
            password=password or None,
            invite=invite,
        )
    if username is not None and username.strip().lower() != user.username.lower():
        raise InvalidInput(
            f"username: the login is '{user.username}' and its username can't change.",
            "username",
        )
    if password:
        raise InvalidInput(
            "password: only the customer changes the password of an existing login; send an "
            "invitation instead.",
            "password",
        )
    if active is not None:
        customer_login_set_active(actor=actor, customer=customer, active=active)
    if invite:
        customer_login_invite(actor=actor, customer=customer)
    return user
