"""Small helpers shared by the views: showing refusals, reading the acting-for session."""

from django.contrib import messages
from django.http import HttpRequest

from jifen.lib.errors import DomainError

ACTING_FOR_SESSION_KEY = "jifen_acting_for"


def show_refusal(request: HttpRequest, error: DomainError) -> None:
    """Put a service's refusal on the page as an error message."""
    messages.error(request, str(error))
