from tests.billing.conftest import billing, gold  # noqa: F401  (shared billing driver)
