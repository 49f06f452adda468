"""Back-office forms for credit notes: crediting an invoice (what, why, where the money goes)
and filtering the list. They parse and display input; credit_note_preview and
credit_note_issue check the amounts against what is left and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from fairbill.backoffice.billing_forms import DATE, DayField
from fairbill.core.validation import text_problem
from fairbill.invoicing.crediting import LineLeft
from fairbill.invoicing.models import REFUND_BY_HAND

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _text(placeholder: str = "", money: bool = False) -> forms.TextInput:
    attrs = {"placeholder": placeholder}
    if money:
        attrs.update({"inputmode": "decimal", "class": "money"})
    return forms.TextInput(attrs=attrs)


class CreditNoteForm(forms.Form):
    """Credit an invoice: all that is left of it, or chosen lines (each whole, or a quantity
    or an amount of it). `lines` are the invoice's lines with what is left of each."""

    ALL, LINES = "all", "lines"
    CREDIT, REFUND = "credit", "refund"

    scope = forms.ChoiceField(
        label="What to credit",
        choices=[
            (ALL, "The whole invoice (all that is left of it)"),
            (LINES, "Chosen lines: a whole line, or a quantity or an amount of it"),
        ],
        initial=ALL,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        max_length=300, help_text="Printed on the credit note and kept in the history."
    )
    money = forms.ChoiceField(
        label="What was already paid",
        choices=[
            (CREDIT, "Give it back as account credit"),
            (REFUND, "It was refunded by hand (bank transfer or cash)"),
        ],
        initial=CREDIT,
        widget=forms.RadioSelect,
        help_text="The credit note first takes its total off what is still due on the "
        "invoice; only the rest is given back.",
    )
    refund_method = forms.ChoiceField(
        label="Refunded by",
        choices=[(m.value, m.label) for m in REFUND_BY_HAND],
        required=False,
        help_text="Only for a refund made by hand.",
    )
    refund_date = DayField(label="Date refunded", required=False, widget=DATE)
    refund_reference = forms.CharField(label="Refund reference", max_length=200, required=False)
    reverse_renewal = forms.BooleanField(
        label="Also reverse the renewal",
        required=False,
        help_text="Credit the whole period in full: the package line and its options (now "
        "or by earlier notes). The renewal date moves back to the period's start, so the "
        "period can be billed again.",
    )
    # A one-time token: the same submission sent twice issues one credit note.
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, lines: list[LineLeft], renewal: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.invoice_lines = lines
        if not renewal:
            del self.fields["reverse_renewal"]
        for line in lines:
            self.fields[f"line_{line.line_id}"] = forms.BooleanField(
                required=False, label=line.description
            )
            self.fields[f"quantity_{line.line_id}"] = forms.CharField(
                required=False, max_length=30, label="Quantity", widget=_text("all")
            )
            self.fields[f"amount_{line.line_id}"] = forms.CharField(
                required=False, max_length=30, label="Amount", widget=_text("all", money=True)
            )

    def clean_reason(self) -> str:
        return _checked_text(self.cleaned_data["reason"]).strip()

    def clean_refund_reference(self) -> str:
        return _checked_text(self.cleaned_data["refund_reference"]).strip()

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if not TOKEN.fullmatch(token):
            raise forms.ValidationError("This form is not one we gave out: open it again.")
        return str(token)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == self.LINES and not self.line_rows():
            raise forms.ValidationError("Choose at least one line to credit.")
        if data.get("money") == self.REFUND:
            if not data.get("refund_method"):
                self.add_error("refund_method", "Say how it was refunded.")
            if not data.get("refund_date"):
                self.add_error("refund_date", "Give the date it was refunded.")
        return data

    def line_rows(self) -> list[dict[str, Any]]:
        """The chosen lines as credit_note_issue takes them (strings: the service parses)."""
        data = self.cleaned_data
        rows = []
        for line in self.invoice_lines:
            if not data.get(f"line_{line.line_id}"):
                continue
            row: dict[str, Any] = {"invoice_line_id": line.line_id}
            quantity = (data.get(f"quantity_{line.line_id}") or "").strip()
            amount = (data.get(f"amount_{line.line_id}") or "").strip()
            if quantity:
                row["quantity"] = quantity
            if amount:
                row["amount"] = amount
            rows.append(row)
        return rows

    def choices(self) -> dict[str, Any]:
        """What to credit, as credit_note_preview and credit_note_issue take it."""
        data = self.cleaned_data
        return {"lines": self.line_rows() if data["scope"] == self.LINES else None}

    def refund(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data["money"] != self.REFUND:
            return None
        return {
            "method": data["refund_method"],
            "date": data["refund_date"],
            "reference": data["refund_reference"],
        }

    def line_fields(self) -> list[dict[str, Any]]:
        """Per invoice line: its figures and its three fields, for the template."""
        return [
            {
                "line": line,
                "chosen": self[f"line_{line.line_id}"],
                "quantity": self[f"quantity_{line.line_id}"],
                "amount": self[f"amount_{line.line_id}"],
            }
            for line in self.invoice_lines
        ]

    def refund_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("refund_method", "refund_date", "refund_reference")]


def _checked_text(text: str) -> str:
    problem = text_problem(text)
    if problem:
        raise forms.ValidationError(f"The text {problem}.")
    return text


class CreditNoteFilterForm(forms.Form):
    customer = forms.CharField(
        required=False,
        label="Customer",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Customer name"}),
    )
    issued_from = forms.DateField(required=False, label="Issued from", widget=DATE)
    issued_to = forms.DateField(required=False, label="Issued to", widget=DATE)
