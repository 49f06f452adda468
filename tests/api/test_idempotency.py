"""POSTs with an Idempotency-Key header do their work once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from fairbill.accounts.services import api_key_create
from fairbill.api.models import IdempotentRequest
from fairbill.catalog.models import Package
from fairbill.core.actors import Actor
from fairbill.core.models import Event
from fairbill.customers.models import Customer
from tests.conftest import ApiClient

GOLD = {"name": "Gold", "prices": [{"cycle": "monthly", "price": "30.00"}]}
KEY = {"Idempotency-Key": "order-2027-0001"}


def test_the_same_key_twice_creates_one_object_and_returns_the_same_response(api, business):
    # when the same request is sent twice with one key
    first = api.post("/packages", GOLD, headers=KEY)
    second = api.post("/packages", GOLD, headers=KEY)
    # then one package exists and the second answer repeats the first
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Package.objects.count() == 1
    assert Event.objects.filter(action="package.created").count() == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/customers", {"name": "Ann", "email": "ann@example.com", "country": "GB"}),
        ("/tax-rates", {"country": "FR", "name": "TVA", "rate": "20"}),
        ("/options", {"name": "Backups", "prices": [{"cycle": "monthly", "price": "2"}]}),
    ],
)
def test_every_post_honours_the_key(api, business, path, body):
    first = api.post(path, body, headers=KEY)
    second = api.post(path, body, headers=KEY)
    assert first.status_code == 201
    assert (second.status_code, second.content) == (first.status_code, first.content)
    assert IdempotentRequest.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(api, business):
    # given a package created with a key
    api.post("/packages", GOLD, headers=KEY)
    # when the key is reused for another package
    response = api.post("/packages", {**GOLD, "name": "Platinum"}, headers=KEY)
    # then it is refused with a clear message and nothing more is created
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key"
    assert "already used with a different request" in response.json()["detail"]
    assert list(Package.objects.values_list("name", flat=True)) == ["Gold"]


def test_the_same_key_on_another_endpoint_is_refused(api, business):
    api.post("/packages", GOLD, headers=KEY)
    response = api.post("/options", GOLD, headers=KEY)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key"


def test_different_keys_do_the_work_each_time(api, business):
    api.post("/customers", {"name": "Ann", "email": "a@example.com", "country": "GB"}, headers=KEY)
    api.post(
        "/customers",
        {"name": "Ann", "email": "a@example.com", "country": "GB"},
        headers={"Idempotency-Key": "another"},
    )
    assert Customer.objects.count() == 2


def test_a_key_belongs_to_one_api_key(api, admin_user, client, business):
    # given a package created with a key by one API key
    api.post("/packages", GOLD, headers=KEY)
    # when another API key sends the same key and body
    _, raw = api_key_create(actor=Actor.system("tests"), user=admin_user, name="second")
    response = ApiClient(client, raw).post("/packages", GOLD, headers=KEY)
    # then it is a separate request (here refused, because the name is taken)
    assert response.status_code == 422
    assert response.json()["field"] == "name"


def test_a_failed_request_is_not_remembered(api, business):
    # given a request that fails validation in the service
    bad = {"name": "Gold", "prices": [{"cycle": "monthly", "price": "-1"}]}
    assert api.post("/packages", bad, headers=KEY).status_code == 422
    # when the corrected request is sent with the same key
    response = api.post("/packages", GOLD, headers=KEY)
    # then it is done
    assert response.status_code == 201
    assert Package.objects.count() == 1


def test_without_a_key_every_request_does_the_work(api, business):
    api.post("/customers", {"name": "Ann", "email": "a@example.com", "country": "GB"})
    api.post("/customers", {"name": "Ann", "email": "a@example.com", "country": "GB"})
    assert Customer.objects.count() == 2
    assert not IdempotentRequest.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_a_blank_or_overlong_key_is_refused(api, business, key):
    response = api.post("/packages", GOLD, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Package.objects.exists()


def test_a_key_without_authentication_is_still_unauthenticated(anonymous):
    response = anonymous.post("/packages", GOLD, headers=KEY)
    assert response.status_code == 401
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_object(api_key, business):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    # given several clients sending the same request with the same key at the same moment
    start = threading.Barrier(4)
    statuses: list[int] = []
    bodies: list[bytes] = []

    def send() -> None:
        try:
            start.wait()
            response = ApiClient(Client(), api_key).post("/packages", GOLD, headers=KEY)
            statuses.append(response.status_code)
            bodies.append(response.content)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one package was created and every client got the same answer
    assert statuses == [201] * 4
    assert len(set(bodies)) == 1
    assert Package.objects.count() == 1
