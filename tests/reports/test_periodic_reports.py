"""PSGRD periodic reports against a hand-counted caseload: the figures, the CSV, XLSX and PDF read
back, no personal data in any of them, and the workspace page by role."""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook
from pypdf import PdfReader

from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official
from ekaasel.notifications.scheduler import worker_jobs
from ekaasel.reports import figures, periodic
from ekaasel.reports.figures import FigureFilters
from ekaasel.reports.models import GeneratedReport
from ekaasel.reports.periodic import ReportData, build_report, period_bounds, previous_period
from ekaasel.reports.tasks import generate_report, requeue_stalled_reports, schedule_periodic_reports
from tests.conftest import MOBILE, sign_in_verified

Filer = Callable[..., Grievance]
HEALTH, WORKS = "Ministry of Health", "Ministry of Works and Human Settlement"
PERSONAL = ["Karma Wangchuk", "10101001234", MOBILE, "17123456", "Secret subject", "Referral papers not processed",
            "three weeks ago", "Papers sent", "Permit issued", "wrong dates", "Not a public service"]


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, hour, 0))


@pytest.fixture
def caseload(file_grievance: Filer, officials: dict[str, Official], org: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """February 2026: g0 filed and rejected. March 2026 (Monday 2, Wednesday 4): g1 health/medical resolved
    in 2 working days and rated 4; g2 health, open (overdue by 1 April); g3 works/roads resolved in 2 working
    days then appealed; g4 rejected; g5 waiting for assessment. Looked at on 1 April."""
    assessor = Actor.of_official(officials["assessor"])
    citizen = Actor.citizen(MOBILE)
    with time_machine.travel(at(10, month=2), tick=False) as traveller:
        g0 = file_grievance(subject="Secret subject 0")
        actions.grievance_reject(grievance_id=g0.pk, actor=assessor, reason="Not a public service")
        traveller.move_to(at(2))
        g = {n: file_grievance(subject=f"Secret subject {n}", service=org["road_permit"] if n == 3 else org["referral"])
             for n in range(1, 6)}
        actions.grievance_forward(grievance_id=g[1].pk, actor=assessor, ministry=org["health"],
                                  department=org["medical"])
        actions.grievance_forward(grievance_id=g[2].pk, actor=assessor, ministry=org["health"])
        actions.grievance_forward(grievance_id=g[3].pk, actor=assessor, ministry=org["works"], department=org["roads"])
        actions.grievance_reject(grievance_id=g[4].pk, actor=assessor, reason="Not a public service")
        traveller.move_to(at(4))
        head = Actor.of_official(officials["medical_head"])
        actions.grievance_acknowledge(grievance_id=g[1].pk, actor=head)
        actions.grievance_resolve(grievance_id=g[1].pk, actor=head, resolution="Papers sent")
        actions.grievance_rate(grievance_id=g[1].pk, actor=citizen, rating=4)
        actions.grievance_resolve(grievance_id=g[3].pk, actor=Actor.of_official(officials["roads_head"]),
                                  resolution="Permit issued")
        actions.grievance_appeal(grievance_id=g[3].pk, actor=citizen, reason="Permit has wrong dates")
        traveller.move_to(at(1, month=4))
        yield {"g0": g0, **{f"g{n}": g[n] for n in g}}


@pytest.fixture
def march(caseload: dict[str, Any]) -> ReportData:
    return build_report(start=date(2026, 3, 1), end=date(2026, 3, 31), now=timezone.now())


def _row(rows: list[periodic.ReportRow], label: str) -> periodic.ReportRow:
    found = [r for r in rows if r.label == label]
    assert len(found) == 1, [r.label for r in rows]
    return found[0]


def test_periods_and_the_previous_period_of_equal_length() -> None:
    assert period_bounds("month", date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds("quarter", date(2026, 11, 30)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_bounds("year", date(2026, 7, 1)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert previous_period(date(2026, 3, 1), date(2026, 3, 31)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert previous_period(date(2026, 1, 1), date(2026, 3, 31)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert previous_period(date(2026, 1, 1), date(2026, 12, 31)) == (date(2025, 1, 1), date(2025, 12, 31))
    assert previous_period(date(2026, 3, 5), date(2026, 3, 14)) == (date(2026, 2, 23), date(2026, 3, 4))


def test_report_figures_are_as_hand_counted(march: ReportData) -> None:
    current, previous = march.current, march.previous
    assert (current.received, current.resolved, current.resolved_within_limit, current.within_limit) == (5, 2, 2, 1.0)
    assert (current.average_days, current.median_days, current.average_rating, current.rating_count) == (2.0, 2, 4.0, 1)
    assert (current.rejected, current.appeals, current.open, current.overdue) == (1, 1, 3, 1)
    assert (previous.received, previous.rejected, previous.resolved, previous.open) == (1, 1, 0, None)
    health = _row(march.breakdowns["ministry"], HEALTH)
    assert (health.received, health.resolved, health.within_limit, health.average_rating, health.open,
            health.overdue) == (2, 1, 1.0, 4.0, 1, 1)
    works = _row(march.breakdowns["ministry"], WORKS)
    assert (works.received, works.resolved, works.appeals, works.average_rating) == (1, 1, 1, None)
    assert _row(march.breakdowns["department"], "Department of Medical Services").resolved == 1
    assert [(r.label, r.received) for r in march.breakdowns["district"]] == [("Thimphu", 5)]
    assert [(r.label, r.received) for r in march.breakdowns["channel"]] == [("Web portal", 5)]
    assert [r.received for r in march.breakdowns["problem_kind"]] == [5]
    assert [(r.label, r.received) for r in march.top_services] == [
        ("Medical referral abroad", 4), ("Road cutting permit", 1)]
    assert [(r.label, r.received, r.resolved) for r in march.trend] == [("2026-03", 5, 2)]


def test_csv_is_one_table_with_a_section_column(march: ReportData) -> None:
    rows = list(csv.DictReader(io.StringIO(periodic.render_csv(march).decode("utf-8-sig"))))
    sections = {r["section"] for r in rows}
    assert sections == {"summary", "ministry", "department", "service", "district", "channel", "problem_kind",
                        "top_services", "monthly_trend"}
    health = next(r for r in rows if r["section"] == "ministry" and r["label"] == HEALTH)
    assert (health["received"], health["resolved"], health["within_limit"], health["average_rating"],
            health["overdue"]) == ("2", "1", "100.0", "4.0", "1")
    summary = [r for r in rows if r["section"] == "summary"]
    assert [(r["received"], r["rejected"], r["open"]) for r in summary] == [("5", "1", "3"), ("1", "1", "")]
    trend = next(r for r in rows if r["section"] == "monthly_trend")
    assert (trend["label"], trend["received"], trend["resolved"], trend["appeals"]) == ("2026-03", "5", "2", "")


def test_xlsx_has_a_sheet_per_breakdown_with_real_numbers(march: ReportData) -> None:
    book = load_workbook(io.BytesIO(periodic.render_xlsx(march)))
    assert book.sheetnames == ["Summary", "Ministry", "Department", "Public service", "District", "Channel",
                               "Kind of problem", "Top services", "Monthly trend", "About"]
    sheet = book["Ministry"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Ministry", "Received", "Resolved", "Resolved within time limit", "Within time limit (%)"]
    assert all(c.font.bold for c in sheet[1])
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    health = rows[HEALTH]
    assert [c.value for c in health[1:5]] == [2, 1, 1, 1.0]
    assert isinstance(health[1].value, int) and health[4].number_format == "0%"
    assert health[header.index("Average rating (1-5)")].value == 4.0
    assert rows[WORKS][header.index("Appeals")].value == 1
    trend = book["Monthly trend"]
    assert [[c.value for c in r] for r in trend.iter_rows(min_row=2)] == [["2026-03", 5, 2]]


def _pdf_text(data: ReportData) -> str:
    pdf = periodic.render_pdf(data)
    assert pdf.startswith(b"%PDF")
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_pdf_contains_the_figures_ministries_and_charts(march: ReportData) -> None:
    text = _pdf_text(march)
    assert HEALTH in text and WORKS in text and "Department of Medical Services" in text
    # Health: received, resolved, within %, average, median, ratings, rating, appeals, open, overdue
    assert f"{HEALTH} 2 1 100 % 2.0 2 1 4.0 0 1 1" in text
    assert "Received 5 1 +4" in text  # this period, previous, change
    assert "Medical referral abroad 4" in text
    assert "2026-03 5 2" in text


def test_pdf_shows_the_top_services_and_the_rest_in_one_row_the_spreadsheets_every_service(
    caseload: dict[str, Any], file_grievance: Filer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with time_machine.travel(at(20), tick=False):  # one more in March, for a service not in the catalogue
        file_grievance(service=None, service_other="Yak grazing permit", subject="Secret subject 6")
    monkeypatch.setattr(periodic, "TOP_SERVICES", 1)
    data = build_report(start=date(2026, 3, 1), end=date(2026, 3, 31), now=timezone.now())
    text = _pdf_text(data)
    assert "Top 1 services by grievances received" in text
    # received, resolved, within %, average, median (none for several services together), ratings,
    # rating, appeals, open, overdue
    assert "Medical referral abroad 4 1 100 % 2.0 2 1 4.0 0 2 1" in text
    none = "\N{EN DASH}"
    assert f"The other 1 service 1 1 100 % 2.0 {none} 0 {none} 1 1 0" in text  # the road cutting permit, appealed
    assert f"Not in the service catalogue 1 0 {none} {none} {none} 0 {none} 0 1 0" in text
    assert "Road cutting permit" not in text
    assert "The XLSX and CSV versions of this report list every public service." in text

    rows = {r[0].value: [c.value for c in r[1:3]]
            for r in load_workbook(io.BytesIO(periodic.render_xlsx(data)))["Public service"].iter_rows(min_row=2)}
    assert rows == {"Medical referral abroad": [4, 1], "Road cutting permit": [1, 1], "Other service": [1, 0]}
    services = [r for r in csv.DictReader(io.StringIO(periodic.render_csv(data).decode("utf-8-sig")))
                if r["section"] == "service"]
    assert [(r["label"], r["received"]) for r in services] == [
        ("Medical referral abroad", "4"), ("Road cutting permit", "1"), ("Other service", "1")]


def test_pdf_charts_show_the_months_and_ministries(march: ReportData) -> None:
    reader = PdfReader(io.BytesIO(periodic.render_pdf(march)))
    first_page = " ".join(reader.pages[0].extract_text().split())
    assert "Received and resolved per month" in first_page and "2026-03" in first_page
    assert f"{HEALTH} 2 / 1" in first_page and f"{WORKS} 1 / 1" in first_page  # received / resolved


def test_breakdowns_in_one_pass_equal_the_measures_of_each_group(caseload: dict[str, Any], org: dict[str, Any]) -> None:
    now = timezone.now()
    for filters in (FigureFilters(start=date(2026, 2, 1), end=date(2026, 3, 31)),
                    FigureFilters(start=date(2026, 3, 1), end=date(2026, 3, 31), ministry_id=org["health"].pk),
                    FigureFilters(start=date(2026, 3, 2), end=date(2026, 3, 31), channel="web")):
        one_by_one = {group: figures.measures(filters=filters, group=group, now=now) for group in figures.GROUPS}
        assert figures.breakdowns(filters=filters, groups=list(figures.GROUPS), now=now) == one_by_one, filters
        assert sum(m.received for m in one_by_one["district"]) > 0


def test_no_personal_data_in_any_format(march: ReportData) -> None:
    xlsx = zipfile.ZipFile(io.BytesIO(periodic.render_xlsx(march)))
    xlsx_text = " ".join(xlsx.read(name).decode("utf-8") for name in xlsx.namelist() if name.endswith(".xml"))
    outputs = {"csv": periodic.render_csv(march).decode("utf-8-sig"), "xlsx": xlsx_text, "pdf": _pdf_text(march)}
    grievances = Grievance.objects.all()
    application_ids = [g.application_id for g in grievances]
    for name, text in outputs.items():
        for secret in [*PERSONAL, *application_ids]:
            assert secret not in text, (name, secret)
        assert not re.search(r"(?<![\d.])\d{11}(?![\d.])", text), name  # nothing shaped like a CID


def test_the_page_is_for_monitors_pmo_and_assessors_only(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official],
) -> None:
    for role in ("monitor", "pmo", "assessor"):
        sign_in_verified(client, officials[role].user)
        assert client.get("/workspace/reports/").status_code == 200, role
    for role in ("health_secretary", "medical_head", "medical_officer"):
        sign_in_verified(client, officials[role].user)
        assert client.get("/workspace/reports/").status_code == 404, role
        assert client.get("/workspace/reports/1/download/").status_code == 404, role
    client.logout()
    assert client.get("/workspace/reports/").status_code == 302


def test_the_page_queues_reports_and_the_worker_generates_them(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official], settings: Any, tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    sign_in_verified(client, officials["monitor"].user)
    with django_capture_on_commit_callbacks(execute=True):  # the task is enqueued once the row is committed
        response = client.post("/workspace/reports/", {"period": "month", "format": "csv"})  # last complete month
    assert response.status_code == 302
    report = GeneratedReport.objects.get()
    assert (report.period_kind, report.start, report.end, report.format, report.status, report.requested_by) == (
        "month", date(2026, 3, 1), date(2026, 3, 31), "csv", "queued", officials["monitor"])
    assert DBTaskResult.objects.filter(task_path=generate_report.module_path, args_kwargs__args=[report.pk]).exists()
    html = client.get("/workspace/reports/").content.decode()
    assert "being prepared — reload to see progress" in html and 'http-equiv="refresh"' in html

    assert generate_report.call(report.pk) == "done"
    assert generate_report.call(report.pk) == "skipped"  # claimed once only
    html = client.get("/workspace/reports/").content.decode()
    assert 'http-equiv="refresh"' not in html
    url = f"/workspace/reports/{report.pk}/download/"
    assert url in html
    response = client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="ekaasel-report-2026-03-01-2026-03-31.csv"' in response["Content-Disposition"]
    assert f"ministry,{HEALTH},2,1," in b"".join(response.streaming_content).decode("utf-8-sig")

    client.post("/workspace/reports/", {"period": "quarter", "day": "2026-02-01", "format": "xlsx"})
    client.post("/workspace/reports/",
                {"period": "custom", "start": "2026-03-01", "end": "2026-03-15", "format": "pdf"})
    xlsx, pdf = GeneratedReport.objects.get(format="xlsx"), GeneratedReport.objects.get(format="pdf")
    assert (pdf.period_kind, pdf.start, pdf.end) == ("range", date(2026, 3, 1), date(2026, 3, 15))
    generate_report.call(xlsx.pk), generate_report.call(pdf.pk)
    response = client.get(f"/workspace/reports/{xlsx.pk}/download/")
    assert load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Ministry"]["B2"].value == 2
    response = client.get(f"/workspace/reports/{pdf.pk}/download/")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    html = client.post("/workspace/reports/", {"period": "custom", "start": "2026-03-15", "end": "2026-03-01",
                                               "format": "pdf"}).content.decode()
    assert "The end date must be on or after the start date." in html  # an invalid range: the form, nothing queued
    assert GeneratedReport.objects.count() == 3

    sign_in_verified(client, officials["pmo"].user)
    response = client.get(url)
    assert response.status_code == 200
    # Read to the end through the test client's wrapper (closing it directly would close the test's
    # database connection on PostgreSQL).
    assert b"".join(response.streaming_content)
    sign_in_verified(client, officials["medical_officer"].user)
    assert client.get(url).status_code == 404
    assert client.post("/workspace/reports/", {"period": "month", "format": "csv"}).status_code == 404
    assert GeneratedReport.objects.count() == 3


def test_a_failed_generation_is_recorded_with_its_error(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official], monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(data: ReportData) -> bytes:
        raise RuntimeError("renderer exploded")

    monkeypatch.setitem(periodic.RENDERERS, "pdf", (broken, "application/pdf"))
    report = GeneratedReport.objects.create(period_kind="month", start=date(2026, 3, 1), end=date(2026, 3, 31),
                                            format="pdf", created_at=timezone.now())
    assert generate_report.call(report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == "failed" and "renderer exploded" in report.error and report.finished_at
    assert not report.file
    sign_in_verified(client, officials["monitor"].user)
    html = client.get("/workspace/reports/").content.decode()
    assert "failed" in html and 'http-equiv="refresh"' not in html
    assert client.get(f"/workspace/reports/{report.pk}/download/").status_code == 404


def test_scheduled_reports_are_created_once_per_period_even_if_the_job_runs_twice(
    db: None, django_capture_on_commit_callbacks: Any,
) -> None:
    with time_machine.travel(at(2, month=3), tick=False):  # not the first day after a period: nothing
        assert schedule_periodic_reports() == 0
    with (time_machine.travel(timezone.make_aware(datetime(2026, 4, 1, 0, 30)), tick=False),
          django_capture_on_commit_callbacks(execute=True)):
        job = next(j for j in worker_jobs(worker_id="w1") if j.name == "schedule_periodic_reports")
        job.run()
        job.run()
        assert schedule_periodic_reports() == 0
    # 1 April: March and the first quarter ended, in the three formats each.
    assert sorted(GeneratedReport.objects.values_list("period_kind", "start", "end", "format", "scheduled")) == sorted(
        (kind, start, end, fmt, True)
        for kind, start, end in [("month", date(2026, 3, 1), date(2026, 3, 31)),
                                 ("quarter", date(2026, 1, 1), date(2026, 3, 31))]
        for fmt in ("csv", "xlsx", "pdf"))
    assert DBTaskResult.objects.filter(task_path=generate_report.module_path).count() == 6
    assert GeneratedReport.objects.filter(requested_by__isnull=False).count() == 0
    with time_machine.travel(timezone.make_aware(datetime(2027, 1, 1, 9, 0)), tick=False):
        assert schedule_periodic_reports() == 9  # December, the fourth quarter and the year 2026
        assert schedule_periodic_reports() == 0


def test_pdf_renders_dzongkha_names_with_a_dzongkha_font(march: ReportData) -> None:
    row = march.breakdowns["ministry"][0]
    dzongkha = "འབྲུག་གཞུང་"
    data = ReportData(**{**march.__dict__, "breakdowns": {**march.breakdowns, "ministry": [
        periodic.ReportRow(**{**row.__dict__, "label": dzongkha})]}})
    reader = PdfReader(io.BytesIO(periodic.render_pdf(data)))
    resources: list[Any] = [page["/Resources"] for page in reader.pages]
    fonts = {str(font.get_object()["/BaseFont"]) for r in resources for font in r["/Font"].values()}
    assert any("Jomolhari" in name for name in fonts), fonts


def test_a_report_asked_for_in_dzongkha_is_written_in_dzongkha(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official], settings: Any, tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    sign_in_verified(client, officials["monitor"].user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "dz"
    client.post("/workspace/reports/", {"period": "month", "format": "xlsx"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post("/workspace/reports/", {"period": "month", "format": "xlsx"})
    dz, en = GeneratedReport.objects.order_by("pk")
    assert (dz.language, en.language) == ("dz", "en")
    generate_report.call(dz.pk), generate_report.call(en.pk)
    dz.refresh_from_db(), en.refresh_from_db()
    dz_sheets, en_sheets = (load_workbook(r.file.path).sheetnames for r in (dz, en))
    assert all(re.search(r"[\u0F00-\u0FFF]", name) for name in dz_sheets)
    assert "Ministry" in en_sheets


def test_a_report_whose_worker_died_is_built_again_and_a_lost_task_is_enqueued_again(
    caseload: dict[str, Any], settings: Any, tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    now = timezone.now()
    march = {"period_kind": "month", "start": date(2026, 3, 1), "end": date(2026, 3, 31), "format": "csv"}
    busy = GeneratedReport.objects.create(**march, status="running", started_at=now - timedelta(minutes=2),
                                          created_at=now - timedelta(minutes=2))
    dead = GeneratedReport.objects.create(**march, status="running", started_at=now - timedelta(hours=1),
                                          created_at=now - timedelta(hours=1))
    lost = GeneratedReport.objects.create(**march, created_at=now - timedelta(minutes=10))
    fresh = GeneratedReport.objects.create(**march, created_at=now)

    assert requeue_stalled_reports() == 2
    enqueued = sorted(args[0] for args in DBTaskResult.objects.filter(task_path=generate_report.module_path)
                      .values_list("args_kwargs__args", flat=True))
    assert enqueued == sorted([dead.pk, lost.pk])
    assert generate_report.call(busy.pk) == "skipped"  # its worker is still at it
    assert generate_report.call(dead.pk) == "done"
    assert generate_report.call(lost.pk) == "done"
    assert fresh.pk not in {r.pk for r in GeneratedReport.objects.filter(status="done")}
