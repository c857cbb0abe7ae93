"""Defects found by an outside probe (issue 10): user input never answers 500."""

import pytest


@pytest.mark.parametrize("path", [
    "/module/9223372036854775808", "/feeds/modul/9223372036854775808.atom",
    "/module/99999999999999999999999", "/redaktion/module/9223372036854775808",
])
def test_numbers_too_large_for_a_database_column_are_not_found(client, path):
    response = client.get(path)
    assert response.status_code in (302, 404), response.status_code


def test_ordinary_numbers_still_route(client):
    assert client.get("/module/2").status_code == 200
    assert client.get("/module/2147483647").status_code == 404
