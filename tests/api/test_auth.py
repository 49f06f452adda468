"""Every endpoint needs a valid API key, and writes need the area's privilege."""

from __future__ import annotations

import pytest

from fairbill.catalog.models import Package, TaxRate
from fairbill.core.models import Event

# (method, path, body) for every endpoint; ids that exist or not don't matter before auth.
ENDPOINTS = [
    ("get", "/settings", None),
    ("patch", "/settings", {"company_name": "X"}),
    ("get", "/tax-rates", None),
    ("post", "/tax-rates", {"country": "FR", "name": "TVA", "rate": "20"}),
    ("get", "/tax-rates/1", None),
    ("patch", "/tax-rates/1", {"rate": "5"}),
    ("delete", "/tax-rates/1", None),
    ("get", "/packages", None),
    ("post", "/packages", {"name": "Gold", "prices": [{"cycle": "monthly", "price": "1"}]}),
    ("get", "/packages/1", None),
    ("patch", "/packages/1", {"name": "Gold"}),
    ("get", "/options", None),
    ("post", "/options", {"name": "Backups", "prices": [{"cycle": "monthly", "price": "1"}]}),
    ("get", "/options/1", None),
    ("patch", "/options/1", {"name": "Backups"}),
    ("get", "/customers", None),
    ("post", "/customers", {"name": "Ann", "email": "ann@example.com", "country": "GB"}),
    ("get", "/customers/1", None),
    ("patch", "/customers/1", {"name": "Ann"}),
]

# Endpoints that need a privilege the reports-only user lacks.
PRIVILEGED = [
    e for e in ENDPOINTS if e[0] != "get" or e[1].startswith("/customers") or e[1] == "/settings"
]


def call(client, method, path, body):
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, body)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_request_without_a_key_is_unauthenticated(anonymous, method, path, body):
    # when calling the endpoint with no Authorization header
    response = call(anonymous, method, path, body)
    # then it answers 401 with the error format
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert "API key" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_wrong_key_is_unauthenticated(wrong_key, method, path, body):
    response = call(wrong_key, method, path, body)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_revoked_key_is_unauthenticated(revoked_key, method, path, body):
    response = call(revoked_key, method, path, body)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path", "body"), PRIVILEGED)
def test_a_key_without_the_privilege_is_forbidden(
    reporter, business, gb_vat, bronze, customer, method, path, body
):
    # given a key whose staff user only has the reports privilege, and some records
    events = Event.objects.count()
    # when it calls an endpoint of another area
    response = call(reporter, method, path, body)
    # then it is refused with 403, naming the privilege, and nothing was written
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "privilege" in response.json()["detail"]
    assert Event.objects.count() == events
    assert TaxRate.objects.count() == 1
    assert Package.objects.count() == 1


def test_a_malformed_authorization_header_is_unauthenticated(client, db):
    # when the header is not a bearer token
    response = client.get("/api/v1/packages", headers={"Authorization": "Basic abc"})
    # then it answers 401
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_reads_of_the_catalog_need_only_a_staff_key(reporter, bronze, gb_vat):
    # when a staff key without the packages or settings privilege reads the catalog
    # then it may
    assert reporter.get("/packages").status_code == 200
    assert reporter.get(f"/packages/{bronze.pk}").status_code == 200
    assert reporter.get("/options").status_code == 200
    assert reporter.get("/tax-rates").status_code == 200
    assert reporter.get(f"/tax-rates/{gb_vat.pk}").status_code == 200
