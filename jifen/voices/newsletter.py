"""The monthly newsletter, built from the programme's own records: the month's points issued and
redeemed, new members, activities held, the month's top earners (named only through
jifen.recognition.names, never with a phone number), survey satisfaction and the feedback
answered. Shown as a page, printed as a PDF and sent by e-mail (`send_newsletter`)."""

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from jifen.accounts.models import User
from jifen.earning.models import Activity, ActivityStatus
from jifen.ledger.models import WALLETS, AccountKind, Posting, TransactionKind
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.cards import CJK_FONT  # registers the font
from jifen.programmes.models import Member, Programme, Role
from jifen.recognition.names import public_names
from jifen.voices.models import Feedback, NewsletterSent, NewsletterSubscription
from jifen.voices.queries import rate, satisfaction

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
TOP = 5


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        zone = ZoneInfo(tz)
        start = datetime(self.year, self.month, 1, tzinfo=zone)
        nxt = self.next
        return start, datetime(nxt.year, nxt.month, 1, tzinfo=zone)


def parse_month(text: str) -> Month | None:
    """2026-11 → Month, None for anything else (years 2000–2999)."""
    found = MONTH.fullmatch(text)
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    return Month(year, month) if 2000 <= year <= 2999 and 1 <= month <= 12 else None


def last_month(programme: Programme) -> Month:
    today = local(clock.now(), programme.timezone).date()
    return Month(today.year, today.month).previous


@dataclass(frozen=True)
class Top:
    name: str
    points: int


@dataclass(frozen=True)
class Newsletter:
    programme: Programme
    month: Month
    issued: int
    redeemed: int
    new_members: int
    activities: int
    top: list[Top]
    satisfied: int
    satisfaction_answers: int
    feedback_answered: int

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.satisfaction_answers)

    @property
    def title(self) -> str:
        return _("%(programme)s newsletter, %(month)s") % {
            "programme": self.programme.name,
            "month": self.month.label,
        }

    def lines(self) -> list[tuple[str, str]]:
        """The figures as (label, value), in the order the page, PDF and e-mail show them."""
        unit = self.programme.currency_name
        sat = self.satisfaction_rate
        return [
            (_("Points issued"), f"{self.issued} {unit}"),
            (_("Points redeemed"), f"{self.redeemed} {unit}"),
            (_("New members"), str(self.new_members)),
            (_("Activities held"), str(self.activities)),
            (
                _("Survey satisfaction"),
                "—" if sat is None else f"{sat}% ({self.satisfied}/{self.satisfaction_answers})",
            ),
            (_("Feedback answered"), str(self.feedback_answered)),
        ]


def build(programme: Programme, month: Month) -> Newsletter:
    start, end = month.bounds(programme.timezone)
    postings = Posting.objects.filter(
        transaction__programme=programme,
        transaction__created_at__gte=start,
        transaction__created_at__lt=end,
    )
    award = Q(transaction__kind=TransactionKind.AWARD, account__kind__in=WALLETS)
    sums = postings.aggregate(
        issued=Sum("amount", filter=award, default=0),
        redeemed=Sum(
            "amount", filter=Q(account__kind=AccountKind.REDEMPTION, amount__gt=0), default=0
        ),
    )
    earners = list(
        postings.filter(award, account__kind=AccountKind.MEMBER)
        .values("account__member_id")
        .annotate(points=Sum("amount"))
        .filter(points__gt=0)
        .order_by("-points", "account__member_id")[:TOP]
    )
    members = Member.objects.in_bulk([row["account__member_id"] for row in earners])
    names = public_names(programme, members.values())
    top = [Top(names[row["account__member_id"]], row["points"]) for row in earners]
    satisfied, answers = satisfaction(programme, month.first, month.next.first)
    return Newsletter(
        programme=programme,
        month=month,
        issued=sums["issued"],
        redeemed=sums["redeemed"],
        new_members=Member.objects.filter(
            programme=programme, joined_on__gte=month.first, joined_on__lt=month.next.first
        ).count(),
        activities=Activity.objects.filter(
            programme=programme,
            status=ActivityStatus.CLOSED,
            starts_at__gte=start,
            starts_at__lt=end,
        ).count(),
        top=top,
        satisfied=satisfied,
        satisfaction_answers=answers,
        feedback_answered=Feedback.objects.filter(
            programme=programme, answered_at__gte=start, answered_at__lt=end
        ).count(),
    )


# PDF

LEFT, TOP_Y, ROW = 20 * mm, A4[1] - 25 * mm, 8 * mm


def newsletter_pdf(letter: Newsletter) -> bytes:
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    pdf.setTitle(letter.title)
    pdf.setAuthor("Jifen")
    pdf.setCreator("Jifen")
    pdf.setFont(CJK_FONT, 18)
    pdf.drawString(LEFT, TOP_Y, letter.title)
    y = TOP_Y - 2 * ROW
    pdf.setFont(CJK_FONT, 12)
    for label, value in letter.lines():
        pdf.drawString(LEFT, y, label)
        pdf.drawRightString(A4[0] - LEFT, y, value)
        y -= ROW
    y -= ROW
    pdf.setFont(CJK_FONT, 14)
    pdf.drawString(LEFT, y, _("Top of the month"))
    pdf.setFont(CJK_FONT, 12)
    for place, row in enumerate(letter.top, start=1):
        y -= ROW
        pdf.drawString(LEFT, y, f"{place}. {row.name}")
        pdf.drawRightString(A4[0] - LEFT, y, f"{row.points} {letter.programme.currency_name}")
    if not letter.top:
        y -= ROW
        pdf.drawString(LEFT, y, _("No points were earned this month."))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# E-mail


def recipients(programme: Programme) -> list[str]:
    """The e-mail addresses of the programme's staff and its subscribed users, each once,
    sorted. Members have no e-mail address of their own."""
    staff = Role.objects.filter(programme=programme).values("user_id")
    subscribed = NewsletterSubscription.objects.filter(programme=programme).values("user_id")
    users = User.objects.filter(Q(pk__in=staff) | Q(pk__in=subscribed), is_active=True)
    return sorted({e for e in users.exclude(email="").values_list("email", flat=True)})


def mail_configured() -> bool:
    """E-mail goes out only when the site's settings name a mail server (EMAIL_HOST set by the
    settings, not Django's default), or choose a backend other than SMTP (locmem, console,
    file: tests and trials)."""
    if not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return True
    # LazySettings.is_overridden: whether the settings module (or a test) set it.
    overridden = settings.is_overridden("EMAIL_HOST")  # type: ignore[misc]
    return bool(overridden and settings.EMAIL_HOST)


def send_newsletter(programme: Programme, month: Month, *, force: bool = False) -> int:
    """E-mail the month's newsletter (text, HTML and the PDF) to recipients(); once per month
    unless `force`. Returns how many were sent to (0 when mail is not configured, nobody has
    an address, or it was sent already)."""
    if not mail_configured():
        return 0
    to = recipients(programme)
    if not to:
        return 0
    if not force:
        try:
            with transaction.atomic():
                NewsletterSent.objects.create(
                    programme=programme, month=month.label, recipients=len(to)
                )
        except IntegrityError:
            return 0
    with translation.override(programme.default_language):
        letter = build(programme, month)
        context = {"letter": letter, "programme": programme}
        text = render_to_string("web/voices/newsletter_mail.txt", context)
        html = render_to_string("web/voices/newsletter_mail.html", context)
        mail = EmailMultiAlternatives(subject=letter.title, body=text, bcc=to)
        mail.attach_alternative(html, "text/html")
        mail.attach(f"newsletter-{month.label}.pdf", newsletter_pdf(letter), "application/pdf")
        mail.send()
    return len(to)
