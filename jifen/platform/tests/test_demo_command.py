"""`jifen demo` on an empty database, and with another programme in it."""

from io import StringIO

from django.core.management import call_command

from jifen.programmes import demo

PASSWORD = "demo pass for tests"


def test_the_command_prints_the_logins(db, monkeypatch):
    monkeypatch.setenv("JIFEN_DEMO_PASSWORD", PASSWORD)
    out = StringIO()

    call_command("demo", stdout=out)

    for login in ["admin", "organizer", "reviewer", "cashier", "auditor", demo.RESIDENT_PHONE]:
        assert login in out.getvalue()
    assert PASSWORD in out.getvalue()


def test_if_empty_builds_nothing_when_another_programme_exists(other_programme):
    call_command("demo", "--if-empty", stdout=StringIO())

    assert not demo.demo_exists()
