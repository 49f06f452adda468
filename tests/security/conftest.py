"""The order-form shop of the portal tests (its packages, options and "hosting" form), and
their payment settings (no Stripe), for the security tests."""

from tests.portal.conftest import _portal_settings, shop  # noqa: F401
