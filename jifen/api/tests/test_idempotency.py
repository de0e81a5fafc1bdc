from jifen.idempotency.models import IdempotencyRecord
from jifen.programmes.models import Member
from jifen.testing import make_community, make_staff


def test_a_retry_with_the_same_key_returns_the_same_member(api_as, admin, programme, member_body):
    api, url = api_as(admin), f"/programmes/{programme.slug}/members"
    first = api.post(url, member_body, **{"Idempotency-Key": "k-1"})
    again = api.post(url, member_body, **{"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Member.objects.filter(display_name="李建国").count() == 1


def test_refuses_the_same_key_with_another_body(api_as, admin, programme, member_body):
    api, url = api_as(admin), f"/programmes/{programme.slug}/members"
    api.post(url, member_body, **{"Idempotency-Key": "k-1"})
    response = api.post(url, {**member_body, "display_name": "Other"}, **{"Idempotency-Key": "k-1"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert not Member.objects.filter(display_name="Other").exists()


def test_another_user_cannot_replay_someone_elses_key(api_as, admin, programme, member_body):
    url = f"/programmes/{programme.slug}/members"
    api_as(admin).post(url, member_body, **{"Idempotency-Key": "k-1"})
    colleague = make_staff(programme=programme)
    response = api_as(colleague).post(url, member_body, **{"Idempotency-Key": "k-1"})
    assert response.json()["code"] == "idempotency_conflict"


def test_a_refused_request_does_not_use_up_its_key(api_as, admin, programme, member_body):
    api, url = api_as(admin), f"/programmes/{programme.slug}/members"
    bad = api.post(url, {**member_body, "phone": "12"}, **{"Idempotency-Key": "k-1"})
    assert bad.json()["code"] == "invalid_phone"
    assert not IdempotencyRecord.objects.exists()
    good = api.post(url, member_body, **{"Idempotency-Key": "k-1"})
    assert good.status_code == 201


def test_keys_belong_to_one_programme(api_as, admin, programme, other_programme, member_body):
    community = make_community(programme=other_programme)
    api = api_as(admin)
    api.post(f"/programmes/{programme.slug}/members", member_body, **{"Idempotency-Key": "k"})
    admin.roles.create(programme=other_programme, kind="admin")
    response = api.post(
        f"/programmes/{other_programme.slug}/members",
        {**member_body, "community_id": community.pk},
        **{"Idempotency-Key": "k"},
    )
    assert response.status_code == 201
    assert IdempotencyRecord.objects.count() == 2


def test_refuses_an_overlong_key(api_as, admin, programme, member_body):
    response = api_as(admin).post(
        f"/programmes/{programme.slug}/members", member_body, **{"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Member.objects.filter(display_name="李建国").exists()
