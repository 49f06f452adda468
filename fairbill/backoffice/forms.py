"""Back-office forms. They parse and display input; the services decide what is allowed and
write (a form never saves a model itself)."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from babel.numbers import get_currency_name
from django import forms

from fairbill.accounts.models import PRIVILEGES, LoginAttempt, User
from fairbill.catalog.models import Cycle, Option, Package, TaxRate
from fairbill.core.errors import InvalidInput
from fairbill.core.identifiers import eas_choices
from fairbill.core.models import BusinessSettings
from fairbill.core.money import active_currencies, parse_amount, parse_decimal
from fairbill.customers.models import Customer, PaymentMethod, Status
from fairbill.customers.services import EDITABLE_FIELDS, NOTE_MAX
from fairbill.payments.methods import default_method


@cache
def currency_choices() -> list[tuple[str, str]]:
    """The currencies in use today as (code, "code — name"); obsolete ones left out."""
    return [(code, _currency_label(code)) for code in active_currencies()]


def _currency_label(code: str) -> str:
    return f"{code} — {get_currency_name(code, locale='en_GB')}"


def _with_current(choices: list[tuple[str, str]], current: str) -> list[tuple[str, str]]:
    """Keep a stored value selectable even when the standard list no longer offers it."""
    if current and current not in {code for code, _ in choices}:
        return [(current, f"{_currency_label(current)} (no longer in use)"), *choices]
    return choices


def _choices(form: forms.BaseForm, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _amount(form: forms.Form, field: str, value: str, currency: str, label: str) -> Decimal | None:
    """Parse one amount cell, putting a clear error on that cell when it is wrong."""
    if not value.strip():
        return None
    try:
        return parse_amount(value, currency, field=label)
    except InvalidInput as exc:
        message = exc.message.removeprefix(f"{label}: ").removeprefix(label + " ")
        form.add_error(field, message[:1].upper() + message[1:])
        return None


class StrictDecimalField(forms.CharField):
    """A decimal that is not money (a rate, a quantity), parsed as strictly as money by
    core.money.parse_decimal: no "1e2", "2_0" or digits of other scripts."""

    def __init__(
        self,
        *,
        places: int,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        **kwargs: Any,
    ):
        self.places, self.minimum, self.maximum = places, minimum, maximum
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_decimal(
                text,
                field="value",
                places=self.places,
                minimum=self.minimum,
                maximum=self.maximum,
                label="value",
            )
        except InvalidInput as exc:
            message = exc.message.removeprefix("value: ")
            raise forms.ValidationError(message[:1].upper() + message[1:]) from None


class Fieldsets:
    """Forms that are shown in groups: `fieldsets` = [(legend, [field names])]."""

    fieldsets: list[tuple[str, list[str]]] = []

    def grouped(self) -> list[tuple[str, list[forms.BoundField]]]:
        form: Any = self
        return [(legend, [form[name] for name in names]) for legend, names in self.fieldsets]


# Customers


def _scheme_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=eas_choices,
        required=False,
        label="Electronic address scheme",
        help_text="EAS code of the address (e.g. 0088 GLN, 0208 Belgian enterprise number).",
    )


class CustomerForm(Fieldsets, forms.ModelForm):
    currency = forms.ChoiceField(choices=())
    electronic_address_scheme = _scheme_field()
    fieldsets = [
        ("Contact", ["name", "company", "email", "phone"]),
        ("Address", ["address_line1", "address_line2", "city", "region", "postcode", "country"]),
        ("Billing", ["currency", "payment_method", "vat_number", "vat_applies"]),
        (
            "VAT exemption (staff only: no VAT is charged)",
            ["vat_exemption_code", "vat_exemption_reason"],
        ),
        (
            "E-invoices",
            [
                "electronic_address_scheme",
                "electronic_address",
                "buyer_reference",
                "company_number",
                "company_number_scheme",
            ],
        ),
    ]

    class Meta:
        model = Customer
        fields = EDITABLE_FIELDS
        widgets = {"vat_number": forms.TextInput(attrs={"placeholder": "e.g. GB980780684"})}
        labels = {"address_line1": "Address line 1", "address_line2": "Address line 2"}
        help_texts = {"company_number_scheme": "ISO 6523 ICD code, if needed (e.g. 0208)."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.currency if self.instance.pk else ""
        _choices(self, "currency", _with_current(currency_choices(), current))
        if not self.instance.pk:
            self.initial.setdefault("currency", BusinessSettings.load().currency)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        if not self.instance.user_id:
            # A customer without a login can get one here (the login's box on the edit
            # page resends the invitation or disables it afterwards).
            self.fields.update(LoginFields(initial_method=self._login_default()).fields)
            self.fieldsets = [*self.fieldsets, ("My Account login", LoginFields.names)]

    def _login_default(self) -> str:
        # New customers are invited by default; editing an address sends nobody an email.
        return LoginFields.NONE if self.instance.pk else LoginFields.INVITE

    def customer_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in LoginFields.names}

    def login_values(self) -> dict[str, Any] | None:
        """The customer_login_apply arguments, or None for no login."""
        method = self.cleaned_data.get("login")
        if not method or method == LoginFields.NONE:
            return None
        return {
            "username": self.cleaned_data["username"].strip() or None,
            "invite": method == LoginFields.INVITE,
            "password": self.cleaned_data["password"] if method == LoginFields.PASSWORD else None,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("login") == LoginFields.PASSWORD and not data.get("password"):
            self.add_error("password", "Type the password, or choose the invitation.")
        if data.get("payment_method") == PaymentMethod.AUTOMATIC and (
            not self.instance.pk or default_method(self.instance.pk) is None
        ):
            self.add_error(
                "payment_method",
                "Automatic needs a saved card or Direct Debit: the customer adds one in My "
                "Account → Payment methods.",
            )
        return data


class LoginFields(forms.Form):
    """A My Account login for a customer: an invitation to choose a password (the default),
    or a password staff type once (it is never shown again)."""

    INVITE, PASSWORD, NONE = "invite", "password", "none"
    names = ["login", "username", "password"]

    login = forms.ChoiceField(
        label="Login",
        required=False,
        choices=[
            (INVITE, "Email an invitation to choose a password"),
            (PASSWORD, "Set a password now (it is never shown again)"),
            (NONE, "No login"),
        ],
        widget=forms.RadioSelect,
    )
    username = forms.CharField(
        required=False, max_length=150, help_text="Empty: the email address."
    )
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Only with “Set a password now”; the usual password rules apply.",
    )

    def __init__(self, *args: Any, initial_method: str = INVITE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].initial = initial_method
        self.fields["username"].widget.attrs["autocomplete"] = "off"


class CustomerFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses"), *Status.choices], label="Status"
    )
    incomplete = forms.BooleanField(required=False, label="Missing invoice details")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, company, email, phone or id"}
        )


class CustomerStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    reason = forms.CharField(required=False, max_length=300)


class CustomerNoteForm(forms.Form):
    body = forms.CharField(
        label="Note", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(required=False, label="Public (the customer sees it in My Account)")


# Packages, options, order forms


class PackageForm(forms.Form):
    """A package with a fixed table of the seven cycles; rows left empty are not offered."""

    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(required=False, initial=True, help_text="Can be ordered.")
    sort_order = forms.IntegerField(min_value=0, initial=0, label="Sort order")

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        for cycle, label in Cycle.choices:
            self.fields[f"price_{cycle}"] = forms.CharField(
                required=False, label=f"{label} price", widget=_money_input(f"{label} price")
            )
            self.fields[f"setup_{cycle}"] = forms.CharField(
                required=False,
                label=f"{label} setup fee",
                widget=_money_input(f"{label} setup fee"),
            )

    def price_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[f"price_{c}"], self[f"setup_{c}"]) for c, label in Cycle.choices]

    def visible_fields(self) -> list[forms.BoundField]:
        # The price table is rendered on its own, not by form_fields.html.
        return [f for f in super().visible_fields() if not f.name.startswith(("price_", "setup_"))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        prices = []
        for cycle, label in Cycle.choices:
            raw_price = data.get(f"price_{cycle}") or ""
            raw_setup = data.get(f"setup_{cycle}") or ""
            if not raw_price.strip() and not raw_setup.strip():
                continue
            price = _amount(self, f"price_{cycle}", raw_price, self.currency, f"{label} price")
            setup = _amount(self, f"setup_{cycle}", raw_setup, self.currency, f"{label} setup fee")
            if not raw_price.strip():
                self.add_error(f"price_{cycle}", "Give a price, or leave the setup fee empty.")
            elif price is not None:
                prices.append({"cycle": cycle, "price": price, "setup_fee": setup or Decimal("0")})
        data["prices"] = prices
        return data

    @staticmethod
    def initial_for(package: Package, currency: str) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": package.name,
            "description": package.description,
            "active": package.active,
            "sort_order": package.sort_order,
        }
        for price in package.prices.all():
            if price.currency == currency:
                initial[f"price_{price.cycle}"] = price.price
                initial[f"setup_{price.cycle}"] = price.setup_fee
        return initial


def _money_input(label: str = "") -> forms.TextInput:
    attrs = {"inputmode": "decimal", "class": "money", "placeholder": "—"}
    if label:
        attrs["aria-label"] = label  # the price table shows the cycle once per row
    return forms.TextInput(attrs=attrs)


class OptionForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(
        choices=Option.Kind.choices, help_text="Can't be changed once the option exists."
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.CharField(required=False, max_length=30, help_text="e.g. GB, for quantities")
    max_quantity = forms.IntegerField(min_value=1, initial=1000, label="Maximum quantity")
    active = forms.BooleanField(required=False, initial=True)
    packages = forms.ModelMultipleChoiceField(
        queryset=Package.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The packages this option can be ordered with.",
    )
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Choice options only: one choice per line (e.g. Standard, Priority).",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["kind"].disabled = True

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class OptionPriceRowForm(forms.Form):
    choice = forms.CharField(required=False, max_length=100)
    cycle = forms.ChoiceField(choices=Cycle.choices)
    price = forms.CharField(required=False, widget=_money_input())
    setup_fee = forms.CharField(required=False, widget=_money_input())

    def __init__(self, *args: Any, currency: str = "GBP", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw_price = data.get("price") or ""
        raw_setup = data.get("setup_fee") or ""
        data["empty"] = not raw_price.strip() and not raw_setup.strip()
        if data["empty"]:
            return data
        data["price"] = _amount(self, "price", raw_price, self.currency, "price")
        data["setup_fee"] = _amount(self, "setup_fee", raw_setup, self.currency, "setup fee")
        if not raw_price.strip():
            self.add_error("price", "Give a price, or leave the setup fee empty.")
        return data


OptionPriceFormSet = forms.formset_factory(OptionPriceRowForm, extra=0)


class OrderFormForm(forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.SlugField(
        required=False, help_text="The page is /order/<slug>/; empty = made from the name."
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    packages = forms.ModelMultipleChoiceField(
        queryset=Package.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    options = forms.ModelMultipleChoiceField(
        queryset=Option.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    cycles = forms.MultipleChoiceField(
        choices=Cycle.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked = every cycle the package is priced for.",
    )
    active = forms.BooleanField(required=False, initial=True)


class TaxRateForm(forms.ModelForm):
    rate = StrictDecimalField(
        places=4, minimum=Decimal("0"), maximum=Decimal("100"), help_text="Percent, e.g. 20"
    )

    class Meta:
        model = TaxRate
        fields = ["country", "region", "name", "rate"]
        help_texts = {"region": "Leave empty for the whole country."}


# Settings


BUSINESS_FIELDS = [
    "company_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postcode",
    "country",
    "vat_number",
    "company_number",
    "company_number_scheme",
    "electronic_address",
    "electronic_address_scheme",
    "logo",
    "terms_url",
    "payment_instructions",
    "bank_account_name",
    "iban",
    "bic",
]

BILLING_FIELDS = [
    "currency",
    "time_zone",
    "invoice_prefix",
    "invoice_start_number",
    "invoice_number_padding",
    "credit_note_prefix",
    "credit_note_start_number",
    "payment_terms_days",
    "invoice_days_before_renewal",
    "auto_apply_credit",
    "credit_on_downgrade",
    "reminder_days",
    "charge_retry_days",
    "suspend_days_after_due",
    "cancel_days_after_due",
    "date_window_years",
    "credit_confirm_above",
    "attach_pdf",
    "einvoice_pdf",
    "vat_check_max_age_days",
    "order_email",
    "order_return_url",
    "require_staff_2fa",
]


class BusinessForm(Fieldsets, forms.ModelForm):
    logo = forms.ImageField(required=False, help_text="PNG, JPEG or GIF; shown on invoices.")
    terms_url = forms.URLField(
        required=False, assume_scheme="https", label="Terms & conditions URL"
    )
    electronic_address_scheme = _scheme_field()
    fieldsets = [
        ("Business", ["company_name", "company_number", "vat_number", "email", "phone"]),
        ("Address", ["address_line1", "address_line2", "city", "region", "postcode", "country"]),
        ("On invoices", ["logo", "terms_url", "payment_instructions"]),
        ("Bank account (bank transfers, e-invoices)", ["bank_account_name", "iban", "bic"]),
        (
            "E-invoice identifiers",
            ["electronic_address_scheme", "electronic_address", "company_number_scheme"],
        ),
    ]

    class Meta:
        model = BusinessSettings
        fields = BUSINESS_FIELDS
        widgets = {"payment_instructions": forms.Textarea(attrs={"rows": 3})}
        labels = {"address_line1": "Address line 1", "address_line2": "Address line 2"}
        help_texts = {
            "vat_number": "Needed to reverse-charge EU business customers, and in every "
            "e-invoice that charges VAT (EN 16931 rules BR-AE-02, BR-S-02)."
        }

    def values(self) -> dict[str, Any]:
        """The changes to give settings_update (the logo only when uploaded or cleared)."""
        values = {k: v for k, v in self.cleaned_data.items() if k != "logo"}
        if self.cleaned_data.get("logo") is False:
            values["logo"] = ""
        elif "logo" in self.files:
            values["logo"] = self.cleaned_data["logo"]
        return values


class BillingForm(Fieldsets, forms.ModelForm):
    currency = forms.ChoiceField(choices=())
    fieldsets = [
        ("Money and time", ["currency", "time_zone"]),
        ("Invoice numbers", ["invoice_prefix", "invoice_start_number", "invoice_number_padding"]),
        ("Credit note numbers", ["credit_note_prefix", "credit_note_start_number"]),
        (
            "Due dates and credit",
            [
                "payment_terms_days",
                "invoice_days_before_renewal",
                "auto_apply_credit",
                "credit_on_downgrade",
            ],
        ),
        (
            "Reminders and overdue invoices",
            ["reminder_days", "suspend_days_after_due", "cancel_days_after_due"],
        ),
        ("Automatic payments", ["charge_retry_days"]),
        ("Emails and orders", ["attach_pdf", "order_email", "order_return_url"]),
        ("Sanity checks", ["date_window_years", "credit_confirm_above"]),
        ("Tax and e-invoices", ["vat_check_max_age_days", "einvoice_pdf"]),
        ("Security", ["require_staff_2fa"]),
    ]
    time_zone = forms.ChoiceField(choices=())
    order_return_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Order return URL",
        help_text="Where customers go after ordering.",
    )
    reminder_days = forms.CharField(
        required=False,
        label="Reminder days",
        help_text="Days relative to the due date, separated by commas, e.g. -3, 0, 3, 7.",
    )
    charge_retry_days = forms.CharField(
        required=False,
        label="Retry a failed charge",
        help_text="Days after the due date to try a declined automatic charge again, "
        "separated by commas, e.g. 3, 5, 7.",
    )

    class Meta:
        model = BusinessSettings
        fields = BILLING_FIELDS
        labels = {
            "invoice_number_padding": "Invoice and credit note number digits",
            "invoice_days_before_renewal": "Invoice days before renewal",
            "suspend_days_after_due": "Suspend days after due",
            "cancel_days_after_due": "Cancel days after due",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "currency", _with_current(currency_choices(), self.instance.currency))
        _choices(self, "time_zone", [(z, z) for z in sorted(available_timezones())])
        self.initial["reminder_days"] = ", ".join(str(d) for d in self.instance.reminder_days)
        self.initial["charge_retry_days"] = ", ".join(
            str(d) for d in self.instance.charge_retry_days
        )

    def clean_reminder_days(self) -> list[int]:
        return _days(self.cleaned_data["reminder_days"], example="-3, 0, 3, 7")

    def clean_charge_retry_days(self) -> list[int]:
        return _days(self.cleaned_data["charge_retry_days"], example="3, 5, 7")


def _days(text: str, *, example: str) -> list[int]:
    """Whole numbers of days separated by commas or spaces."""
    days = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        if not re.fullmatch(r"[+-]?\d{1,4}", part):
            raise forms.ValidationError(f"'{part}' is not a whole number; write e.g. {example}.")
        days.append(int(part))
    return days


class StaffCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    first_name = forms.CharField(required=False, max_length=150)
    last_name = forms.CharField(required=False, max_length=150)
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password.",
    )
    privileges = forms.MultipleChoiceField(
        choices=list(PRIVILEGES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="All of them make an administrator.",
    )


class PrivilegesForm(forms.Form):
    privileges = forms.MultipleChoiceField(
        choices=list(PRIVILEGES.items()), required=False, widget=forms.CheckboxSelectMultiple
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, required=False, help_text="What uses it, e.g. 'accounting export'."
    )
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("username"),
        label="Acts as",
        help_text="The key has this staff user's privileges.",
    )


class LoginFilterForm(forms.Form):
    result = forms.ChoiceField(
        required=False, choices=[("", "All results"), *LoginAttempt.Result.choices]
    )
