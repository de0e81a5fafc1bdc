"""Who am I: the caller's account and every programme they belong to."""

from ninja import Router, Schema

from jifen.api.auth import ApiRequest
from jifen.programmes.queries import programmes_of

router = Router(tags=["me"])


class UserOut(Schema):
    username: str
    display_name: str
    language: str


class MembershipOut(Schema):
    slug: str
    name: str
    roles: list[str]
    member_public_id: str | None


class MeOut(Schema):
    user: UserOut
    programmes: list[MembershipOut]


@router.get("/me", response=MeOut)
def me(request: ApiRequest) -> dict[str, object]:
    user = request.auth
    entries = programmes_of(user)
    return {
        "user": user,
        "programmes": [
            {
                "slug": e.programme.slug,
                "name": e.programme.name,
                "roles": list(e.roles),
                "member_public_id": e.member.public_id if e.member else None,
            }
            for e in entries
        ],
    }
