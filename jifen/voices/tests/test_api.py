"""The voices API: the resident answers an open survey once (a retry with its key replays,
without one is 409), posts feedback and reads staff's reply; staff create, open and close
surveys and read results; another programme's survey is 404, a village's staff see only
their village's answers and feedback; hostile input gets 400/422 and writes nothing."""

from typing import Any

import pytest

from jifen.api.tests.conftest import ApiClient
from jifen.programmes.models import RoleKind
from jifen.testing import make_community, make_member, make_resident_user, make_staff
from jifen.testing_hostile import NUL, SURROGATE, TOO_BIG
from jifen.voices.models import Answer, Feedback, Participation, Response
from jifen.voices.testing import make_survey

P = "/programmes/xingfuli"
BODY = {
    "title": "社区满意度",
    "questions": [
        {"kind": "satisfaction", "text": "满意吗？"},
        {"kind": "nps", "text": "会推荐吗？"},
        {"kind": "text", "text": "建议", "required": False},
    ],
}


@pytest.fixture
def api():
    from django.test import Client

    def make(user: Any) -> ApiClient:
        client = Client()
        if user is not None:
            client.force_login(user)
        return ApiClient(client)

    return make


def _answers(survey: dict[str, Any], *values: Any) -> dict[str, Any]:
    out = []
    for q, v in zip(survey["questions"], values, strict=False):
        out.append({"question": q["id"], **({"text": v} if isinstance(v, str) else {"score": v})})
    return {"answers": out}


def test_staff_make_a_survey_the_resident_answers_once(api, admin, resident):
    staff, me = api(admin), api(resident)
    made = staff.post(f"{P}/surveys", BODY, **{"Idempotency-Key": "s1"})
    assert made.status_code == 201, made.content
    survey = made.json()
    assert survey["status"] == "draft" and survey["anonymous"] is True
    assert me.get(f"{P}/me/surveys").json() == []
    opened = staff.post(f"{P}/surveys/{survey['public_id']}/open", None)
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    (listed,) = me.get(f"{P}/me/surveys").json()
    assert listed["answered"] is False
    url = f"{P}/me/surveys/{survey['public_id']}/answers"
    body = _answers(survey, 5, 10, "很好")
    first = me.post(url, body, **{"Idempotency-Key": "a1"})
    assert first.status_code == 201, first.content
    again = me.post(url, body, **{"Idempotency-Key": "a1"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    second = me.post(url, _answers(survey, 1, 0))
    assert second.status_code == 409 and second.json()["code"] == "survey_already_answered"
    assert Response.objects.count() == 1 and Participation.objects.count() == 1
    assert Response.objects.get().member_id is None
    assert me.get(f"{P}/me/surveys").json()[0]["answered"] is True
    results = staff.get(f"{P}/surveys/{survey['public_id']}/results").json()
    assert results["responses"] == 1 and results["satisfaction_rate"] == 100.0
    assert results["nps"] == 100.0 and results["questions"][2]["texts"] == ["很好"]
    closed = staff.post(f"{P}/surveys/{survey['public_id']}/close", None)
    assert closed.json()["status"] == "closed"
    assert me.get(f"{P}/me/surveys").json() == []


def test_a_draft_can_be_changed_an_open_one_not(api, admin, programme):
    staff = api(admin)
    survey = staff.post(f"{P}/surveys", BODY).json()
    url = f"{P}/surveys/{survey['public_id']}"
    changed = staff.patch(url, {"title": "新标题", "questions": BODY["questions"][:1]})
    assert changed.status_code == 200 and len(changed.json()["questions"]) == 1
    staff.post(f"{url}/open", None)
    refused = staff.patch(url, {"questions": BODY["questions"]})
    assert refused.status_code == 409 and refused.json()["code"] == "survey_not_editable"
    assert staff.patch(url, {"title": "仍可改标题"}).status_code == 200


def test_wrong_scores_are_refused(api, resident, programme):
    survey = make_survey(programme=programme)
    me = api(resident)
    listed = me.get(f"{P}/me/surveys").json()[0]
    url = f"{P}/me/surveys/{survey.public_id}/answers"
    for bad in ([6, 5], [0, 5], [5, 11], [None, 5], [5, "x"]):
        refused = me.post(url, _answers(listed, *bad))
        assert refused.status_code == 422, (bad, refused.content)
    refused = me.post(url, {"answers": [{"question": 10**30, "score": 5}]})
    assert refused.status_code in (400, 422)
    assert not Answer.objects.exists() and not Participation.objects.exists()


def test_hostile_input_is_refused_and_writes_nothing(api, admin, resident, programme):
    me, staff = api(resident), api(admin)
    for text in (f"a{NUL}b", f"a{SURROGATE}b"):
        refused = me.post(f"{P}/me/feedback", {"text": text})
        assert refused.status_code == 400, refused.content
        refused = staff.post(f"{P}/surveys", {**BODY, "title": text})
        assert refused.status_code == 400
    refused = staff.post(f"{P}/surveys", {**BODY, "community_id": TOO_BIG})
    assert refused.status_code in (400, 422)
    refused = me.get(f"{P}/me/surveys/{NUL}/answers")
    assert refused.status_code in (400, 404, 405)
    assert staff.get(f"{P}/feedback", {"status": "nope"}).status_code == 422
    assert not Feedback.objects.exists()


def test_feedback_reply_flow(api, admin, resident, member):
    me, staff = api(resident), api(admin)
    posted = me.post(f"{P}/me/feedback", {"text": "电梯坏了", "anonymous": True})
    assert posted.status_code == 201
    fid = posted.json()["public_id"]
    (seen,) = staff.get(f"{P}/feedback", {"status": "open"}).json()
    assert seen["member"] is None and seen["member_name"] is None  # anonymous to staff
    replied = staff.post(f"{P}/feedback/{fid}/replies", {"text": "明天维修"})
    assert replied.status_code == 201 and replied.json()["status"] == "answered"
    (mine,) = me.get(f"{P}/me/feedback").json()
    assert mine["status"] == "answered" and mine["replies"][0]["text"] == "明天维修"
    named = me.post(f"{P}/me/feedback", {"text": "谢谢"}).json()
    shown = {f["public_id"]: f for f in staff.get(f"{P}/feedback").json()}
    assert shown[named["public_id"]]["member_name"] == member.display_name
    assert staff.post(f"{P}/feedback/{fid}/close", None).json()["status"] == "closed"
    refused = staff.post(f"{P}/feedback/{fid}/replies", {"text": "again"})
    assert refused.status_code == 409 and refused.json()["code"] == "feedback_closed"


def test_another_programme_is_not_found(api, other_admin, admin, resident, programme):
    survey = make_survey(programme=programme)
    outsider = api(other_admin)
    assert outsider.get(f"{P}/surveys").status_code == 404
    assert outsider.get(f"{P}/surveys/{survey.public_id}/results").status_code == 404
    assert api(admin).get("/programmes/riverside/surveys").status_code == 404
    assert api(resident).get("/programmes/riverside/me/surveys").status_code == 404
    assert api(None).get(f"{P}/me/surveys").status_code in (401, 404)


def test_a_village_role_sees_its_village(api, programme, community, member, resident):
    west = make_community(programme=programme, name="西区")
    neighbour = make_member(community=west, name="西区居民")
    neighbour_user = make_resident_user(member=neighbour)
    organizer = make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=west)
    survey = make_survey(programme=programme)
    for user, score in ((resident, 5), (neighbour_user, 1)):
        listed = api(user).get(f"{P}/me/surveys").json()[0]
        assert (
            api(user)
            .post(f"{P}/me/surveys/{survey.public_id}/answers", _answers(listed, score, 5))
            .status_code
            == 201
        )
    west_staff = api(organizer)
    results = west_staff.get(f"{P}/surveys/{survey.public_id}/results").json()
    assert results["responses"] == 1 and results["satisfaction_rate"] == 0.0
    # A programme-wide survey is read, not changed, by a village's staff.
    assert west_staff.post(f"{P}/surveys/{survey.public_id}/close", None).status_code == 404
    assert west_staff.post(f"{P}/surveys", BODY).status_code == 422
    own = west_staff.post(f"{P}/surveys", {**BODY, "community_id": west.pk})
    assert own.status_code == 201
    assert (
        west_staff.post(f"{P}/surveys", {**BODY, "community_id": community.pk}).status_code == 422
    )
    api(resident).post(f"{P}/me/feedback", {"text": "东区的事"})
    api(neighbour_user).post(f"{P}/me/feedback", {"text": "西区的事"})
    assert [f["text"] for f in west_staff.get(f"{P}/feedback").json()] == ["西区的事"]
    east_feedback = Feedback.objects.get(text="东区的事")
    assert (
        west_staff.post(f"{P}/feedback/{east_feedback.public_id}/replies", {"text": "x"})
    ).status_code == 404
