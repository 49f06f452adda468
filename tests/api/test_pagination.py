"""Lists are {"items": [...], "count": N, "count_exact": true, "next_cursor": "..."} with
?limit= (default 50, at most 200), ?cursor= and ?offset=."""

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
    assert set(body) == {"items", "count", "count_exact", "next_cursor"}
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
    assert body == {"items": [], "count": 205, "count_exact": True, "next_cursor": None}


def test_next_cursor_walks_the_whole_list_once(api, many_tax_rates):
    # when a client follows next_cursor from the first page to the last
    regions, cursor, pages = [], None, 0
    while True:
        body = api.get("/tax-rates", limit=60, **({"cursor": cursor} if cursor else {})).json()
        regions += [r["region"] for r in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # then it saw every rate once, in order, in four pages
    assert regions == [f"R{n:03}" for n in range(205)]
    assert pages == 4


def test_an_offset_page_gives_the_cursor_of_the_page_after_it(api, many_tax_rates):
    body = api.get("/tax-rates", limit=10, offset=20).json()
    after = api.get("/tax-rates", limit=10, cursor=body["next_cursor"]).json()
    assert [r["region"] for r in after["items"]] == [f"R{n:03}" for n in range(30, 40)]


@pytest.mark.parametrize("cursor", ["junk", "WyJ4Il0", "W10", "e30", "WyJHQiIsIiIsImFiYyJd"])
def test_a_cursor_that_is_not_ours_is_refused(api, many_tax_rates, cursor):
    response = api.get("/tax-rates", cursor=cursor)
    assert response.status_code in (400, 422)
    assert "cursor" in response.json()["detail"]


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
