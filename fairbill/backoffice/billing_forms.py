"""Back-office forms for invoices, payments, credit, subscriptions, the billing run and
emails. Like the other forms they parse and display input; the services validate amounts
and write."""

from __future__ import annotations

from typing import Any

from django import forms

from fairbill.catalog.models import Cycle, Option, Package
from fairbill.core.clock import FIRST_DAY, LAST_DAY
from fairbill.customers.models import PaymentMethod
from fairbill.invoicing.models import Invoice
from fairbill.notifications.models import EmailTemplate
from fairbill.subscriptions.services import option_row

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DayField(forms.DateField):
    """A date Fairbill can bill with: between clock.FIRST_DAY and clock.LAST_DAY."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DATE)
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(
                f"Give a date between {FIRST_DAY:%-d %b %Y} and {LAST_DAY:%-d %b %Y}."
            )


def _money(placeholder: str = "0.00") -> forms.TextInput:
    return forms.TextInput(
        attrs={"inputmode": "decimal", "class": "money", "placeholder": placeholder}
    )


# Invoices


class InvoiceFilterForm(forms.Form):
    STATUSES = [("", "All statuses"), *Invoice.Status.choices]

    status = forms.ChoiceField(required=False, choices=STATUSES)
    overdue = forms.BooleanField(required=False, label="Overdue only")
    customer = forms.CharField(
        required=False,
        label="Customer",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Customer name"}),
    )
    issued_from = forms.DateField(required=False, label="Issued from", widget=DATE)
    issued_to = forms.DateField(required=False, label="Issued to", widget=DATE)


class PaymentForm(forms.Form):
    amount = forms.CharField(label="Amount received", widget=_money(), required=False)
    method = forms.ChoiceField(choices=PaymentMethod.choices)
    on = DayField(label="Date received", widget=DATE)
    reference = forms.CharField(required=False, max_length=200)
    apply_credit = forms.CharField(
        required=False, label="Apply account credit", widget=_money("0.00")
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        help_text="Kept on the invoice and in its history.",
        error_messages={"required": "Say why the invoice is voided."},
    )


class InvoiceLineForm(forms.Form):
    description = forms.CharField(required=False, max_length=500)
    quantity = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "1"}))
    unit_price = forms.CharField(required=False, label="Unit price", widget=_money())

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(str(data.get(name) or "").strip() for name in self.fields)


InvoiceLineFormSet = forms.formset_factory(InvoiceLineForm, extra=5, max_num=100)


class InvoiceForm(forms.Form):
    due_date = DayField(
        required=False, widget=DATE, help_text="Empty: today plus the payment terms."
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Printed on it."
    )


# Customers: packages and account credit


class SubscriptionForm(forms.Form):
    """A new package for a customer; every active option is offered and the service checks
    that the chosen ones go with the package."""

    package = forms.ModelChoiceField(queryset=Package.objects.filter(active=True))
    cycle = forms.ChoiceField(choices=Cycle.choices, initial=Cycle.MONTHLY)
    start_date = DayField(label="Start date", widget=DATE)
    price = forms.CharField(required=False, widget=_money("From the catalog"))
    setup_fee = forms.CharField(
        required=False, label="Setup fee", widget=_money("From the catalog")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.option_fields: list[tuple[Option, str]] = []
        options = Option.objects.filter(active=True).prefetch_related("choices", "packages")
        for option in options:
            name = f"option_{option.pk}"
            offered = ", ".join(p.name for p in option.packages.all()) or "no package"
            help_text = f"With {offered}."
            field: forms.Field
            if option.kind == Option.Kind.QUANTITY:
                field = forms.IntegerField(
                    required=False, min_value=0, max_value=option.max_quantity, help_text=help_text
                )
                field.widget.attrs["placeholder"] = "0"
            elif option.kind == Option.Kind.CHOICE:
                choices = [("", "—"), *((str(c.pk), c.name) for c in option.choices.all())]
                field = forms.ChoiceField(required=False, choices=choices, help_text=help_text)
            else:
                field = forms.BooleanField(required=False, help_text=help_text)
            field.label = f"{option.name}{f' ({option.unit})' if option.unit else ''}"
            self.fields[name] = field
            self.option_fields.append((option, name))

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("package", "cycle", "start_date", "price", "setup_fee")]

    def options_fields(self) -> list[forms.BoundField]:
        return [self[name] for _, name in self.option_fields]

    def option_rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for option, name in self.option_fields:
            row = option_row(option, self.cleaned_data.get(name))
            if row is not None:
                rows.append(row)
        return rows

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "package": data["package"],
            "cycle": data["cycle"],
            "start_date": data["start_date"],
            "price": data["price"].strip() or None,
            "setup_fee": data["setup_fee"].strip() or None,
            "options": self.option_rows(),
        }


class CreditForm(forms.Form):
    ADD, REMOVE = "add", "remove"

    action = forms.ChoiceField(
        label="What",
        choices=[(ADD, "Add credit"), (REMOVE, "Remove credit (a correction)")],
        initial=ADD,
        required=False,
        widget=forms.RadioSelect,
    )
    amount = forms.CharField(widget=_money())
    reason = forms.CharField(max_length=300, required=False)
    notify = forms.BooleanField(
        required=False, initial=True, label="Email the customer about credit added"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the customer page also has the status form's "reason".
        kwargs.setdefault("auto_id", "id_credit_%s")
        super().__init__(*args, **kwargs)


# Billing run


class BillingRunForm(forms.Form):
    as_of = DayField(label="As of", widget=DATE)


# Emails


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = [
            "subject",
            "body_html",
            "from_email",
            "reply_to",
            "cc",
            "bcc",
            "priority",
            "active",
        ]
        widgets = {"body_html": forms.Textarea(attrs={"rows": 14, "class": "code"})}
