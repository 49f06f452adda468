"""POST /billing-runs and GET /billing-runs."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from fairbill.invoicing.models import BillingRun, Invoice, InvoiceLine
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import subscription_create
from tests.api.checks import assert_invalid, rows


@pytest.fixture
def subscription(customer, bronze, gb_vat, system):
    """Bronze monthly (£10 + £5 setup) from 31 January 2027, not billed yet."""
    return subscription_create(
        actor=system,
        customer=customer,
        package=bronze,
        cycle="monthly",
        start_date=date(2027, 1, 31),
    )


def test_a_billing_run_creates_the_renewal_invoices(
    api, subscription, django_capture_on_commit_callbacks
):
    # when billing runs as of 28 February
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/billing-runs", {"as_of": "2027-02-28"})
    # then one invoice bills the first two periods and the setup fee
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["as_of"], body["dry_run"], body["errors"], body["preview"]) == (
        "2027-02-28",
        False,
        [],
        [],
    )
    counts = body["counts"]
    assert (counts["customers"], counts["invoices_created"], counts["errors"]) == (1, 1, 0)
    # the answer names the run's record, listed by GET /billing-runs
    assert api.get("/billing-runs").json()["items"][0]["id"] == body["id"]
    assert counts["total_amount"] == {"GBP": "30.00"}  # (10 + 10 + 5) + 20% VAT
    invoice = Invoice.objects.get()
    assert invoice.kind == "renewal"
    assert list(
        InvoiceLine.objects.filter(kind="package").values_list("period_start", flat=True)
    ) == [date(2027, 1, 31), date(2027, 2, 28)]
    subscription.refresh_from_db()
    assert subscription.renewal_date == date(2027, 3, 31)
    # and running again the same day bills nothing more
    again = api.post("/billing-runs", {"as_of": "2027-02-28"}).json()
    assert again["counts"]["invoices_created"] == 0
    assert Invoice.objects.count() == 1


def test_a_billing_run_is_as_of_today_by_default(api, subscription):
    with time_machine.travel("2027-01-31 09:00Z", tick=False):
        body = api.post("/billing-runs").json()
    assert body["as_of"] == "2027-01-31"
    assert body["counts"]["invoices_created"] == 1


def test_a_dry_run_previews_and_writes_nothing(api, subscription):
    # given nothing billed yet
    before = rows()
    # when a dry run is asked for
    response = api.post("/billing-runs", {"as_of": "2027-02-28", "dry_run": True})
    # then it shows the invoice it would create
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["dry_run"] is True
    assert body["counts"]["invoices_created"] == 1
    [preview] = body["preview"]
    assert (preview["customer"], preview["total"], preview["currency"]) == (
        "Jane Smith",
        "30.00",
        "GBP",
    )
    assert [(line["description"], line["period_start"]) for line in preview["lines"]] == [
        ("Bronze (monthly)", "2027-01-31"),
        ("Bronze (monthly)", "2027-02-28"),
        ("Setup fee: Bronze", None),
    ]
    # and writes no invoice, line, credit, event or subscription change (only its log entry)
    after = rows()
    assert after.pop("BillingRun") == before.pop("BillingRun") + 1
    assert after == before
    assert Subscription.objects.get(pk=subscription.pk).renewal_date == date(2027, 1, 31)
    assert BillingRun.objects.get().dry_run is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"as_of": "2027-02-30"}, "as_of"),
        ({"as_of": "tomorrow"}, "as_of"),
        ({"dry_run": "perhaps"}, "dry_run"),
        ({"as_of": "2027-02-28", "batch_size": 5}, "batch_size"),
    ],
)
def test_a_bad_billing_run_request_is_refused(api, subscription, body, field):
    before = rows()
    assert_invalid(api.post("/billing-runs", body), field)
    assert rows() == before


def test_list_billing_runs_newest_first(api, subscription):
    with time_machine.travel("2027-01-31 06:00Z", tick=False):
        api.post("/billing-runs", {"as_of": "2027-01-31"})
    with time_machine.travel("2027-02-28 06:00Z", tick=False):
        api.post("/billing-runs", {"as_of": "2027-02-28", "dry_run": True})
    response = api.get("/billing-runs")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(r["as_of"], r["dry_run"], r["status"]) for r in body["items"]] == [
        ("2027-02-28", True, "finished"),
        ("2027-01-31", False, "finished"),
    ]
    first = body["items"][1]
    assert first["actor"] == "admin (API key tests)"
    assert first["counts"]["invoices_created"] == 1
    assert first["started_at"].startswith("2027-01-31T06:00")
    assert body["items"][0]["preview"][0]["customer"] == "Jane Smith"


def test_a_billing_run_retried_with_the_same_key_runs_once(api, subscription):
    key = {"Idempotency-Key": "bill-2027-02-28"}
    first = api.post("/billing-runs", {"as_of": "2027-02-28"}, headers=key)
    again = api.post("/billing-runs", {"as_of": "2027-02-28"}, headers=key)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert BillingRun.objects.count() == 1


def test_billing_runs_need_the_invoices_privilege(reporter, billing_clerk, subscription):
    assert reporter.post("/billing-runs", {"as_of": "2027-02-28"}).status_code == 403
    assert reporter.get("/billing-runs").status_code == 403
    assert not Invoice.objects.exists()
    assert billing_clerk.post("/billing-runs", {"as_of": "2027-02-28"}).status_code == 201
