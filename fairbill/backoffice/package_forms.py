"""Back-office forms for a customer's packages: the edit form, the upgrade/downgrade wizard's
choices, and picking a duplicate customer to merge. They parse input; the services decide."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from fairbill.backoffice.billing_forms import DATE, DayField, _money
from fairbill.backoffice.views.common import CYCLE_ORDER
from fairbill.catalog.models import Cycle, Option, OptionPrice, Package
from fairbill.core.money import format_money, quantize
from fairbill.customers.models import PaymentMethod, Status
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import option_row

RECURRING = [(value, label) for value, label in Cycle.choices if value != Cycle.ONE_TIME]


def _price_list(prices: Iterable[OptionPrice], currency: str) -> str:
    """ "Monthly £2.00 · Annually £20.00" (per choice for choice options)."""
    by_choice: dict[str, list[OptionPrice]] = defaultdict(list)
    for price in prices:
        if price.currency == currency:
            by_choice[price.choice.name if price.choice else ""].append(price)
    parts = []
    for choice, rows in by_choice.items():
        rows.sort(key=lambda p: CYCLE_ORDER[p.cycle])
        text = ", ".join(f"{Cycle(p.cycle).label} {format_money(p.price, currency)}" for p in rows)
        parts.append(f"{choice}: {text}" if choice else text)
    return " · ".join(parts) or f"No price in {currency}."


class OptionFields:
    """Adds one field per option (checkbox, quantity or choice) named option_<id>, with its
    prices per cycle as help text, and turns them back into the services' option rows."""

    option_fields: list[tuple[Option, str]]

    def add_option_fields(
        self, options: Iterable[Option], currency: str, current: dict[int, Any]
    ) -> None:
        form: Any = self
        self.option_fields = []
        for option in options:
            name = f"option_{option.pk}"
            offered = ", ".join(p.name for p in option.packages.all()) or "no package"
            help_text = f"With {offered}. {_price_list(option.prices.all(), currency)}"
            field: forms.Field
            if option.kind == Option.Kind.QUANTITY:
                field = forms.IntegerField(
                    required=False, min_value=0, max_value=option.max_quantity
                )
                field.widget.attrs["placeholder"] = "0"
            elif option.kind == Option.Kind.CHOICE:
                choices = [("", "—"), *((str(c.pk), c.name) for c in option.choices.all())]
                field = forms.ChoiceField(required=False, choices=choices)
            else:
                field = forms.BooleanField(required=False)
            field.help_text = help_text
            field.label = f"{option.name}{f' ({option.unit})' if option.unit else ''}"
            form.fields[name] = field
            if option.pk in current:
                form.initial.setdefault(name, current[option.pk])
            self.option_fields.append((option, name))

    def options_bound(self) -> list[forms.BoundField]:
        form: Any = self
        return [form[name] for _, name in self.option_fields]

    def option_rows(self) -> list[dict[str, Any]]:
        form: Any = self
        rows: list[dict[str, Any]] = []
        for option, name in self.option_fields:
            row = option_row(option, form.cleaned_data.get(name))
            if row is not None:
                rows.append(row)
        return rows


def current_options(subscription: Subscription) -> dict[int, Any]:
    """The subscription's options as the form's initial values."""
    values: dict[int, Any] = {}
    for o in subscription.options.all():
        if o.option.kind == Option.Kind.QUANTITY:
            values[o.option_id] = o.quantity
        elif o.option.kind == Option.Kind.CHOICE:
            values[o.option_id] = str(o.choice_id) if o.choice_id else ""
        else:
            values[o.option_id] = True
    return values


def _options_for(package_ids: list[int]) -> Iterable[Option]:
    return (
        Option.objects.filter(active=True, packages__in=package_ids)
        .distinct()
        .prefetch_related("choices", "packages", "prices__choice")
    )


class SubscriptionEditForm(OptionFields, forms.Form):
    """Edit what the next renewal bills (subscription_update)."""

    price = forms.CharField(widget=_money(), help_text="Per cycle, without VAT.")
    setup_fee = forms.CharField(label="Setup fee", widget=_money())
    start_date = DayField(label="Start date", widget=DATE)
    renewal_date = DayField(
        label="Renewal date",
        widget=DATE,
        required=False,
        help_text="The next period to bill: the billing run makes the next invoice on this day "
        "(and keeps its day of the month from then on).",
    )
    renewed_on = DayField(
        label="Renewed on",
        widget=DATE,
        required=False,
        help_text="The start of the current period.",
    )
    cycle = forms.ChoiceField(
        choices=Cycle.choices,
        help_text="A new cycle takes effect at the next renewal; without a new price, the "
        "catalog's price for that cycle is used.",
    )
    payment_method = forms.ChoiceField(label="Payment method", choices=PaymentMethod.choices)
    status = forms.ChoiceField(
        choices=Status.choices,
    )

    main = ["price", "setup_fee", "cycle", "payment_method"]
    dates = ["start_date", "renewal_date", "renewed_on"]

    def __init__(self, *args: Any, subscription: Subscription, **kwargs: Any) -> None:
        sub = subscription
        kwargs.setdefault(
            "initial",
            {
                "price": str(quantize(sub.price, sub.currency)),
                "setup_fee": str(quantize(sub.setup_fee, sub.currency)),
                "start_date": sub.start_date,
                "renewal_date": sub.renewal_date,
                "renewed_on": sub.renewed_on,
                "cycle": sub.pending_cycle or sub.cycle,
                "payment_method": sub.payment_method,
                "status": sub.status,
            },
        )
        super().__init__(*args, **kwargs)
        self.subscription = sub
        self.current = current_options(sub)
        self.add_option_fields(_options_for([sub.package_id]), sub.currency, self.current)

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.main]

    def date_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.dates]

    def status_fields(self) -> list[forms.BoundField]:
        return [self["status"]]

    def edits(self) -> dict[str, Any]:
        """Only what changed, so the history records what staff actually edited."""
        data = self.cleaned_data
        edits = {
            name: data[name]
            for name in (*self.dates, "cycle", "payment_method", "status")
            if name in self.changed_data
        }
        for name in ("price", "setup_fee"):
            raw = data[name].strip()
            try:
                same = Decimal(raw) == getattr(self.subscription, name)
            except InvalidOperation:
                same = False  # the service says what is wrong with it
            if not same:
                edits[name] = raw
        rows = self.option_rows()
        before = sorted(
            (o.option_id, o.quantity, o.choice_id) for o in self.subscription.options.all()
        )
        after = sorted((r["option_id"], r["quantity"], r.get("choice_id")) for r in rows)
        if before != after:
            edits["options"] = rows
        return edits


class ChangeForm(OptionFields, forms.Form):
    """Step 2 of the upgrade/downgrade wizard: the new package, cycle, options and date."""

    package = forms.ModelChoiceField(
        queryset=Package.objects.filter(active=True), label="New package", empty_label=None
    )
    cycle = forms.ChoiceField(choices=RECURRING)
    as_of = DayField(
        label="Takes effect on",
        widget=DATE,
        help_text="Today unless the change was agreed earlier.",
    )
    charge_setup_fee = forms.BooleanField(
        required=False, label="Charge the new package's setup fee"
    )

    def __init__(self, *args: Any, subscription: Subscription, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscription = subscription
        package_ids = list(Package.objects.filter(active=True).values_list("pk", flat=True))
        self.add_option_fields(
            _options_for(package_ids), subscription.currency, current_options(subscription)
        )

    def choices(self) -> dict[str, Any]:
        """What the services take (and the querystring carries between steps)."""
        data = self.cleaned_data
        return {
            "package": data["package"],
            "cycle": data["cycle"],
            "options": self.option_rows(),
            "as_of": data["as_of"],
            "charge_setup_fee": data["charge_setup_fee"],
        }


class MergeSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Find the duplicate",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email or id"}),
    )


class MergeConfirmForm(forms.Form):
    source = forms.IntegerField(widget=forms.HiddenInput)
