"""A page staff may not open, or that doesn't exist, says so in words and leads back."""

from __future__ import annotations


def test_a_page_without_the_privilege_explains_and_leads_back(client_with):
    # given a staff user with only the packages privilege
    client = client_with("packages")
    # when they open the invoices
    response = client.get("/invoices/")
    # then they get a 403 page naming the privilege, with the way back
    assert response.status_code == 403
    html = response.content.decode()
    assert "You need the &#x27;invoices&#x27; privilege for this page." in html
    assert 'href="/"' in html
    assert "fairbill.css" in html


def test_an_unknown_page_is_a_readable_404(client_with, settings):
    settings.DEBUG = False
    response = client_with("customers").get("/customers/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Back to the dashboard" in html
