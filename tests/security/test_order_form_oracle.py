"""Finding 3: the public order form never checks a password. Within the repeat-order window,
posting a victim's email, username, package and cycle with a guessed password answers the
same whether the guess is right or wrong, logs nobody in, and leaves the My Account lockout
as it was."""

from __future__ import annotations

import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client

from fairbill.accounts.models import LoginAttempt
from fairbill.customers.models import Customer
from tests.portal.conftest import CUSTOMER_PASSWORD

pytestmark = pytest.mark.django_db

NOW = "2027-03-15 10:00Z"
WRONG = "not-the-victims-password"


@pytest.fixture(autouse=True)
def _offline_payments(settings):
    # As in the portal tests: no Stripe, at most 5 orders an hour per address.
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_GATEWAY = "offline"
    settings.ORDER_RATE_LIMIT = 5


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def victim(shop, django_capture_on_commit_callbacks):
    """Nina ordered a minute ago from her own browser (with her own copy of the form)."""
    browser = Client()
    page = browser.get(shop.url).content.decode()
    token = token_of(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(shop.url, shop.data(order_token=token))
    assert response.status_code == 302
    return Customer.objects.get(email="nina@example.com")


def token_of(page: str) -> str:
    """The form's one-time order token (empty if the page has none)."""
    found = re.search(r'name="order_token" value="([^"]+)"', page)
    return found.group(1) if found else ""


def guess(client, shop, password):
    """The attack as the audit wrote it: the victim's email, username, package and cycle,
    with a password guess, from the attacker's own copy of the form."""
    page = client.get(shop.url).content.decode()
    token = token_of(page)
    data = shop.data(password1=password, password2=password, order_token=token)
    return client.post(shop.url, data)


def answer_of(response) -> tuple[int, str]:
    """The part of the answer a visitor sees, without the per-request CSRF and form tokens."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    page = re.sub(r'name="order_token" value="[^"]+"', "", page)
    page = re.sub(r'type="password"[^>]*', "", page)
    return response.status_code, page


def test_right_and_wrong_passwords_give_the_same_answer_and_log_nobody_in(client, shop, victim):
    # when an attacker guesses wrong, then right
    wrong = guess(client, shop, WRONG)
    assert SESSION_KEY not in client.session
    right = guess(client, shop, CUSTOMER_PASSWORD)
    # then both answers are the same, and nobody is logged in
    assert answer_of(wrong) == answer_of(right)
    assert SESSION_KEY not in client.session
    assert wrong.status_code == 200
    assert "log in" in wrong.content.decode().lower()
    # and nothing was created twice
    assert Customer.objects.count() == 1


def test_the_order_form_leaves_the_my_account_lockout_alone(client, shop, victim, settings):
    # given Nina's My Account login is locked out from the attacker's address
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/account/login/", {"username": "nina", "password": WRONG})
    locked = client.post("/account/login/", {"username": "nina", "password": CUSTOMER_PASSWORD})
    assert locked.status_code == 429
    attempts = list(AccessAttempt.objects.values_list("username", "failures_since_start"))
    reports = LoginAttempt.objects.count()
    # when the right password is posted through the order form
    response = guess(client, shop, CUSTOMER_PASSWORD)
    # then it does not log in, does not clear the lock, and is no login attempt at all
    assert SESSION_KEY not in client.session
    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == attempts
    assert LoginAttempt.objects.count() == reports
    again = client.post("/account/login/", {"username": "nina", "password": CUSTOMER_PASSWORD})
    assert again.status_code == 429


def test_a_known_email_is_told_to_log_in_with_a_link_whatever_the_password(client, shop, victim):
    response = guess(client, shop, WRONG)
    page = response.content.decode()
    assert 'href="/account/login/"' in page
    assert "If you already have an account" in page


def test_the_visitors_own_double_click_still_shows_their_order(
    shop, django_capture_on_commit_callbacks
):
    # given a visitor's copy of the form
    browser = Client()
    page = browser.get(shop.url).content.decode()
    token = token_of(page)
    # when "Place order" is sent twice with that same copy
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(shop.url, shop.data(order_token=token))
    browser.logout()
    with django_capture_on_commit_callbacks(execute=True):
        second = browser.post(shop.url, shop.data(order_token=token))
    # then the second answer is the order placed by the first, once
    assert second.status_code == 302
    assert second["Location"] == "/order/hosting/thanks/"
    assert Customer.objects.count() == 1


def test_trying_emails_in_bulk_on_the_order_form_is_throttled(client, shop, victim, settings):
    # given the address limit
    settings.THROTTLE_ATTEMPTS = 3
    # when one address keeps sending known emails
    for _ in range(3):
        assert guess(client, shop, WRONG).status_code == 200
    # then it is slowed down like a login
    response = guess(client, shop, WRONG)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
