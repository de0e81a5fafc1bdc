"""Refusals of the voices services: each a stable code and a translated message."""

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import Conflict, DomainError, InvalidInput


class InvalidSurvey(InvalidInput):
    code = "invalid_survey"
    message = _("The survey is not valid: %(problem)s.")


class InvalidAnswer(InvalidInput):
    code = "invalid_survey_answer"
    message = _("The answer is not valid: %(problem)s.")


class SurveyNotOpen(DomainError):
    code = "survey_not_open"
    message = _("This survey is not open for answers.")
    status = 409


class SurveyAlreadyAnswered(Conflict):
    code = "survey_already_answered"
    message = _("You have already answered this survey.")


class SurveyNotEditable(Conflict):
    code = "survey_not_editable"
    message = _(
        "Only a draft survey's questions and anonymity can be changed, and only a draft deleted."
    )


class InvalidFeedback(InvalidInput):
    code = "invalid_feedback"
    message = _("The feedback is not valid: %(problem)s.")


class FeedbackClosed(Conflict):
    code = "feedback_closed"
    message = _("This feedback is closed.")
