"""The API's URLs: JSON API v1 under /api/v1/ and Open311 GeoReport v2 under /open311/v2/.

Included by config/urls.py as `path("", include("ekaasel.api.urls"))`.
"""

from django.urls import include, path, re_path

from ekaasel.api.v1.api import api, unknown_endpoint

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_endpoint),
    path("open311/v2/", include("ekaasel.api.open311.urls")),
]
