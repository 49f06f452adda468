from __future__ import annotations

from django import forms

from fairbill.customers.models import Customer
from fairbill.timebilling.calculations import GROUP_BY


class CredentialsForm(forms.Form):
    client_id = forms.CharField(label="Client ID", max_length=200)
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the one saved.",
    )
    redirect_uri = forms.URLField(
        label="Redirect URI",
        max_length=500,
        assume_scheme="https",
        help_text="Enter exactly this in your integration.",
    )


class TimeForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.filter(merged_into__isnull=True, basecamp_projects__isnull=False)
        .distinct()
        .order_by("name"),
        empty_label="Choose a customer…",
    )
    start = forms.DateField(
        label="From", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    group_by = forms.ChoiceField(
        label="One line per", choices=[(g, g.capitalize()) for g in GROUP_BY], initial="project"
    )
    hourly_rate = forms.CharField(
        label="Hourly rate",
        required=False,
        help_text="Empty: the customer's rate. A project's own rate always wins.",
    )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data and data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "Must be on or after the start date.")
        return data
