"""The project's URLs plus the Kannel callbacks, until config/urls.py includes them."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("sms/", include("ekaasel.notifications.kannel_urls")), *project_urlpatterns]
