"""The monthly newsletter: its figures from a month of hand-made records, the top names as the
programme's name setting says (never a phone number), the PDF's Chinese text layer, and the
e-mail through Django's locmem backend, once a month, only to staff and subscribers with an
address."""

import time_machine
from django.core import mail
from django.core.management import call_command

from jifen.ledger import services as ledger
from jifen.recognition.models import NameDisplay
from jifen.recognition.names import settings_of
from jifen.testing import make_member, make_user, pdf_text
from jifen.voices import services
from jifen.voices.models import NewsletterSubscription
from jifen.voices.newsletter import Month, build, newsletter_pdf, parse_month, send_newsletter
from jifen.voices.testing import answers_of, make_survey

NOVEMBER = Month(2026, 11)


def _names(programme, display):
    recognition = settings_of(programme)
    recognition.name_display = display
    recognition.save()


def _november(programme, community, member, admin):
    _names(programme, NameDisplay.REAL)
    other = make_member(community=community, name="李建国", phone="13911112222")
    with time_machine.travel("2026-10-31 12:00 +0800", tick=False):
        ledger.award_points(member=member, amount=500, reason="十月")
    with time_machine.travel("2026-11-15 12:00 +0800", tick=False):
        ledger.award_points(member=member, amount=30, reason="清扫")
        ledger.award_points(member=other, amount=50, reason="助老")
        survey = make_survey(programme=programme)
        for m, score in ((member, 5), (other, 2)):
            services.answer_survey(survey=survey, member=m, answers=answers_of(survey, score, 9))
        feedback = services.post_feedback(member=member, text="路灯坏了")
        services.reply_feedback(feedback=feedback, text="已修好", actor=admin)
    return other


def test_figures_of_the_month(programme, community, member, admin):
    _november(programme, community, member, admin)
    letter = build(programme, NOVEMBER)
    assert (letter.issued, letter.redeemed) == (80, 0)
    assert [(t.name, t.points) for t in letter.top] == [("李建国", 50), ("王秀英", 30)]
    assert (letter.satisfied, letter.satisfaction_answers, letter.satisfaction_rate) == (1, 2, 50.0)
    assert letter.feedback_answered == 1
    assert build(programme, Month(2026, 10)).issued == 500


def test_top_names_follow_the_setting(programme, community, member, admin):
    _november(programme, community, member, admin)
    _names(programme, NameDisplay.MASKED)
    assert [t.name for t in build(programme, NOVEMBER).top] == ["李*国", "王*英"]
    _names(programme, NameDisplay.ANONYMOUS)
    assert "李建国" not in {t.name for t in build(programme, NOVEMBER).top}


def test_pdf_has_the_chinese_text_and_no_phone(programme, community, member, admin):
    _november(programme, community, member, admin)
    text = pdf_text(newsletter_pdf(build(programme, NOVEMBER)))
    assert "幸福里社区" in text and "李建国" in text and "王秀英" in text
    assert "13911112222" not in text and "13800138000" not in text


def test_months_are_parsed_strictly():
    assert parse_month("2026-11") == NOVEMBER
    for bad in (
        "2026-13",
        "2026-1",
        "1999-12",
        "２０２６-11",
        "2026-11\x00",
        "99999-01",
        "2026-11\n",
    ):
        assert parse_month(bad) is None
    assert Month(2026, 12).next == Month(2027, 1) and Month(2027, 1).previous == Month(2026, 12)


def test_email_through_locmem_once_a_month(programme, community, member, admin):
    _november(programme, community, member, admin)
    admin.email = "admin@example.org"
    admin.save()
    reader = make_user(username="reader")
    reader.email = "reader@example.org"
    reader.save()
    NewsletterSubscription.objects.create(programme=programme, user=reader)
    make_user(username="stranger").__class__.objects.filter(username="stranger").update(
        email="stranger@example.org"
    )
    assert send_newsletter(programme, NOVEMBER) == 2
    assert send_newsletter(programme, NOVEMBER) == 0
    (sent,) = mail.outbox
    assert sent.bcc == ["admin@example.org", "reader@example.org"] and sent.to == []
    assert "2026-11" in sent.subject
    assert "李建国" in sent.body and "13911112222" not in sent.body
    ((name, pdf, kind),) = sent.attachments
    assert kind == "application/pdf" and "李建国" in pdf_text(pdf)
    call_command("send_newsletter", "--programme", programme.slug, "--month", "2026-11", "--force")
    assert len(mail.outbox) == 2


def test_no_mail_server_no_email(programme, admin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    admin.email = "admin@example.org"
    admin.save()
    assert send_newsletter(programme, NOVEMBER) == 0
    assert mail.outbox == []
