import pytest


def test_shows_the_programme_to_its_staff(api_as, admin, programme, community):
    response = api_as(admin).get(f"/programmes/{programme.slug}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "幸福里社区"
    assert body["currency_name"] == "积分"
    assert body["point_value"] == "1.00"
    assert body["communities"] == [{"id": community.pk, "name": "东区", "population": 2500}]


def test_shows_the_programme_to_its_members(api_as, resident, programme):
    response = api_as(resident).get(f"/programmes/{programme.slug}")
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["other_admin", "stranger"])
def test_hides_the_programme_from_anyone_else(
    api_as, programme, other_admin, who, django_user_model
):
    user = other_admin if who == "other_admin" else django_user_model.objects.create(username="x")
    response = api_as(user).get(f"/programmes/{programme.slug}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
