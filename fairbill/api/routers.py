"""Mount one router per domain on the API."""

from fairbill.api import (
    billing,
    business,
    catalog,
    changes,
    customers,
    events,
    invoices,
    subscriptions,
)
from fairbill.api.api import api
from fairbill.integrations.basecamp import api as basecamp_api

api.add_router("", business.router)
api.add_router("", business.tax_rates)
api.add_router("", catalog.packages)
api.add_router("", catalog.options)
api.add_router("", customers.router)
api.add_router("", subscriptions.router)
api.add_router("", changes.router)
api.add_router("", invoices.router)
api.add_router("", billing.router)
api.add_router("", events.router)
api.add_router("", basecamp_api.router)
