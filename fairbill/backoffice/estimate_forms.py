"""Back-office forms for estimates. The lines are the manual invoice's (InvoiceLineFormSet);
the service checks them as it checks an invoice's."""

from __future__ import annotations

from django import forms

from fairbill.backoffice.billing_forms import DATE, DayField
from fairbill.invoicing.models import Estimate


class EstimateForm(forms.Form):
    valid_until = DayField(
        required=False, widget=DATE, help_text="The last day it can be accepted. Empty: no limit."
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Printed on it."
    )


class EstimateFilterForm(forms.Form):
    STATUSES = [("", "All statuses"), *Estimate.Status.choices, ("expired", "Expired")]

    status = forms.ChoiceField(required=False, choices=STATUSES)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=500, help_text="Optional: why the customer said no."
    )
