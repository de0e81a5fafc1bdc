from django.urls import reverse


def test_the_front_page_lists_public_programmes(client, programme):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "幸福里社区" in response.content.decode()


def test_a_resident_sees_their_home_page(client, resident, member):
    client.force_login(resident)
    response = client.get(reverse("resident-home", args=[member.programme.slug]))
    assert response.status_code == 200
    assert member.display_name in response.content.decode()


def test_updating_a_member_without_a_joined_date_keeps_the_old_one(member):
    from jifen.programmes import services

    data = services.MemberData(
        display_name="王秀英", community=member.community, phone=member.phone
    )
    services.update_member(actor=None, member=member, data=data)
    member.refresh_from_db()
    assert str(member.joined_on) == "2026-01-01"
