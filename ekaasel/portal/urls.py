"""The citizen portal's URLs, mounted at the site root."""

from django.urls import path

from ekaasel.portal.views import filing, guide, home, mine, tracking

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    # Filing: details → code → grievance → done
    path("file/", filing.details, name="file"),
    path("file/verify/", filing.verify, name="file_verify"),
    path("file/grievance/", filing.grievance, name="file_grievance"),
    path("file/done/<str:application_id>/", filing.done, name="file_done"),
    # Tracking by application ID
    path("track/", tracking.track, name="track"),
    path("track/<str:application_id>/", tracking.status, name="track_status"),
    path("track/<str:application_id>/verify/", tracking.verify, name="track_verify"),
    # My grievances (fixed paths before the application-ID ones)
    path("my/", mine.my_grievances, name="my"),
    path("my/verify/", mine.verify, name="my_verify"),
    path("my/sign-out/", mine.sign_out, name="sign_out"),
    path("my/<str:application_id>/", mine.detail, name="detail"),
    path("my/<str:application_id>/files/<int:attachment_id>/", mine.attachment, name="attachment"),
    path("my/<str:application_id>/provide-info/", mine.provide_info, name="provide_info"),
    path("my/<str:application_id>/rate/", mine.rate, name="rate"),
    path("my/<str:application_id>/appeal/", mine.appeal, name="appeal"),
    path("my/<str:application_id>/withdraw/", mine.withdraw, name="withdraw"),
    # The user guide: contents, the PDF in each language, then its pages (officials, faq and the citizens' ones)
    path("guide/", guide.index, name="guide"),
    path("guide/ekaasel-guide-<slug:language>.pdf", guide.pdf, name="guide_pdf"),
    path("guide/<slug:slug>/", guide.page, name="guide_page"),
]
