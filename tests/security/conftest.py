"""The order-form shop of the portal tests (its packages, options and "hosting" form), for
the security tests."""

from tests.portal.conftest import shop  # noqa: F401
