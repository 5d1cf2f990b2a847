"""Kannel's callbacks, mounted by config/urls.py as path("sms/", include("ekaasel.notifications.kannel_urls"))."""

from django.urls import URLPattern, path

from ekaasel.notifications import kannel_views

app_name = "kannel"

urlpatterns: list[URLPattern] = [
    path("dlr/kannel", kannel_views.delivery_report, name="dlr"),
    path("inbound/kannel", kannel_views.inbound_sms, name="inbound"),
]
