from django.urls import path

from fairbill.accounts import login_as, views

app_name = "accounts"

urlpatterns = [
    path("login/verify/", views.staff_login_verify, name="login_verify"),
    path("logout/", views.staff_logout, name="logout"),
    path("staff/two-factor/", views.two_factor, name="two_factor"),
    path("customers/<int:customer_id>/login-as/", login_as.login_as_start, name="login_as_start"),
    path("account/login-as/end/", login_as.login_as_end, name="login_as_end"),
]
