"""Importing Basecamp clients as customers: preview = result, idempotent, matched by email."""

from __future__ import annotations

from fairbill.customers.models import Customer
from fairbill.customers.selectors import invoice_details_missing
from fairbill.customers.services import customer_create, customer_update
from fairbill.integrations.basecamp.importer import (
    basecamp_customers_import,
    candidates_from_people,
    customers_plan,
    projects_sync,
)
from fairbill.integrations.basecamp.models import Link, Project
from fairbill.integrations.basecamp.services import basecamp_client


def _candidates(per="company"):
    return candidates_from_people(basecamp_client().people(), per)


def test_one_customer_per_client_company_and_freelancer(connected):
    names = [c.name for c in _candidates("company")]
    assert names == ["Greenhouse Cafe", "Leto Brand", "Mina Sato"]


def test_one_customer_per_client_person(connected):
    names = [c.name for c in _candidates("person")]
    assert names == ["Jessica Nair", "Leto Atreides", "Mina Sato", "Paul Okafor"]


def test_preview_is_what_the_import_does(connected, admin):
    candidates = _candidates()
    preview = [(r.candidate.basecamp_id, r.action) for r in customers_plan(candidates)]
    report = basecamp_customers_import(actor=admin, candidates=candidates)
    assert [(r.candidate.basecamp_id, r.action) for r in report.rows] == preview
    assert report.count("create") == 3
    assert Customer.objects.count() == 3
    leto = Customer.objects.get(name="Leto Brand")
    assert leto.email == "leto@letobrand.example"
    assert leto.country.code == "GB"
    assert Link.objects.filter(customer=leto, kind="company").exists()


def test_importing_twice_changes_nothing(connected, admin):
    basecamp_customers_import(actor=admin, candidates=_candidates())
    before = list(Customer.objects.values_list("pk", "name", "email", "updated_at"))
    again = basecamp_customers_import(actor=admin, candidates=_candidates())
    assert {r.action for r in again.rows} == {"unchanged"}
    assert list(Customer.objects.values_list("pk", "name", "email", "updated_at")) == before
    assert Link.objects.count() == 3


def test_existing_customer_is_matched_by_email_and_linked(connected, admin, system):
    mine = customer_create(
        actor=system,
        name="Greenhouse Cafe",
        company="Greenhouse Cafe",
        email="PAUL@greenhouse.example",
        country="GB",
    )
    rows = {r.candidate.name: r for r in customers_plan(_candidates())}
    assert rows["Greenhouse Cafe"].action == "link"
    assert rows["Greenhouse Cafe"].customer == mine
    basecamp_customers_import(actor=admin, candidates=_candidates())
    assert Customer.objects.filter(email="paul@greenhouse.example").count() == 1
    assert Link.objects.get(kind="company", basecamp_id=1033447819).customer == mine


def test_changed_name_in_basecamp_is_an_update(connected, admin, fake):
    basecamp_customers_import(actor=admin, candidates=_candidates("person"))
    mina = next(p for p in fake.people if p["name"] == "Mina Sato")
    mina["name"] = "Mina Sato-Berg"
    rows = {r.candidate.basecamp_id: r for r in customers_plan(_candidates("person"))}
    assert rows[mina["id"]].action == "update"
    assert rows[mina["id"]].matched_by == "Basecamp id"
    basecamp_customers_import(actor=admin, candidates=_candidates("person"))
    assert Customer.objects.filter(name="Mina Sato-Berg").count() == 1


def test_projects_are_linked_to_the_customer_of_their_client_company(connected, admin):
    basecamp_customers_import(actor=admin, candidates=_candidates())
    projects_sync(actor=admin, projects=basecamp_client().projects(), link_suggested=True)
    linked = dict(Project.objects.values_list("name", "customer__name"))
    assert linked == {
        "The Leto Laptop": "Leto Brand",
        "The Leto Locator": "Leto Brand",
        "Greenhouse website": "Greenhouse Cafe",
        "Internal: office move": None,
    }


def test_import_takes_what_basecamp_has_location_and_the_time_zones_country(connected, admin, fake):
    # given a client in Chicago (Basecamp: location "Chicago, IL", time zone America/Chicago)
    fake.add_person(
        "Dana Whit",
        "dana@whit.example",
        company=(1033447820, "Whit Studio"),
        location="Chicago, IL",
        time_zone="America/Chicago",
    )
    # when the clients are imported
    basecamp_customers_import(actor=admin, candidates=_candidates())
    # then the customer has the location as its town and the time zone's country
    whit = Customer.objects.get(name="Whit Studio")
    assert (whit.city, whit.country.code) == ("Chicago, IL", "US")
    leto = Customer.objects.get(name="Leto Brand")
    assert (leto.city, leto.country.code) == ("Manchester", "GB")
    # and what an invoice still needs is known: Basecamp has no postal address
    assert invoice_details_missing(whit) == ["address"]
    assert invoice_details_missing(Customer.objects.get(name="Mina Sato")) == [
        "address",
        "town/city",
    ]


def test_a_town_staff_typed_is_never_overwritten_but_an_empty_one_is_filled(
    connected, admin, fake, system
):
    basecamp_customers_import(actor=admin, candidates=_candidates())
    leto = Customer.objects.get(name="Leto Brand")
    leto = customer_update(actor=system, customer=leto, city="Salford", address_line1="1 Quay")
    mina = next(p for p in fake.people if p["name"] == "Mina Sato")
    mina["location"] = "Osaka"
    rows = {r.candidate.name: r for r in customers_plan(_candidates())}
    assert rows["Leto Brand"].action == "unchanged"
    assert rows["Mina Sato"].changes == {"city": ["", "Osaka"]}
    basecamp_customers_import(actor=admin, candidates=_candidates())
    assert Customer.objects.get(name="Leto Brand").city == "Salford"
    assert Customer.objects.get(name="Mina Sato").city == "Osaka"
