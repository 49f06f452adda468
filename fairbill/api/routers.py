"""Mount one router per domain on the API."""

from fairbill.api import business, catalog, customers
from fairbill.api.api import api

api.add_router("", business.router)
api.add_router("", business.tax_rates)
api.add_router("", catalog.packages)
api.add_router("", catalog.options)
api.add_router("", customers.router)
