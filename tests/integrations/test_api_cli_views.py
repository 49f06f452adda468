"""The API endpoints, the `basecamp-import` command and the back-office pages."""

from __future__ import annotations

from datetime import date
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.management import CommandError, call_command

from fairbill.customers.models import Customer
from fairbill.integrations.basecamp.models import Connection, Project
from fairbill.invoicing.models import Invoice
from fairbill.timebilling.models import BilledEntry
from fairbill.timebilling.services import hourly_rate_set


@pytest.fixture
def imported(connected, admin):
    call_command("basecamp-import", "customers", stdout=StringIO())
    leto = Customer.objects.get(name="Leto Brand")
    hourly_rate_set(actor=admin, customer=leto, rate="80")
    return leto


def test_api_customer_preview_then_import(connected, api):
    preview = api.post("/integrations/basecamp/customers/preview", {"per": "company"}).json()
    assert preview["created"] == 3
    assert {i["action"] for i in preview["items"]} == {"create"}
    done = api.post("/integrations/basecamp/customers/import", {"per": "company"}).json()
    assert [i["name"] for i in done["items"]] == [i["name"] for i in preview["items"]]
    again = api.post("/integrations/basecamp/customers/import", {"per": "company"}).json()
    assert again["created"] == 0
    assert {i["action"] for i in again["items"]} == {"unchanged"}


def test_api_time_preview_and_invoice(imported, api):
    body = {"customer_id": imported.pk, "from": "2027-03-01", "to": "2027-03-31"}
    preview = api.post("/integrations/basecamp/time/preview", body)
    assert preview.status_code == 200, preview.content
    assert preview.json()["subtotal"] == "900.00"  # 11.25 h × 80
    made = api.post("/integrations/basecamp/time/invoice", body)
    assert made.status_code == 201
    assert made.json()["total"] == "900.00"  # GB customer, no tax rate set up
    again = api.post("/integrations/basecamp/time/invoice", body)
    assert again.status_code == 409
    assert again.json()["code"] == "refused"


def test_api_errors_name_what_to_do(business, api, basecamp_settings):
    response = api.post("/integrations/basecamp/customers/preview", {"per": "company"})
    assert response.status_code == 409
    assert response.json()["code"] == "basecamp_not_connected"
    assert "Settings → Integrations → Basecamp" in response.json()["detail"]


def test_api_revoked_access_is_a_reconnect_error(connected, api, fake):
    fake.revoke()
    response = api.post("/integrations/basecamp/customers/preview", {"per": "person"})
    assert response.status_code == 409
    assert response.json()["code"] == "basecamp_reconnect"


def test_command_dry_run_writes_nothing(connected):
    out = StringIO()
    call_command("basecamp-import", "customers", "--dry-run", "--per", "person", stdout=out)
    assert "4 would be created" in out.getvalue()
    assert not Customer.objects.exists()


def test_command_imports_customers_and_links_projects(imported):
    assert Project.objects.filter(customer=imported).count() == 2
    out = StringIO()
    call_command("basecamp-import", "customers", stdout=out)
    assert "0 created, 0 updated, 0 linked, 3 unchanged" in out.getvalue()
    assert "3 of them lack what an invoice needs" in out.getvalue()


def test_command_invoices_time_once(imported):
    args = ["basecamp-import", "time", "--customer", str(imported.pk)]
    args += ["--from", "2027-03-01", "--to", "2027-03-31", "--group", "person"]
    out = StringIO()
    call_command(*args, "--dry-run", stdout=out)
    assert "new entries: 4 (11.25 h)" in out.getvalue()
    assert not Invoice.objects.exists()
    call_command(*args, stdout=out)
    assert Invoice.objects.get().total > 0
    with pytest.raises(CommandError, match="Nothing to invoice"):
        call_command(*args, stdout=StringIO())


def test_oauth_connect_flow_in_the_back_office(credentials, staff_client, fake):
    Connection.objects.update(redirect_uri="http://testserver/integrations/basecamp/callback/")
    response = staff_client.post("/integrations/basecamp/connect/")
    assert response.status_code == 302
    authorize = urlsplit(response["Location"])
    query = parse_qs(authorize.query)
    assert authorize.path == "/authorization/new"
    assert query["client_id"] == ["fake-client"]
    assert query["response_type"] == ["code"]
    # the staff member allows access on Basecamp, which redirects back with a code
    approve = httpx.get(
        f"{fake.base_url}/authorization/approve",
        params={"redirect_uri": query["redirect_uri"][0], "state": query["state"][0]},
    )
    back = urlsplit(approve.headers["Location"])
    done = staff_client.get(f"{back.path}?{back.query}", follow=True)
    assert "Connected to Basecamp: Honcho Design." in done.content.decode()
    tested = staff_client.post("/integrations/basecamp/test/", follow=True)
    assert "connected to Honcho Design" in tested.content.decode()
    staff_client.post("/integrations/basecamp/disconnect/")
    connection = Connection.objects.get()
    assert not connection.access_token_encrypted
    assert not connection.refresh_token_encrypted


def test_callback_with_a_foreign_state_is_refused(credentials, staff_client, fake):
    code = fake.issue_code()
    page = staff_client.get(f"/integrations/basecamp/callback/?code={code}&state=x", follow=True)
    assert "come from here" in page.content.decode()
    assert not Connection.objects.get().has_tokens


def test_time_page_previews_then_invoices(imported, staff_client):
    query = f"customer={imported.pk}&start=2027-03-01&end=2027-03-31&group_by=project"
    page = staff_client.get(f"/integrations/basecamp/time/?{query}").content.decode()
    assert "The Leto Laptop" in page
    assert "£900.00" in page
    data = {"customer": imported.pk, "start": "2027-03-01", "end": "2027-03-31"}
    response = staff_client.post("/integrations/basecamp/time/", {**data, "group_by": "day"})
    invoice = Invoice.objects.get()
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    assert BilledEntry.objects.filter(invoice=invoice).count() == 4
    assert invoice.issue_date <= date.today()
