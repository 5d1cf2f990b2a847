"""The officials' workspace, mounted at /workspace/."""

from django.urls import URLPattern, URLResolver, path

from ekaasel.workspace import auth_views
from ekaasel.workspace.views import dashboards, grievance, notices, queues, reports, tokens

app_name = "workspace"

urlpatterns: list[URLPattern | URLResolver] = []

# queues and grievances
urlpatterns += [
    path("", queues.queue, name="queue"),
    path("notices/", notices.notices, name="notices"),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.revoke, name="revoke_token"),
    path("grievances/<int:pk>/", grievance.grievance_page, name="grievance"),
    path("grievances/<int:pk>/files/<int:attachment_id>/", grievance.attachment, name="attachment"),
    path("grievances/<int:pk>/<slug:action>/", grievance.grievance_action, name="grievance_action"),
]

# dashboards
urlpatterns += [
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/assessment/", dashboards.assessment_dashboard, name="dashboard_assessment"),
]

# sign-in
urlpatterns += [
    path("sign-in/", auth_views.sign_in, name="sign_in"),
    path("sign-in/code/", auth_views.sign_in_code, name="sign_in_code"),
    path("second-factor/setup/", auth_views.second_factor_setup, name="second_factor_setup"),
    path("sign-out/", auth_views.sign_out, name="sign_out"),
]

# periodic reports
urlpatterns += [
    path("reports/", reports.reports, name="reports"),
    path("reports/<int:report_id>/download/", reports.download, name="report_download"),
]
