"""Forms of the order pages and My Account. They parse and display input; the services
decide what is allowed and write."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.urls import reverse
from django_countries import countries

from fairbill.accounts.models import LoginAttempt, User
from fairbill.accounts.services import login_attempt_record
from fairbill.catalog.models import Cycle, Option, Package
from fairbill.core.errors import FairbillError, InvalidInput
from fairbill.core.models import BusinessSettings
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.orders.services import Offer, regions_with_rates
from fairbill.portal.selectors import ChangeOptionOffer
from fairbill.subscriptions.services import option_row

MAX_TEXT = 200
_FIELD_PREFIX = re.compile(r"^[a-z][a-z _]*: ")


def error_to_form(form: forms.BaseForm, exc: FairbillError, aliases: dict[str, str]) -> None:
    """Show a service's message on the field it names (without its "field: " prefix), or
    above the form."""
    field = aliases.get(exc.field or "", exc.field or "")
    message = _FIELD_PREFIX.sub("", exc.message) if exc.field else exc.message
    message = message[:1].upper() + message[1:]
    form.add_error(field if field in form.fields else None, message)


def country_choices() -> list[tuple[str, str]]:
    return [("", "Choose a country"), *((code, str(name)) for code, name in countries)]


def region_field(country: str, initial: str = "") -> forms.Field:
    """A select of the regions that have their own tax rate in the country, or free text."""
    regions = regions_with_rates(country)
    if regions:
        choices = [(r, r) for r in regions]
        if initial and initial not in regions:
            choices.append((initial, initial))
        return forms.ChoiceField(
            label="County / state",
            choices=[("", "Other / not listed"), *choices],
            required=False,
        )
    return forms.CharField(label="County / state", max_length=100, required=False)


class AddressFields(forms.Form):
    """Contact and address fields shared by the order form and My Account details."""

    name = forms.CharField(label="Full name", max_length=MAX_TEXT)
    company = forms.CharField(max_length=MAX_TEXT, required=False)
    email = forms.EmailField(max_length=254)
    phone = forms.CharField(max_length=50, required=False)
    address_line1 = forms.CharField(label="Address", max_length=MAX_TEXT)
    address_line2 = forms.CharField(label="Address line 2", max_length=MAX_TEXT, required=False)
    city = forms.CharField(label="Town / city", max_length=100)
    postcode = forms.CharField(label="Postcode / ZIP", max_length=20, required=False)
    country = forms.ChoiceField(choices=())
    region = forms.CharField(label="County / state", max_length=100, required=False)

    address_names = [
        "address_line1",
        "address_line2",
        "city",
        "region",
        "postcode",
        "country",
    ]
    contact_names = ["name", "company", "email", "phone"]

    def _address_setup(self, default_country: str) -> None:
        country_field = self.fields["country"]
        assert isinstance(country_field, forms.ChoiceField)
        country_field.choices = country_choices()
        # The region is a select when the chosen country has regional tax rates.
        chosen = self.data.get("country") if self.is_bound else None
        country = str(chosen if chosen is not None else self.initial.get("country") or "")
        if country not in dict(countries):
            country = default_country
        self.fields["region"] = region_field(country, str(self.initial.get("region") or ""))
        self.country_shown = country

    def bound(self, names: list[str]) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]

    def contact_fields(self) -> list[forms.BoundField]:
        return self.bound(self.contact_names)

    def address_fields(self) -> list[forms.BoundField]:
        """The address without the region (rendered on its own: it changes with the country)."""
        return self.bound(["address_line1", "address_line2", "city", "postcode", "country"])

    def region_fields(self) -> list[forms.BoundField]:
        return self.bound(["region"])

    def contact_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name, "") for name in self.contact_names}

    def address_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name, "") for name in self.address_names}


class OrderPlaceForm(AddressFields):
    """The order form: package, cycle, options, contact, address, login, payment, terms.
    Option fields are named option_<id> and made from the form's offer."""

    package = forms.TypedChoiceField(coerce=int, choices=(), widget=forms.RadioSelect)
    cycle = forms.ChoiceField(label="Pay", choices=())
    payment_method = forms.ChoiceField(label="How will you pay?", choices=())
    username = forms.CharField(
        max_length=150,
        required=False,
        help_text="Leave empty to log in with your email address.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    terms = forms.BooleanField(required=False)
    # Only when the gateway can keep a card (removed otherwise): paid with the first invoice.
    save_card = forms.BooleanField(
        required=False,
        label="Save this card and pay future invoices with it automatically",
    )
    # One per copy of the page: recognises the visitor's own double click (order_repeated).
    order_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    # Honeypot: hidden from people by CSS; bots fill every field.
    website = forms.CharField(required=False, max_length=500)
    # Set by _cycle_setup: why the cycle was reset, and the chosen package's name and cycles.
    cycle_note = ""
    package_cycles: tuple[str, list[str]] | None = None

    def __init__(
        self,
        *args: Any,
        offer: Offer,
        business: BusinessSettings,
        card_label: str = "",
        saves_methods: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.business = business
        self._address_setup(str(business.country.code) if business.country else "GB")
        package_field = self.fields["package"]
        assert isinstance(package_field, forms.ChoiceField)
        package_field.choices = [(p.package.pk, p.package.name) for p in offer.packages]
        self._cycle_setup(offer)
        methods = [(PaymentMethod.BANK_TRANSFER.value, "Bank transfer")]
        if card_label:
            methods.insert(0, (PaymentMethod.CARD.value, card_label))
        methods.append((PaymentMethod.CHEQUE.value, "Cheque"))
        method_field = self.fields["payment_method"]
        assert isinstance(method_field, forms.ChoiceField)
        method_field.choices = methods
        if not (card_label and saves_methods):
            del self.fields["save_card"]
        terms = self.fields["terms"]
        terms.required = bool(business.terms_url)
        terms.error_messages["required"] = "Please accept the terms and conditions to order."
        terms.label = "I accept the terms and conditions"
        if not business.terms_url:
            del self.fields["terms"]
        for item in offer.options:
            self.fields[option_field(item.option)] = _option_form_field(item.option)

    def _cycle_setup(self, offer: Offer) -> None:
        """Offer the cycles of the chosen package only. A cycle it doesn't offer (chosen for
        another package) is an error on submit, and is reset, saying so, on a mere update."""
        field = self.fields["cycle"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c, _cycle_label(c)) for c in offer.cycles]
        source = self.data if self.is_bound else self.initial
        offered = offer.package(_int(source.get("package")) or 0)
        if offered is None:
            return
        name = offered.package.name
        cycles = [c for c in offer.cycles if offered.price_for(c) is not None]
        field.widget.choices = [(c, _cycle_label(c)) for c in cycles]
        self.package_cycles = (name, cycles)
        chosen = self.initial.get("cycle")
        if not self.is_bound and cycles and chosen and chosen not in cycles:
            instead = "monthly" if "monthly" in cycles else cycles[0]
            self.initial["cycle"] = instead
            self.cycle_note = (
                f"{name} can't be paid {_cycle_label(chosen).lower()}: "
                f"changed to {_cycle_label(instead).lower()}."
            )

    def cycle_fields(self) -> list[forms.BoundField]:
        return self.bound(["cycle"])

    def account_fields(self) -> list[forms.BoundField]:
        return self.bound(["username", "password1", "password2"])

    def payment_fields(self) -> list[forms.BoundField]:
        return self.bound(["payment_method", "save_card"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._cycle_check(data.get("cycle"))
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords are different.")
        if one and two == one:
            probe = User(
                username=data.get("username") or data.get("email") or "",
                email=data.get("email") or "",
                first_name=(data.get("name") or "")[:150],
            )
            try:
                password_validation.validate_password(one, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def _cycle_check(self, cycle: str | None) -> None:
        if self.package_cycles is None or not cycle:
            return
        name, cycles = self.package_cycles
        if cycle not in cycles:
            listed = " or ".join(_cycle_label(c).lower() for c in cycles)
            self.add_error(
                "cycle", f"{name} can't be paid {_cycle_label(cycle).lower()}: choose {listed}."
            )

    def option_rows(self) -> list[dict[str, Any]]:
        """The chosen options as rows for order_place (unchosen ones left out)."""
        return option_rows_from(self.offer, self.cleaned_data)


def option_field(option: Option) -> str:
    return f"option_{option.pk}"


def _cycle_label(cycle: str) -> str:
    return str(Cycle(cycle).label) if cycle in Cycle.values else str(cycle)


def _option_form_field(option: Option) -> forms.Field:
    if option.kind == Option.Kind.QUANTITY:
        return forms.IntegerField(
            label=option.name,
            min_value=0,
            max_value=option.max_quantity,
            required=False,
            initial=0,
            widget=forms.NumberInput(attrs={"min": 0, "max": option.max_quantity}),
        )
    if option.kind == Option.Kind.CHOICE:
        return forms.TypedChoiceField(
            label=option.name,
            coerce=int,
            required=False,
            empty_value=None,
            choices=[("", "None"), *((c.pk, c.name) for c in option.choices.all())],
        )
    return forms.BooleanField(label=option.name, required=False)


def option_rows_from(offer: Offer, values: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for item in offer.options:
        row = option_row(item.option, values.get(option_field(item.option)))
        if row is not None:
            rows.append(row)
    return rows


def lenient_choice(offer: Offer, data: Any) -> tuple[Any, Any, list[dict[str, Any]]]:
    """Package id, cycle and option rows read from raw form data for the running total,
    skipping whatever doesn't parse (the order itself validates properly)."""
    package_id: Any = _int(data.get("package"))
    cycle = data.get("cycle") or ""
    values: dict[str, Any] = {}
    for item in offer.options:
        name = option_field(item.option)
        raw = data.get(name)
        if item.option.kind == Option.Kind.QUANTITY:
            number = _int(raw)
            values[name] = number if number is not None and 0 <= number <= 10**6 else None
        elif item.option.kind == Option.Kind.CHOICE:
            values[name] = _int(raw)
        else:
            values[name] = raw not in (None, "", "off", "false")
    return package_id, cycle, option_rows_from(offer, values)


def _int(value: Any) -> int | None:
    try:
        text = str(value).strip()
        return int(text) if text and len(text) < 12 else None
    except (TypeError, ValueError):
        return None


class DetailsForm(AddressFields):
    """Contact details and billing address in My Account (not currency, status or VAT)."""

    def __init__(
        self, *args: Any, customer: Customer, initial: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        values = {name: getattr(customer, name) for name in self.contact_names}
        values.update({name: getattr(customer, name) for name in self.address_names})
        values["country"] = str(customer.country.code) if customer.country else ""
        values.update(initial or {})
        kwargs["initial"] = values
        super().__init__(*args, **kwargs)
        self._address_setup(values["country"] or "GB")


class CustomerLoginForm(AuthenticationForm):
    """My Account login: staff logins are refused here (they use the staff login)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password don't match.",
        "staff": "This is My Account, for customers. Staff log in at the staff login.",
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if (
            user.is_staff
            or not Customer.objects.filter(user=user, merged_into__isnull=True).exists()
        ):
            login_attempt_record(
                username=user.get_username(),
                result=LoginAttempt.Result.FAILURE,
                request=self.request,
                area="account",
            )
            raise forms.ValidationError(self.error_messages["staff"], code="staff")


class CustomerPasswordResetForm(PasswordResetForm):
    """Password reset for customer logins only, with the "password_reset" email text staff
    edit in Settings → Emails. The email is sent at once and not kept in the email log: the
    log is readable by staff and the link would let them take over the account."""

    def get_users(self, email: str) -> Any:
        # Unlike Django's, a login without a usable password is included: it is a customer
        # invited by staff who has not chosen a password yet (the link lets them choose one).
        # A disabled login (inactive) gets nothing.
        return User.objects.filter(
            email__iexact=email, is_active=True, is_staff=False, customer__isnull=False
        )

    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from fairbill.notifications.services import email_send_unlogged

        path = reverse("portal:password_reset_confirm", args=[context["uid"], context["token"]])
        email_send_unlogged(
            key="password_reset",
            to=to_email,
            values={
                "username": context["user"].get_username(),
                "reset_url": f"{settings.SITE_URL}{path}",
            },
        )


def change_option_rows(
    offers: list[ChangeOptionOffer], data: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Option rows for subscription_change from the `option_<id>` fields of the package
    change pages (unticked, 0 or "None" = left out; the service checks the rest)."""
    rows: list[dict[str, Any]] = []
    for offer in offers:
        raw = data.get(f"option_{offer.option.pk}")
        value: Any = raw not in (None, "", "off", "false", "0")  # a tick box
        if offer.option.kind != Option.Kind.CHECKBOX:
            value = _int(raw)
            if (
                value is None
                and raw not in (None, "")
                and offer.option.kind == Option.Kind.QUANTITY
            ):
                raise InvalidInput(f"options: {offer.option.name} needs a whole number.", "options")
        row = option_row(offer.option, value)
        if row is not None:
            rows.append(row)
    return rows


def change_package(data: Mapping[str, Any]) -> Package | None:
    """The active package chosen on the package change pages, if any."""
    package_id = _int(data.get("package"))
    if package_id is None:
        return None
    return Package.objects.filter(pk=package_id, active=True).first()
