"""Back office → customers: list, search, create, edit, status, notes, history."""

from __future__ import annotations

import pytest

from fairbill.core.models import Event
from fairbill.customers.merge import customer_merge
from fairbill.customers.models import Customer, CustomerNote
from fairbill.customers.services import customer_create, customer_note_add, customer_set_status
from fairbill.payments.models import CreditEntry
from tests.backoffice.conftest import form_errors, messages_of

VALID = {
    "name": "Northwind Traders",
    "company": "Northwind Traders Ltd",
    "email": "accounts@northwind.example",
    "phone": "",
    "address_line1": "1 Dock Road",
    "address_line2": "",
    "city": "Bristol",
    "region": "",
    "postcode": "BS1 1AA",
    "country": "GB",
    "currency": "GBP",
    "vat_applies": "on",
    "vat_number": "GB980780684",
    "payment_method": "bank_transfer",
}


def make_customers(system, count: int, prefix: str = "Customer", **fields):
    return [
        customer_create(
            actor=system,
            name=f"{prefix} {n:03d}",
            email=f"{prefix.lower()}{n}@example.com",
            country="GB",
            **fields,
        )
        for n in range(count)
    ]


# List, search, pagination


def test_list_shows_customers_with_their_columns(staff_client, customer):
    response = staff_client.get("/customers/")
    html = response.content.decode()
    assert "Jane Smith" in html
    assert "jane@example.com" in html
    assert 'class="badge badge-active"' in html
    assert f"/customers/{customer.pk}/" in html


def test_list_without_customers_invites_to_create_one(staff_client, business):
    response = staff_client.get("/customers/")
    assert "No customers yet" in response.content.decode()


def test_search_finds_by_name_company_or_email(staff_client, business, system):
    make_customers(system, 3, prefix="Alpha")
    customer_create(
        actor=system, name="Zed", company="Bravo Ltd", email="zed@bravo.example", country="GB"
    )
    # when staff search for the company
    response = staff_client.get("/customers/", {"q": "bravo"})
    # then only that customer is listed
    names = [c.name for c in response.context["page"].object_list]
    assert names == ["Zed"]


def test_search_with_no_match_says_so(staff_client, customer):
    response = staff_client.get("/customers/", {"q": "nobody-like-this"})
    assert "No customers match" in response.content.decode()


def test_status_filter_lists_only_that_status(staff_client, business, system, admin):
    active, suspended = make_customers(system, 2)
    customer_set_status(actor=admin, customer=suspended, status="suspended")
    response = staff_client.get("/customers/", {"status": "suspended"})
    assert [c.pk for c in response.context["page"].object_list] == [suspended.pk]


def test_list_pages_by_25_and_keeps_the_query_in_page_links(staff_client, business, system):
    # given 30 customers matching a search and 5 that don't
    make_customers(system, 30, prefix="Match")
    make_customers(system, 5, prefix="Other")
    # when staff search and open the first page
    first = staff_client.get("/customers/", {"q": "match", "status": "active"})
    # then 25 are shown and the next-page link keeps the search and the filter
    assert len(first.context["page"].object_list) == 25
    html = first.content.decode()
    cursor = first.context["page"].next_cursor
    assert f'href="?q=match&amp;status=active&amp;after={cursor}"' in html
    # and the second page holds the other 5
    second = staff_client.get("/customers/", {"q": "match", "status": "active", "after": cursor})
    assert len(second.context["page"].object_list) == 5
    # and a page number (an older link) still finds the same page
    numbered = staff_client.get("/customers/", {"q": "match", "status": "active", "page": 2})
    assert numbered.context["page"].object_list == second.context["page"].object_list
    assert all(c.name.startswith("Match") for c in second.context["page"].object_list)


def test_a_page_number_out_of_range_shows_the_last_page(staff_client, business, system):
    make_customers(system, 26)
    response = staff_client.get("/customers/", {"page": "99"})
    page = response.context["page"]
    assert len(page.object_list) == 25
    assert page.next_cursor is None
    assert page.previous_cursor is not None


def test_list_query_count_does_not_grow_with_customers(
    staff_client, business, system, django_assert_max_num_queries
):
    # given 60 customers (more than two pages)
    make_customers(system, 60)
    # when the list is shown, then a handful of queries do it
    with django_assert_max_num_queries(10):
        response = staff_client.get("/customers/", {"page": 2})
    assert len(response.context["page"].object_list) == 25


def test_live_search_answers_with_the_results_only(staff_client, customer):
    response = staff_client.get(
        "/customers/", {"q": "jane"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "Jane Smith" in html
    assert "<html" not in html


# Create


def test_create_customer_saves_it_and_shows_its_page(staff_client, business):
    response = staff_client.post("/customers/new/", VALID)
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response.url == f"/customers/{customer.pk}/"
    assert (customer.name, customer.email, customer.vat_number) == (
        "Northwind Traders",
        "accounts@northwind.example",
        "GB980780684",
    )
    assert customer.vat_applies is True
    page = staff_client.get(response.url)
    assert "Customer Northwind Traders created." in messages_of(page)


def test_new_customer_form_offers_the_business_currency(staff_client, business):
    response = staff_client.get("/customers/new/")
    assert response.context["form"]["currency"].value() == "GBP"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "   ", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("country", "XX", "Select a valid choice. XX is not one of the available choices."),
        ("currency", "ZZZ", "Select a valid choice. ZZZ is not one of the available choices."),
        ("vat_number", "GB123", "'GB123' is not a valid GB VAT number."),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(staff_client, business, field, value, message):
    # when staff submit the form with one bad field
    response = staff_client.post("/customers/new/", {**VALID, field: value})
    # then the form comes back with the error on that field, and nothing is written
    assert response.status_code == 200
    assert message in form_errors(response)[field]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not Customer.objects.exists()
    assert not Event.objects.filter(action="customer.created").exists()


# Edit


def test_edit_customer_saves_the_changes(staff_client, customer):
    response = staff_client.post(
        f"/customers/{customer.pk}/edit/", {**VALID, "name": "Jane Smith-Jones", "country": "FR"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Jane Smith-Jones"
    assert customer.country.code == "FR"
    assert "Customer details saved." in messages_of(staff_client.get(response.url))


def test_edit_shows_a_service_error_on_its_field_and_keeps_the_customer(staff_client, customer):
    # a Dutch VAT number that fails its check digits
    response = staff_client.post(
        f"/customers/{customer.pk}/edit/", {**VALID, "vat_number": "NL000000000B00"}
    )
    assert response.status_code == 200
    assert "is not a valid NL VAT number" in " ".join(form_errors(response)["vat_number"])
    customer.refresh_from_db()
    assert customer.name == "Jane Smith"
    assert customer.vat_number == ""


def test_the_currency_of_a_customer_with_invoices_cant_change(staff_client, customer, system):
    from datetime import date

    from fairbill.payments.services import credit_add

    # given a GBP customer with account credit
    credit_add(
        actor=system, customer=customer, amount="10.00", reason="Goodwill", on=date(2027, 3, 1)
    )
    # when staff switch the customer to euros
    response = staff_client.post(f"/customers/{customer.pk}/edit/", {**VALID, "currency": "EUR"})
    # then the form says why, and the customer keeps pounds
    assert response.status_code == 200
    assert "GBP can't change" in " ".join(form_errors(response)["currency"])
    customer.refresh_from_db()
    assert customer.currency == "GBP"


def test_the_currency_of_a_new_customer_can_change(staff_client, customer):
    response = staff_client.post(f"/customers/{customer.pk}/edit/", {**VALID, "currency": "EUR"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.currency == "EUR"


def test_edit_form_is_filled_with_the_customer(staff_client, customer):
    response = staff_client.get(f"/customers/{customer.pk}/edit/")
    assert response.context["form"]["email"].value() == "jane@example.com"


# Customer page: status, notes, history


def test_customer_page_shows_details_and_history(staff_client, customer):
    response = staff_client.get(f"/customers/{customer.pk}/")
    html = response.content.decode()
    assert "Jane Smith" in html
    assert "1 High Street" in html
    history = staff_client.get(f"/customers/{customer.pk}/history/").content.decode()
    assert "Jane Smith" in history  # the page's head is on every tab
    assert "customer.created" in history


def test_history_lists_only_this_customers_events(staff_client, customer, system):
    other = customer_create(actor=system, name="Other", email="o@example.com", country="GB")
    customer_set_status(actor=system, customer=other, status="suspended", reason="other's reason")
    response = staff_client.get(f"/customers/{customer.pk}/history/")
    assert "other&#x27;s reason" not in response.content.decode()
    assert {e.customer_id for e, _ in response.context["events"]} == {customer.pk}


def test_change_status_records_it_with_the_reason(staff_client, customer):
    response = staff_client.post(
        f"/customers/{customer.pk}/status/", {"status": "suspended", "reason": "Asked to pause"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.status, customer.status_reason) == ("suspended", "Asked to pause")
    page = staff_client.get(response.url)
    assert "Status is now Suspended." in messages_of(page)
    history = staff_client.get(f"/customers/{customer.pk}/history/")
    assert "active → suspended" in history.content.decode()


def test_change_status_refuses_an_unknown_status(staff_client, customer):
    response = staff_client.post(f"/customers/{customer.pk}/status/", {"status": "gone"})
    assert response.status_code == 200
    assert "status" in form_errors(response, "status_form")
    customer.refresh_from_db()
    assert customer.status == "active"


def test_add_a_private_and_a_public_note(staff_client, customer):
    first = staff_client.post(f"/customers/{customer.pk}/notes/", {"body": "Prefers email."})
    staff_client.post(f"/customers/{customer.pk}/notes/", {"body": "Welcome!", "public": "on"})
    notes = {n.body: n.public for n in CustomerNote.objects.filter(customer=customer)}
    assert notes == {"Prefers email.": False, "Welcome!": True}
    assert first.url == f"/customers/{customer.pk}/notes/"  # back on the Notes tab
    html = staff_client.get(first.url).content.decode()
    assert "Prefers email." in html
    assert "Welcome!" in html


def test_an_empty_note_is_refused(staff_client, customer):
    response = staff_client.post(f"/customers/{customer.pk}/notes/", {"body": "  "})
    assert response.status_code == 200
    assert form_errors(response, "note_form")["body"] == ["This field is required."]
    assert not CustomerNote.objects.exists()


def test_a_note_over_5000_characters_is_refused_on_the_form(staff_client, customer):
    response = staff_client.post(f"/customers/{customer.pk}/notes/", {"body": "x" * 5001})
    assert response.status_code == 200
    assert form_errors(response, "note_form")["body"] == [
        "Ensure this value has at most 5000 characters (it has 5001)."
    ]
    assert not CustomerNote.objects.exists()


def test_status_needs_post_and_notes_read_shows_the_tab(staff_client, customer):
    assert staff_client.get(f"/customers/{customer.pk}/status/").status_code == 405
    response = staff_client.get(f"/customers/{customer.pk}/notes/")
    assert response.status_code == 200
    assert response.context["tab"] == "notes"
    assert not CustomerNote.objects.exists()


def test_tabs_answer_only_the_methods_they_take(staff_client, customer):
    base = f"/customers/{customer.pk}/"
    for method in ("put", "delete", "patch"):
        for tab in ("", "notes/", "credit/", "history/", "invoices/"):
            response = getattr(staff_client, method)(base + tab)
            assert response.status_code == 405, (method, tab)
    assert not CustomerNote.objects.exists()


def test_notes_and_history_are_paged_newest_first(staff_client, customer, system):
    for n in range(30):
        customer_note_add(actor=system, customer=customer, body=f"Note {n:02d}")
    first = staff_client.get(f"/customers/{customer.pk}/notes/")
    shown = [note.body for note in first.context["page"].object_list]
    assert shown == [f"Note {n:02d}" for n in range(29, 4, -1)]  # the latest 25
    after = first.context["page"].next_cursor
    second = staff_client.get(f"/customers/{customer.pk}/notes/", {"after": after})
    assert [note.body for note in second.context["page"].object_list] == [
        f"Note {n:02d}" for n in range(4, -1, -1)
    ]
    assert "Next →" in first.content.decode()
    # the history (a creation and 30 notes) pages the same way: nothing is out of reach
    history = staff_client.get(f"/customers/{customer.pk}/history/")
    seen = [event.pk for event, _ in history.context["events"]]
    cursor = history.context["page"].next_cursor
    older = staff_client.get(f"/customers/{customer.pk}/history/", {"after": cursor})
    seen += [event.pk for event, _ in older.context["events"]]
    assert sorted(seen) == sorted(
        Event.objects.filter(customer_id=customer.pk).values_list("pk", flat=True)
    )


def test_a_merged_customer_takes_no_notes_or_credit(staff_client, customer, system):
    target = customer_create(actor=system, name="Target", email="t@example.com", country="GB")
    customer_merge(actor=system, target=target, source=customer)
    page = staff_client.get(f"/customers/{customer.pk}/notes/").content.decode()
    assert "Add note" not in page
    response = staff_client.post(f"/customers/{customer.pk}/notes/", {"body": "Late note"})
    assert "merged into another one" in str(form_errors(response, "note_form"))
    response = staff_client.post(
        f"/customers/{customer.pk}/credit/", {"amount": "5.00", "reason": "Goodwill"}
    )
    assert "merged into another one" in str(form_errors(response, "credit_form"))
    assert not CustomerNote.objects.filter(customer=customer).exists()
    assert not CreditEntry.objects.filter(customer=customer).exists()


def test_status_of_an_unknown_customer_is_404(staff_client, business):
    response = staff_client.post("/customers/999999/status/", {"status": "active"})
    assert response.status_code == 404


def test_customers_lacking_invoice_details_are_badged_and_can_be_listed(
    staff_client, customer, system
):
    # given a complete customer and one with no address (as Basecamp imports them)
    bare = customer_create(actor=system, name="Bare Ltd", email="bare@example.com", country="GB")
    # then the list badges the incomplete one only
    html = staff_client.get("/customers/").content.decode()
    row = html.split("Bare Ltd", 1)[1].split("</tr>", 1)[0]
    assert "No address, town/city" in row
    assert "No address" not in html.split("Jane Smith", 1)[1].split("</tr>", 1)[0]
    # and "Missing invoice details" lists only it
    response = staff_client.get("/customers/", {"incomplete": "on"})
    assert [c.pk for c in response.context["page"].object_list] == [bare.pk]
    # and its page says what invoices need, with a link to add it
    page = staff_client.get(f"/customers/{bare.pk}/").content.decode()
    assert "Invoices need this customer's address, town/city" in page
    assert f'href="/customers/{bare.pk}/edit/"' in page
