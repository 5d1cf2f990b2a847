"""URL map: the citizen portal at the root, health, admin, and developer tools when enabled."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from ekaasel.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("workspace/", include("ekaasel.workspace.urls")),
    path("", include("ekaasel.portal.urls")),
]

if settings.EKAASEL["DEV_TOOLS"]:
    urlpatterns += [path("dev/", include("ekaasel.notifications.dev_urls"))]
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
