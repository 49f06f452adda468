"""Lists are {"items": [...], "count": N} with ?limit= (default 50, at most 200) and ?offset=."""

from __future__ import annotations

import pytest

from fairbill.catalog.services import tax_rate_create


@pytest.fixture
def many_tax_rates(business, system):
    # 205 rates: one per (made up) region of the US, named so that they sort by number
    for number in range(205):
        tax_rate_create(
            actor=system, country="US", region=f"R{number:03}", name="Sales tax", rate="5"
        )


def test_a_list_shows_50_items_by_default_and_the_total_count(api, many_tax_rates):
    body = api.get("/tax-rates").json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 205
    assert len(body["items"]) == 50
    assert body["items"][0]["region"] == "R000"


def test_limit_and_offset_choose_the_page(api, many_tax_rates):
    body = api.get("/tax-rates", limit=10, offset=20).json()
    assert [r["region"] for r in body["items"]] == [f"R{n:03}" for n in range(20, 30)]
    assert body["count"] == 205


def test_the_limit_is_at_most_200(api, many_tax_rates):
    body = api.get("/tax-rates", limit=1000).json()
    assert len(body["items"]) == 200


def test_an_offset_past_the_end_gives_no_items(api, many_tax_rates):
    body = api.get("/tax-rates", offset=500).json()
    assert body == {"items": [], "count": 205}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": -5}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**30}, "offset"),
    ],
)
def test_bad_paging_parameters_are_refused(api, business, params, field):
    response = api.get("/tax-rates", **params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert field in response.json()["detail"]
