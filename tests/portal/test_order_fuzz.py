"""Bad input on the order form: whatever a visitor (or a bot) posts, the answer is never a
500 and an order is either complete or not there at all."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairbill.customers.models import Customer
from fairbill.invoicing.models import Invoice
from fairbill.subscriptions.models import Subscription

pytestmark = pytest.mark.django_db

FIELDS = [
    "package",
    "cycle",
    "name",
    "company",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "postcode",
    "country",
    "region",
    "payment_method",
    "username",
    "password1",
    "password2",
    "terms",
    "action",
]

text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=150, max_size=400),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "0", "-1", "1e999", "NaN", "99999999999999999999", "monthly", "GB"]),
)


def _consistent() -> None:
    """Every customer has its login, subscription and signup invoice, or none exists."""
    for customer in Customer.objects.all():
        assert customer.user_id is not None
        assert Subscription.objects.filter(customer=customer).count() == 1
        assert Invoice.objects.filter(customer=customer, kind="signup").count() == 1
    assert Subscription.objects.filter(customer__isnull=True).count() == 0


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    base=st.booleans(),
    changes=st.dictionaries(st.sampled_from(FIELDS), text, max_size=6),
    dropped=st.lists(st.sampled_from(FIELDS), max_size=4),
    option_values=st.lists(text, min_size=3, max_size=3),
    package_shift=st.integers(min_value=-3, max_value=10**6),
)
def test_order_form_never_errors_and_never_half_creates(
    shop, base, changes, dropped, option_values, package_shift
):
    client = Client(raise_request_exception=False)
    data = shop.data() if base else {}
    data.update(changes)
    for name in dropped:
        data.pop(name, None)
    for option, value in zip((shop.storage, shop.support, shop.backup), option_values, strict=True):
        data[f"option_{option.pk}"] = value
    if "package" not in changes and package_shift:
        data["package"] = str(shop.bronze.pk + package_shift)
    data["email"] = data.get("email", "") if "email" in changes else f"{package_shift}x@ex.com"
    for url in (shop.url, f"{shop.url}total/"):
        response = client.post(url, data)
        assert response.status_code in (200, 302, 429), (url, response.status_code, data)
    _consistent()


@pytest.mark.parametrize(
    "quantity", ["-1", "-100000", "51", "1000000000000000000000", "2.5", "abc"]
)
def test_bad_option_quantities_are_refused_on_the_field(client, shop, quantity):
    data = shop.data(**{f"option_{shop.storage.pk}": quantity})
    response = client.post(shop.url, data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(f"option_{shop.storage.pk}")
    assert not Customer.objects.exists()


def test_an_unknown_choice_is_refused(client, shop):
    data = shop.data(**{f"option_{shop.backup.pk}": "999999"})
    response = client.post(shop.url, data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(f"option_{shop.backup.pk}")
    assert not Customer.objects.exists()


def test_an_inactive_package_can_not_be_ordered(client, shop):
    response = client.post(shop.url, shop.data(package=str(shop.retired.pk)))
    assert response.status_code == 200
    assert "package" in response.context["form"].errors
    assert not Customer.objects.exists()
