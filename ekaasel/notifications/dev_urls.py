"""Developer tools, mounted under /dev/ only when settings.EKAASEL["DEV_TOOLS"] is true."""

from django.urls import URLPattern, path

from ekaasel.notifications import dev_views

app_name = "dev"

urlpatterns: list[URLPattern] = [
    path("sms/", dev_views.sms_list, name="sms"),
    path("sms/latest.json", dev_views.sms_latest_json, name="sms_latest"),
]
