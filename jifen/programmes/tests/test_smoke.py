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
