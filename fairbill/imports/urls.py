from django.urls import path

from fairbill.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("customers/", views.customers_upload, name="customers_upload"),
    path("customers/<str:token>/", views.customers_preview, name="customers_preview"),
    path("time/", views.time_upload, name="time_upload"),
    path("time/<str:token>/", views.time_preview, name="time_preview"),
]
