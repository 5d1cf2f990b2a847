"""Open311 GeoReport v2 routes: every resource in .json and .xml."""

from django.urls import path, re_path

from ekaasel.api.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("", views.discovery, {"fmt": "json"}, name="base"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[-\w]{1,40})" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[-\w ]{1,40})" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[-\w ]{1,64})" + FMT, views.token, name="token"),
]
