"""`jifen run`: the embedded default — the web server and, beside it, `jifen worker`."""

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.core.wsgi import get_wsgi_application
from django.utils.translation import gettext as _
from waitress import serve

from jifen.programmes import demo


class Command(BaseCommand):
    help = "Serve Jifen on 127.0.0.1:8000 and run the periodic jobs until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        # WhiteNoise serves from the finders, but warns at start-up when this folder is absent.
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        application = get_wsgi_application()
        worker = _start_worker()
        # SIGTERM ends the server the way Ctrl-C does, so the worker is stopped either way.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        try:
            self._greet(host, port)
            serve(application, host=host, port=port, threads=threads)
        except KeyboardInterrupt:
            pass
        finally:
            _stop_worker(worker)
            self.stdout.write(_("Stopped."))

    def _greet(self, host: str, port: int) -> None:
        self.stdout.write(
            _("Jifen is running at %(url)s (Ctrl-C to stop).") % {"url": f"http://{host}:{port}/"}
        )
        if demo.demo_exists():
            self.stdout.write(_("Demo logins (%(name)s):") % {"name": "幸福里社区"})
            self.stdout.write(demo.format_logins(demo.demo_logins(demo.demo_password())))
        self.stdout.flush()


def _start_worker() -> subprocess.Popen:
    """`jifen worker` in its own process: a slow job never holds up a web request."""
    # Unbuffered, so that its lines appear in the terminal as they happen.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen([sys.executable, "-m", "django", "worker"], env=env)


def _stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()  # SIGTERM: the worker finishes its current job, then exits
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _raise_keyboard_interrupt(*_args: Any) -> None:
    raise KeyboardInterrupt
