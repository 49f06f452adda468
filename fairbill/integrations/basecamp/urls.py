from django.urls import path

from fairbill.integrations.basecamp import views

app_name = "basecamp"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("connect/", views.connect, name="connect"),
    path("callback/", views.callback, name="callback"),
    path("account/", views.choose_account, name="choose_account"),
    path("test/", views.test, name="test"),
    path("disconnect/", views.disconnect, name="disconnect"),
    path("customers/", views.customers, name="customers"),
    path("projects/", views.projects, name="projects"),
    path("time/", views.time, name="time"),
    path("customers/<int:pk>/rate/", views.customer_rate_save, name="customer_rate"),
]
