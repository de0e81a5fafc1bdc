"""Which surveys and feedback a staff scope reaches; anything else answers 404 like something
missing. Staff limited to some communities see the programme-wide surveys (their results
counted over their communities' residents only) and their communities' own; they change only
their communities' surveys. Feedback is seen by its writer's community."""

from django.db.models import Q, QuerySet
from django.http import Http404

from jifen.programmes.access import StaffScope, found, in_scope
from jifen.voices.models import Feedback, Survey


def surveys_in_scope(scope: StaffScope) -> QuerySet[Survey]:
    rows = Survey.objects.filter(programme=scope.programme)
    if scope.community_ids is not None:
        rows = rows.filter(Q(community__isnull=True) | Q(community_id__in=scope.community_ids))
    return rows.select_related("community", "activity")


def access_survey(scope: StaffScope, public_id: str, *, change: bool = False) -> Survey:
    """The survey `public_id` of the scope; with `change`, only one the scope may change
    (a community-limited role: its communities' surveys)."""
    survey = found(surveys_in_scope(scope), public_id=public_id)
    if change and scope.community_ids is not None and survey.community_id is None:
        raise Http404
    return survey


def result_communities(scope: StaffScope) -> set[int] | None:
    """The communities whose answers the scope reads (None: all)."""
    return None if scope.community_ids is None else set(scope.community_ids)


def feedback_in_scope(scope: StaffScope) -> QuerySet[Feedback]:
    return in_scope(scope, Feedback.objects.all(), "community").select_related(
        "member", "community"
    )


def access_feedback(scope: StaffScope, public_id: str) -> Feedback:
    return found(feedback_in_scope(scope), public_id=public_id)
