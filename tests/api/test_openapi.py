"""The OpenAPI description and the interactive docs."""

from __future__ import annotations

import re

import pytest


def test_openapi_lists_every_path(client, db):
    # when fetching the OpenAPI description (no key needed)
    response = client.get("/api/v1/openapi.json")
    # then it is OpenAPI 3 and describes the endpoints
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    expected = {
        "/api/v1/settings": {"get", "patch"},
        "/api/v1/tax-rates": {"get", "post"},
        "/api/v1/tax-rates/{id}": {"get", "patch", "delete"},
        "/api/v1/packages": {"get", "post"},
        "/api/v1/packages/{id}": {"get", "patch"},
        "/api/v1/options": {"get", "post"},
        "/api/v1/options/{id}": {"get", "patch"},
        "/api/v1/customers": {"get", "post"},
        "/api/v1/customers/{id}": {"get", "patch"},
        "/api/v1/customers/{id}/credit": {"get", "post"},
        "/api/v1/customers/{id}/merge": {"post"},
        "/api/v1/customers/{id}/merge-preview": {"get"},
        "/api/v1/subscriptions": {"get", "post"},
        "/api/v1/subscriptions/{id}": {"get", "patch"},
        "/api/v1/subscriptions/{id}/change-preview": {"post"},
        "/api/v1/subscriptions/{id}/change": {"post"},
        "/api/v1/subscriptions/{id}/changes": {"get"},
        "/api/v1/invoices": {"get", "post"},
        "/api/v1/invoices/{id}": {"get"},
        "/api/v1/invoices/{id}/void": {"post"},
        "/api/v1/invoices/{id}/payments": {"post"},
        "/api/v1/invoices/{id}/pdf": {"get"},
        "/api/v1/invoices/{id}/credit-notes": {"post"},
        "/api/v1/credit-notes": {"get"},
        "/api/v1/credit-notes/{id}": {"get"},
        "/api/v1/credit-notes/{id}/pdf": {"get"},
        "/api/v1/credit-notes/{id}/einvoice": {"get"},
        "/api/v1/payments": {"get"},
        "/api/v1/payments/{id}": {"get"},
        "/api/v1/billing-runs": {"get", "post"},
        "/api/v1/events": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path


def test_every_post_documents_the_idempotency_key(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    posts = [ops["post"] for ops in paths.values() if "post" in ops]
    assert posts
    for operation in posts:
        names = {p["name"] for p in operation.get("parameters", [])}
        assert "Idempotency-Key" in names, operation["operationId"]


def test_money_is_documented_as_a_decimal_string(client, db):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schemas["PriceIn"]["properties"]["price"]["type"] == "string"
    assert schemas["PriceOut"]["properties"]["price"]["type"] == "string"


def test_the_pdf_is_documented_as_a_pdf(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    answer = paths["/api/v1/invoices/{id}/pdf"]["get"]["responses"]["200"]
    assert "application/pdf" in answer["content"]


def test_the_docs_page_loads_nothing_from_a_cdn(client, db):
    # when opening the interactive docs
    response = client.get("/api/v1/docs")
    # then the page works and its scripts and styles are served by the application
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "https://cdn" not in html
    assert "//cdn" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(a.startswith("/static/") for a in assets), assets


@pytest.mark.parametrize("asset", ["ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css"])
def test_the_docs_assets_are_served_locally(asset):
    from django.contrib.staticfiles import finders

    assert finders.find(asset)
