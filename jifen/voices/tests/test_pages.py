"""The voices pages: the resident answers a survey on their phone once, posts feedback and
reads the reply; staff create, open and read a survey's results with CSV and XLSX, reply to
feedback; the newsletter page and PDF, public for a public programme only; another
programme's staff get 404; a raw form with NUL or a 400-digit number is refused."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from jifen.programmes.models import Programme
from jifen.testing import pdf_text, text_of
from jifen.voices import services
from jifen.voices.models import Feedback, FeedbackStatus, Participation, Response, Survey
from jifen.voices.testing import make_survey

P = "/en/p/xingfuli"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_resident_answers_once(resident, member, programme):
    survey = make_survey(programme=programme)
    phone = _client(resident)
    page = phone.get(f"{P}/me/surveys/")
    assert page.status_code == 200 and survey.title in page.content.decode()
    assert "surveys-link" in phone.get(f"{P}/me/").content.decode()
    url = f"{P}/me/surveys/{survey.public_id}/"
    form = phone.get(url)
    assert form.status_code == 200 and "answer-form" in form.content.decode()
    q1, q2, q3 = survey.questions.all()
    sent = phone.post(url, {f"q{q1.pk}": "4", f"q{q2.pk}": "10", f"q{q3.pk}": "多办活动"})
    assert sent.status_code == 302
    again = phone.post(url, {f"q{q1.pk}": "1", f"q{q2.pk}": "0"})
    assert again.status_code == 200 and "already-answered" in again.content.decode()
    assert Participation.objects.count() == 1 and Response.objects.get().member_id is None
    assert "Answered" in phone.get(f"{P}/me/surveys/").content.decode()


@pytest.mark.parametrize("value", ["9" * 400, "6", "", "x"])
def test_a_wrong_answer_is_refused_on_its_form(resident, programme, value):
    survey = make_survey(programme=programme)
    q1, q2, _ = survey.questions.all()
    sent = _client(resident).post(
        f"{P}/me/surveys/{survey.public_id}/", {f"q{q1.pk}": value, f"q{q2.pk}": "5"}
    )
    assert sent.status_code == 422
    assert not Participation.objects.exists()


def test_a_nul_in_a_form_is_refused(resident, programme):
    sent = _client(resident).post(f"{P}/me/feedback/", {"text": "a\x00b"})
    assert sent.status_code in (400, 422)
    assert not Feedback.objects.exists()


def test_feedback_and_reply(resident, member, admin, programme):
    phone, console = _client(resident), _client(admin)
    assert (
        phone.post(f"{P}/me/feedback/", {"text": "楼道太暗", "anonymous": "on"}).status_code == 302
    )
    feedback = Feedback.objects.get()
    page = console.get(f"{P}/console/feedback/").content.decode()
    assert "楼道太暗" in page and member.display_name not in text_of(
        page, f"feedback-{feedback.public_id}"
    )
    done = console.post(f"{P}/console/feedback/{feedback.public_id}/reply/", {"text": "已加灯"})
    assert done.status_code == 302
    mine = phone.get(f"{P}/me/feedback/").content.decode()
    assert "已加灯" in text_of(mine, f"feedback-{feedback.public_id}")
    console.post(f"{P}/console/feedback/{feedback.public_id}/close/", {})
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.CLOSED


def test_staff_make_open_and_read_a_survey(admin, resident, member, programme):
    console = _client(admin)
    assert f"{P}/console/surveys/" in console.get(f"{P}/console/").content.decode()  # the nav
    made = console.post(
        f"{P}/console/surveys/",
        {
            "title": "垃圾分类满意度",
            "kind": "other",
            "anonymous": "on",
            "kind_0": "satisfaction",
            "text_0": "满意吗？",
            "kind_1": "text",
            "text_1": '=HYPERLINK("x")',
        },
    )
    assert made.status_code == 302, made.content
    survey = Survey.objects.get(title="垃圾分类满意度")
    url = f"{P}/console/surveys/{survey.public_id}/"
    console.post(url, {"action": "open"})
    survey.refresh_from_db()
    assert survey.status == "open"
    q1, q2 = survey.questions.all()
    services.answer_survey(survey=survey, member=member, answers={q1.pk: 5, q2.pk: "=1+1"})
    page = console.get(url).content.decode()
    assert text_of(page, "responses") == "1" and text_of(page, "satisfaction-rate") == "100.0%"
    csv = console.get(f"{url}results.csv")
    assert csv.status_code == 200 and "'=1+1" in csv.content.decode("utf-8-sig")
    xlsx = console.get(f"{url}results.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "'=1+1" in cells and "=1+1" not in cells
    assert console.get(f"{url}results.pdf").status_code == 404  # no such file


def test_another_programme_is_not_found(other_admin, programme, member):
    survey = make_survey(programme=programme)
    feedback = services.post_feedback(member=member, text="x")
    outsider = _client(other_admin)
    for url in (
        f"{P}/console/surveys/",
        f"{P}/console/surveys/{survey.public_id}/",
        f"{P}/console/surveys/{survey.public_id}/results.csv",
        f"{P}/console/feedback/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"{P}/console/feedback/{feedback.public_id}/close/").status_code == 404
    assert outsider.get(f"{P}/me/surveys/").status_code == 404


def test_the_newsletter_page_and_pdf(programme, admin):
    anyone = Client()
    page = anyone.get(f"{P}/newsletter/2026-11/")
    assert page.status_code == 200 and "2026-11" in page.content.decode()
    pdf = anyone.get(f"{P}/newsletter/2026-11/pdf")
    assert pdf["Content-Type"] == "application/pdf" and "幸福里社区" in pdf_text(pdf.content)
    assert anyone.get(f"{P}/newsletter/2026-13/").status_code == 404
    assert anyone.get(f"{P}/newsletter/%00/").status_code in (400, 404)
    Programme.objects.filter(pk=programme.pk).update(is_public=False)
    assert anyone.get(f"{P}/newsletter/2026-11/").status_code in (302, 404)
    assert _client(admin).get(f"{P}/newsletter/2026-11/").status_code == 200
