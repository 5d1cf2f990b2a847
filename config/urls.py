"""URL map: the citizen portal at the root, health, admin, and developer tools when enabled."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from ekaasel.core.views import healthz
from ekaasel.reports.views import transparency

# The admin, like the workspace, needs the second factor: a password alone opens nothing.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", include("ekaasel.api.urls")),
    path("sms/", include("ekaasel.notifications.kannel_urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("workspace/", include("ekaasel.workspace.urls")),
    path("transparency/", transparency, name="transparency"),
    path("", include("ekaasel.portal.urls")),
]

# An error outside any view (e.g. saving the session after the database went away) still answers
# "try again" when the cause is the database, and the site's own error page otherwise.
handler500 = "ekaasel.core.unavailable.server_error"

if settings.EKAASEL["DEV_TOOLS"]:
    from ekaasel.workspace.dev_views import dev_totp

    urlpatterns += [path("dev/totp/", dev_totp, name="dev_totp")]
    urlpatterns += [path("dev/", include("ekaasel.notifications.dev_urls"))]
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
