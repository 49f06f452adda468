from django.urls import path

from fairbill.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/verify/", views.staff_login_verify, name="login_verify"),
    path("logout/", views.staff_logout, name="logout"),
    path("staff/two-factor/", views.two_factor, name="two_factor"),
]
