"""Demo data for trying Fairbill: a small UK hosting business with its catalogue, customers
in every status, staff, and a customer with a My Account login.

Everything goes through the real services, so the demo exercises the same rules as real use.
`demo_load` runs once: it records a `demo.loaded` Event as its marker and does nothing when
that marker exists. Each step is a small function so that later steps (subscriptions,
invoices, payments) can be added in order.

The fixed passwords below are for the demo only and are printed by `fairbill demo`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from fairbill.accounts.models import PRIVILEGES, User
from fairbill.accounts.services import staff_create
from fairbill.catalog.models import Option, OrderForm, Package, TaxRate
from fairbill.catalog.services import (
    option_create,
    order_form_create,
    package_create,
    tax_rate_create,
)
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.models import BusinessSettings
from fairbill.core.selectors import DEMO_MARKER, demo_is_loaded
from fairbill.core.services import event_record, settings_update
from fairbill.customers.models import Customer, Status
from fairbill.customers.services import (
    customer_create,
    customer_login_create,
    customer_note_add,
    customer_set_status,
)
from fairbill.customers.vat_registry import registers_offline
from fairbill.demo.billing_history import billing_history_load
from fairbill.invoicing.estimates import estimate_create, estimate_send
from fairbill.invoicing.models import Invoice
from fairbill.subscriptions.models import Subscription

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "fairbill-admin"  # noqa: S105 (demo only, printed)
SUPPORT_USERNAME = "support"
SUPPORT_PASSWORD = "fairbill-support"  # noqa: S105 (demo only, printed)
CUSTOMER_USERNAME = "demo"
CUSTOMER_PASSWORD = "fairbill-demo"  # noqa: S105 (demo only, printed)
CUSTOMER_EMAIL = "alex.morgan@example.com"
# The EU business customer with a reverse charge: its made-up number counts as checked valid.
REVERSE_CHARGE_VAT_NUMBER = "DE136695976"

BUSINESS: dict[str, Any] = {
    "company_name": "Northwind Hosting Ltd",
    "email": "billing@northwindhosting.example",
    "phone": "+44 117 496 0123",
    "address_line1": "Unit 4, Harbourside Works",
    "address_line2": "12 Canons Road",
    "city": "Bristol",
    "region": "",
    "postcode": "BS1 5TX",
    "country": "GB",
    "vat_number": "GB980780684",
    "company_number": "09876543",
    "terms_url": "https://northwindhosting.example/terms",
    "payment_instructions": (
        "Please pay by bank transfer to Northwind Hosting Ltd, quoting the invoice number.\n"
        "Sort code 60-16-13, account 31926819.\n"
        "IBAN GB29 NWBK 6016 1331 9268 19, BIC NWBKGB2L."
    ),
    "currency": "GBP",
    "time_zone": "Europe/London",
    "invoice_prefix": "NW-",
    "invoice_start_number": 1001,
    "invoice_number_padding": 5,
    "payment_terms_days": 14,
    "reminder_days": [-3, 0, 3, 7],
    "suspend_days_after_due": 14,
    "cancel_days_after_due": 60,
    "order_email": "orders@northwindhosting.example",
}

# (country, region, name, rate)
TAX_RATES = [
    ("GB", "", "VAT", "20"),
    ("DE", "", "MwSt", "19"),
    ("FR", "", "TVA", "20"),
    ("IE", "", "VAT", "23"),
    ("NL", "", "BTW", "21"),
    ("US", "NY", "Sales tax", "4"),
]

# name: (description, [(cycle, price, setup fee)])
PACKAGES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "Bronze": (
        "Shared hosting for one website: 10 GB storage, 5 mailboxes, free TLS certificate.",
        [("monthly", "10.00", "5.00"), ("annually", "100.00", "0.00")],
    ),
    "Silver": (
        "Shared hosting for up to 10 websites: 50 GB storage, 25 mailboxes, staging site.",
        [
            ("monthly", "20.00", "10.00"),
            ("quarterly", "57.00", "10.00"),
            ("annually", "200.00", "0.00"),
        ],
    ),
    "Gold": (
        "A managed virtual server: 4 vCPU, 8 GB RAM, 200 GB storage, unlimited sites.",
        [("monthly", "40.00", "20.00"), ("annually", "400.00", "0.00")],
    ),
}

OPTION_CYCLES = {"monthly": Decimal(1), "quarterly": Decimal("2.85"), "annually": Decimal(10)}


@dataclass(frozen=True)
class DemoLogin:
    area: str
    url: str
    username: str
    password: str
    note: str = ""


@dataclass
class DemoResult:
    loaded: bool
    message: str
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)


def demo_load(*, if_empty: bool = False, actor: Actor | None = None) -> DemoResult:
    """Load the demo once. With `if_empty`, only into a database without customers."""
    actor = actor or Actor.system("demo")
    if demo_is_loaded():
        return DemoResult(
            False, "Demo data is already loaded: nothing to do.", logins=demo_logins()
        )
    if if_empty and Customer.objects.exists():
        return DemoResult(False, "There are customers already: demo data not loaded.")
    # Becker IT GmbH's made-up number counts as checked valid: the demo shows a reverse charge.
    with transaction.atomic(), registers_offline(valid=frozenset({REVERSE_CHARGE_VAT_NUMBER})):
        business = business_settings_load(actor)
        tax_rates_load(actor)
        packages = packages_load(actor)
        options = options_load(actor, packages)
        order_forms_load(actor, packages, options)
        staff = staff_load(actor)
        customers = customers_load(Actor.staff(staff[ADMIN_USERNAME]))
        customer_logins_load(actor, customers)
        billing_history_load(actor=Actor.staff(staff[ADMIN_USERNAME]), today=clock.today())
        estimates_load(Actor.staff(staff[ADMIN_USERNAME]), customers[CUSTOMER_EMAIL])
        counts = {
            "tax rates": TaxRate.objects.count(),
            "packages": Package.objects.count(),
            "options": Option.objects.count(),
            "order forms": OrderForm.objects.count(),
            "customers": Customer.objects.count(),
            "staff": User.objects.filter(is_staff=True).count(),
            "subscriptions": Subscription.objects.count(),
            "invoices": Invoice.objects.count(),
        }
        event_record(
            actor=actor,
            action=DEMO_MARKER,
            subject=business,
            message="Demo data loaded",
            data=counts,
        )
    return DemoResult(True, "Demo data loaded.", counts=counts, logins=demo_logins())


def demo_logins() -> list[DemoLogin]:
    """The demo logins whose demo password still works (staff may have changed them)."""
    site = settings.SITE_URL
    candidates = [
        DemoLogin("Back office", f"{site}/login/", ADMIN_USERNAME, ADMIN_PASSWORD, "administrator"),
        DemoLogin(
            "Back office", f"{site}/login/", SUPPORT_USERNAME, SUPPORT_PASSWORD, "limited staff"
        ),
        DemoLogin("My Account", f"{site}/account/", CUSTOMER_USERNAME, CUSTOMER_PASSWORD, ""),
    ]
    users = {
        u.username: u for u in User.objects.filter(username__in=[c.username for c in candidates])
    }
    return [
        c
        for c in candidates
        if c.username in users
        and users[c.username].is_active
        and users[c.username].check_password(c.password)
    ]


def business_settings_load(actor: Actor) -> BusinessSettings:
    return settings_update(actor=actor, **BUSINESS)


def tax_rates_load(actor: Actor) -> list[TaxRate]:
    rates = []
    for country, region, name, rate in TAX_RATES:
        existing = TaxRate.objects.filter(country=country, region__iexact=region).first()
        rates.append(
            existing
            or tax_rate_create(actor=actor, country=country, region=region, name=name, rate=rate)
        )
    return rates


def packages_load(actor: Actor) -> dict[str, Package]:
    packages = {}
    for order, (name, (description, prices)) in enumerate(PACKAGES.items(), start=1):
        existing = Package.objects.filter(name__iexact=name).first()
        packages[name] = existing or package_create(
            actor=actor,
            name=name,
            description=description,
            sort_order=order,
            prices=[
                {"cycle": cycle, "price": Decimal(price), "setup_fee": Decimal(setup)}
                for cycle, price, setup in prices
            ],
        )
    return packages


def _option_prices(monthly: str, choice: str = "") -> list[dict[str, Any]]:
    """Monthly price, a quarterly price with a small discount and an annual one (10 months)."""
    return [
        {
            "cycle": cycle,
            "price": (Decimal(monthly) * factor).quantize(Decimal("0.01")),
            "setup_fee": Decimal("0.00"),
            **({"choice": choice} if choice else {}),
        }
        for cycle, factor in OPTION_CYCLES.items()
    ]


def options_load(actor: Actor, packages: dict[str, Package]) -> dict[str, Option]:
    all_ids = [p.pk for p in packages.values()]
    specs: list[dict[str, Any]] = [
        {
            "name": "Extra storage",
            "kind": Option.Kind.QUANTITY,
            "unit": "10 GB",
            "max_quantity": 50,
            "description": "More disk space, in blocks of 10 GB.",
            "prices": _option_prices("2.50"),
            "package_ids": all_ids,
        },
        {
            "name": "Priority support",
            "kind": Option.Kind.CHECKBOX,
            "description": "Answers within one working hour, phone support.",
            "prices": _option_prices("15.00"),
            "package_ids": [packages["Silver"].pk, packages["Gold"].pk],
        },
        {
            "name": "Backup plan",
            "kind": Option.Kind.CHOICE,
            "description": "Off-site backups kept for 30 days.",
            "choices": ["Daily", "Hourly"],
            "prices": _option_prices("5.00", "Daily") + _option_prices("12.00", "Hourly"),
            "package_ids": all_ids,
        },
    ]
    options = {}
    for spec in specs:
        existing = Option.objects.filter(name__iexact=spec["name"]).first()
        options[spec["name"]] = existing or option_create(actor=actor, **spec)
    return options


def order_forms_load(
    actor: Actor, packages: dict[str, Package], options: dict[str, Option]
) -> OrderForm:
    existing = OrderForm.objects.filter(slug="hosting").first()
    return existing or order_form_create(
        actor=actor,
        name="Hosting",
        slug="hosting",
        description="Choose a hosting package, how often to pay, and any extras.",
        package_ids=[p.pk for p in packages.values()],
        option_ids=[o.pk for o in options.values()],
    )


def staff_load(actor: Actor) -> dict[str, User]:
    specs = [
        (ADMIN_USERNAME, ADMIN_PASSWORD, "Olivia", "Hughes", list(PRIVILEGES)),
        (SUPPORT_USERNAME, SUPPORT_PASSWORD, "Sam", "Patel", ["customers", "invoices", "reports"]),
    ]
    staff = {}
    for username, password, first, last, privileges in specs:
        existing = User.objects.filter(username__iexact=username).first()
        staff[username] = existing or staff_create(
            actor=actor,
            username=username,
            email=f"{username}@northwindhosting.example",
            password=password,
            privileges=privileges,
            first_name=first,
            last_name=last,
        )
    return staff


# name, email, country, status, extra fields, status reason, notes [(body, public)]
CUSTOMERS: list[tuple[str, str, str, str, dict[str, Any], str, list[tuple[str, bool]]]] = [
    (
        "Alex Morgan",
        CUSTOMER_EMAIL,
        "GB",
        Status.ACTIVE,
        {
            "address_line1": "7 Park Row",
            "city": "Leeds",
            "postcode": "LS1 5HD",
            "phone": "+44 113 496 0456",
        },
        "",
        [("Welcome to Northwind! Your control panel details were emailed to you.", True)],
    ),
    (
        "Priya Shah",
        "accounts@shahdesign.example",
        "GB",
        Status.ACTIVE,
        {
            "company": "Shah Design Studio Ltd",
            "address_line1": "21 Deansgate",
            "city": "Manchester",
            "postcode": "M3 4LQ",
            "vat_number": "GB220179833",
        },
        "",
        [("Agency reseller: hosts about 30 client sites on Gold.", False)],
    ),
    (
        "Tom Fletcher",
        "tom@fletcherbakery.example",
        "GB",
        Status.ACTIVE,
        {
            "company": "Fletcher's Bakery",
            "address_line1": "3 Market Street",
            "city": "York",
            "postcode": "YO1 8SS",
            "payment_method": "card",
        },
        "",
        [],
    ),
    (
        "Greenleaf Charity Trust",
        "office@greenleaf.example",
        "GB",
        Status.ACTIVE,
        {
            "address_line1": "88 Queen Street",
            "city": "Edinburgh",
            "postcode": "EH2 4NA",
            "payment_method": "cheque",
        },
        "",
        [("Pays by cheque at the start of each quarter.", False)],
    ),
    (
        "Klaus Becker",
        "rechnung@becker-it.example",
        "DE",
        Status.ACTIVE,
        {
            "company": "Becker IT GmbH",
            "address_line1": "Friedrichstraße 123",
            "city": "Berlin",
            "postcode": "10117",
            "vat_number": REVERSE_CHARGE_VAT_NUMBER,
            "vat_applies": False,
        },
        "",
        [("EU business with a VAT number: reverse charge, no UK VAT.", False)],
    ),
    (
        "Maria Gonzalez",
        "maria@gonzalezphoto.example",
        "US",
        Status.ACTIVE,
        {
            "address_line1": "455 Broadway",
            "city": "New York",
            "region": "NY",
            "postcode": "10013",
            "payment_method": "card",
        },
        "",
        [],
    ),
    (
        "Sophie Martin",
        "sophie@atelier-martin.example",
        "FR",
        Status.PENDING,
        {
            "company": "Atelier Martin SARL",
            "address_line1": "14 rue de la Paix",
            "city": "Paris",
            "postcode": "75002",
            "vat_number": "FR40303265045",
            "vat_applies": False,
        },
        "",
        [],
    ),
    (
        "Liam O'Brien",
        "liam@obrienjoinery.example",
        "IE",
        Status.PENDING,
        {
            "company": "O'Brien Joinery",
            "address_line1": "5 Grafton Street",
            "city": "Dublin",
            "postcode": "D02 X285",
        },
        "",
        [],
    ),
    (
        "Hannah Wright",
        "hannah.wright@example.com",
        "GB",
        Status.SUSPENDED,
        {"address_line1": "40 Castle Street", "city": "Cardiff", "postcode": "CF10 1BW"},
        "Renewal invoice unpaid 14 days after its due date.",
        [("Called on the phone: promised to pay by the end of the month.", False)],
    ),
    (
        "Jansen Webshop",
        "info@jansenwebshop.example",
        "NL",
        Status.SUSPENDED,
        {
            "company": "Jansen Webshop B.V.",
            "address_line1": "Damrak 70",
            "city": "Amsterdam",
            "postcode": "1012 LM",
            "vat_number": "NL004495445B01",
            "vat_applies": False,
        },
        "Suspended at the customer's request during a site rebuild.",
        [],
    ),
    (
        "Daniel Carter",
        "dan.carter@example.net",
        "US",
        Status.CANCELLED,
        {
            "address_line1": "1200 Pine Street",
            "city": "Seattle",
            "region": "WA",
            "postcode": "98101",
            "vat_applies": False,
        },
        "Moved his sites to another provider.",
        [("Asked for an export of his mailboxes before closing.", False)],
    ),
    (
        "Emily Clarke",
        "emily@clarkeconsulting.example",
        "GB",
        Status.ERROR,
        {
            "company": "Clarke Consulting",
            "address_line1": "9 Bridge Street",
            "city": "Cambridge",
            "postcode": "CB2 1UF",
            "payment_method": "card",
        },
        "Signup failed: the card payment was declined by the bank.",
        [],
    ),
]


def customers_load(actor: Actor) -> dict[str, Customer]:
    """Create the demo customers in the business currency. Suspended, cancelled and failed
    ones are created first and then moved to their status with a reason, as staff would."""
    customers = {}
    for name, email, country, status, fields, reason, notes in CUSTOMERS:
        existing = Customer.objects.filter(email__iexact=email).first()
        if existing is not None:
            customers[email] = existing
            continue
        customer = customer_create(
            actor=actor,
            name=name,
            email=email,
            country=country,
            status=Status.PENDING if status in (Status.PENDING, Status.ERROR) else Status.ACTIVE,
            **fields,
        )
        if status not in (Status.ACTIVE, Status.PENDING):
            customer = customer_set_status(
                actor=actor, customer=customer, status=status, reason=reason
            )
        for body, public in notes:
            customer_note_add(actor=actor, customer=customer, body=body, public=public)
        customers[email] = customer
    return customers


def estimates_load(actor: Actor, customer: Customer) -> None:
    """A sent estimate waiting for the demo customer's answer in My Account."""
    today = clock.today()
    estimate = estimate_create(
        actor=actor,
        customer=customer,
        lines=[
            {"description": "Website migration (days)", "quantity": "2", "unit_price": "350.00"},
            {"description": "SSL certificate, 1 year", "quantity": "1", "unit_price": "49.00"},
        ],
        issue_date=today,
        valid_until=today + timedelta(days=30),
        notes="Includes moving the mailboxes.",
    )
    estimate_send(actor=actor, estimate=estimate, on=today)


def customer_logins_load(actor: Actor, customers: dict[str, Customer]) -> User | None:
    customer = customers[CUSTOMER_EMAIL]
    if customer.user_id or User.objects.filter(username__iexact=CUSTOMER_USERNAME).exists():
        return None
    user: User = customer_login_create(
        actor=actor, customer=customer, username=CUSTOMER_USERNAME, password=CUSTOMER_PASSWORD
    )
    return user
