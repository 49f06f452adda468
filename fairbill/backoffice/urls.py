from django.urls import path

from fairbill.accounts import views as account_views
from fairbill.backoffice.views import dashboard

app_name = "backoffice"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", account_views.staff_login, name="login"),
]
