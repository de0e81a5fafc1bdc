from jifen.programmes.models import RoleKind
from jifen.testing import make_staff


def test_lists_the_programmes_of_a_resident_with_their_member_id(api_as, resident, member):
    response = api_as(resident).get("/me")
    assert response.status_code == 200
    assert response.json()["programmes"] == [
        {
            "slug": "xingfuli",
            "name": "幸福里社区",
            "roles": [],
            "member_public_id": member.public_id,
        }
    ]


def test_lists_the_roles_of_staff_and_never_other_programmes(api_as, programme, other_programme):
    user = make_staff(programme=programme, kind=RoleKind.ORGANIZER, username="organizer")
    response = api_as(user).get("/me")
    body = response.json()
    assert body["user"] == {"username": "organizer", "display_name": "organizer", "language": ""}
    assert [(p["slug"], p["roles"]) for p in body["programmes"]] == [("xingfuli", ["organizer"])]
