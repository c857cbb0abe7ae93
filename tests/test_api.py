"""The JSON API of SPEC §5: shape, errors, visibility, OpenAPI."""

import pytest


@pytest.fixture
def entries(write_practice, import_folder, tmp_path):
    write_practice("solar", title="Bürgersolaranlage auf der Schule",
                   summary="Photovoltaik auf dem Schuldach.", levers="vorbild")
    write_practice("intern", title="Interne Solarplanung", summary="Photovoltaik intern.",
                   visibility="members")
    return import_folder(tmp_path / "files")


def test_search_answers_in_the_shape_of_spec_5(entries, client):
    response = client.get("/api/v1/practices?q=Solaranlagen")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert {"total", "page", "per_page", "results", "facets", "suggestion"} <= set(data)
    assert data["total"] == 1 and data["page"] == 1 and data["per_page"] == 20
    hit = data["results"][0]
    assert {"slug", "title", "municipality", "summary", "levers", "topics", "modules", "status",
            "snippet", "url"} <= set(hit)
    assert hit["slug"] == "solar" and hit["url"] == "/praxis/solar"
    assert hit["levers"] == ["vorbild"] and hit["modules"] == [2]
    assert "<mark>" in hit["snippet"]
    assert {"lever", "topic", "module", "status"} <= set(data["facets"])
    assert data["facets"]["module"] == {"2": 1}


def test_members_only_entries_are_invisible_to_anonymous_callers(entries, client, create_user,
                                                                 login):
    data = client.get("/api/v1/practices?q=Photovoltaik").get_json()
    assert [r["slug"] for r in data["results"]] == ["solar"]
    assert data["facets"]["lever"] == {"vorbild": 1}
    assert client.get("/api/v1/practices/intern").status_code == 404
    assert client.get("/api/v1/practices/intern").get_json()["error"]
    user = create_user("member")
    login(user)
    data = client.get("/api/v1/practices?q=Photovoltaik").get_json()
    assert sorted(r["slug"] for r in data["results"]) == ["intern", "solar"]


def test_one_practice_with_html(entries, client):
    response = client.get("/api/v1/practices/solar")
    assert response.status_code == 200
    data = response.get_json()
    assert data["slug"] == "solar" and "<h2" in data["html"]
    assert data["workshops"] == [] and data["experience_reports"] == []
    assert "email" not in data["contact"]
    assert client.get("/api/v1/practices/gibt-es-nicht").status_code == 404


def test_adopted_from_names_only_entries_the_caller_may_see(
        write_practice, import_folder, tmp_path, client, create_user, login):
    """A members-only entry's address (made from its title) never reaches anonymous callers
    through another entry's 'adopted_from'; an entry not imported yet is not named either."""
    path = write_practice("solar", title="Bürgersolaranlage auf der Schule")
    path.write_text(path.read_text().replace(
        "status: umgesetzt", "status: umgesetzt\nadopted_from: [intern, noch-nicht-da, wind]"))
    write_practice("intern", title="Interne Solarplanung", visibility="members")
    write_practice("wind", title="Windrad der Bürger", municipality="Gemeinde Windhausen")
    import_folder(tmp_path / "files")
    assert client.get("/api/v1/practices/solar").get_json()["adopted_from"] == ["wind"]
    login(create_user("member"))
    assert client.get("/api/v1/practices/solar").get_json()["adopted_from"] == ["intern", "wind"]


@pytest.mark.parametrize("query", [
    "lever=unbekannt", "module=x", "sdg=0", "page=0", "per_page=1000", "sort=zufall",
    "population_min=a", "status=fertig", "municipality=%2e%2e", "q=" + "x" * 600,
    "population_min=9&population_max=1",
])
def test_bad_parameters_get_400_with_a_json_error(app, client, query):
    response = client.get(f"/api/v1/practices?{query}")
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]


def test_openapi_document(app, client):
    data = client.get("/api/v1/openapi.json").get_json()
    assert data["openapi"].startswith("3.")
    assert "/api/v1/practices" in data["paths"] and "/api/v1/practices/{slug}" in data["paths"]
    names = {p["name"] for p in data["paths"]["/api/v1/practices"]["get"]["parameters"]}
    assert {"q", "lever", "topic", "module", "status", "municipality", "sdg", "sort", "page",
            "per_page", "population_min", "population_max"} <= names


def test_api_is_read_only(app, client):
    assert client.post("/api/v1/practices").status_code in (400, 405)
