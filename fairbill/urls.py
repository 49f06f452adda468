from django.conf import settings as django_settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from fairbill.api.api import api
from fairbill.integrations.basecamp.api import router as basecamp_api

# The Basecamp plugin's endpoints join the API here, so the API package doesn't import it.
api.add_router("", basecamp_api)

urlpatterns = [
    path("", include("fairbill.backoffice.urls")),
    path("", include("fairbill.accounts.urls")),
    path("", include("fairbill.portal.urls")),
    path("integrations/basecamp/", include("fairbill.integrations.basecamp.urls")),
    path("imports/", include("fairbill.imports.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    # Uploaded files (the business logo). Behind a reverse proxy, serve /media/ there instead.
    path("media/<path:path>", serve, {"document_root": django_settings.MEDIA_ROOT}),
]
