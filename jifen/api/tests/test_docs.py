import re


def test_serves_the_openapi_schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/programmes/{slug}/members" in paths
    assert "/api/v1/me" in paths


def test_the_docs_page_loads_only_local_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in url for url in urls)
    assert all(url.startswith("/static/") for url in urls), urls
    assert "http://" not in html and "https://" not in html


def test_the_docs_static_files_are_served(client):
    response = client.get("/static/ninja/swagger-ui-bundle.js")
    assert response.status_code == 200
