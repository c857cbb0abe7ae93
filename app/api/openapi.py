"""The OpenAPI 3.1 document of the JSON API (SPEC §5)."""

from __future__ import annotations

from app.municipalities.models import SIZE_CLASSES
from app.practices.models import STATUSES


def _array_param(name: str, description: str, items: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "array", "items": items, "maxItems": 50},
            "style": "form", "explode": True}


def _param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


SLUG = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "maxLength": 100}
ERROR = {"description": "Fehler", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}


def _schemas() -> dict:
    string_list = {"type": "array", "items": {"type": "string"}}
    int_list = {"type": "array", "items": {"type": "integer"}}
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    hit = {"type": "object", "required": ["slug", "title", "municipality", "summary", "levers",
                                          "topics", "modules", "status", "snippet", "url"],
           "properties": {
               "slug": {"type": "string"}, "title": {"type": "string"},
               "municipality": {"type": "string"}, "municipality_slug": {"type": "string"},
               "summary": {"type": "string"}, "levers": string_list, "topics": string_list,
               "modules": int_list, "sdgs": int_list,
               "status": {"type": "string", "enum": list(STATUSES)},
               "size_class": {"type": ["string", "null"]},
               "snippet": {"type": "string",
                           "description": "HTML: nur <mark>-Tags, alles andere maskiert"},
               "url": {"type": "string"}, "score": {"type": "number"},
               "published_at": {"type": ["string", "null"], "format": "date-time"},
               "similarity": {"type": "integer", "minimum": 0, "maximum": 3}}}
    return {
        "Error": {"type": "object", "required": ["error"],
                  "properties": {"error": {"type": "string"}}},
        "Hit": hit,
        "SearchResult": {
            "type": "object",
            "required": ["total", "page", "per_page", "results", "facets", "suggestion"],
            "properties": {
                "total": {"type": "integer"}, "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "facets": {"type": "object", "properties": {
                    name: counts for name in ("lever", "topic", "module", "status",
                                              "municipality", "size_class", "sdg")}},
                "suggestion": {"type": ["string", "null"],
                               "description": "Korrigierte Anfrage („Meinten Sie …“)"},
                "notice": {"type": ["string", "null"]}}},
        "Practice": {"type": "object", "properties": {
            "slug": {"type": "string"}, "title": {"type": "string"},
            "summary": {"type": "string"}, "html": {"type": "string"},
            "municipality": {"type": "object"}, "levers": string_list, "topics": string_list,
            "modules": int_list, "sdgs": int_list, "status": {"type": "string"},
            "workshops": {"type": "array", "items": {"type": "object"}},
            "experience_reports": {"type": "array", "items": {"type": "object"}}}},
    }


def openapi_document() -> dict:
    """The API description, built from the same constants the code validates against."""
    parameters = [
        _param("q", "Freitext (Deutsch), höchstens 500 Zeichen",
               {"type": "string", "maxLength": 500}),
        _array_param("lever", "Hebel (Kurzname); ODER innerhalb, UND zwischen Feldern", SLUG),
        _array_param("topic", "Handlungsfeld (Kurzname)", SLUG),
        _array_param("module", "Modulnummer", {"type": "integer", "minimum": 1}),
        _array_param("status", "Umsetzungsstand", {"type": "string", "enum": list(STATUSES)}),
        _array_param("municipality", "Kommune (Kurzname)", SLUG),
        _array_param("sdg", "Nachhaltigkeitsziel 1–17",
                     {"type": "integer", "minimum": 1, "maximum": 17}),
        _array_param("size_class", "Größenklasse",
                     {"type": "string", "enum": [slug for slug, *_ in SIZE_CLASSES]}),
        _param("population_min", "Mindesteinwohnerzahl", {"type": "integer", "minimum": 0}),
        _param("population_max", "Höchste Einwohnerzahl", {"type": "integer", "minimum": 0}),
        _param("sort", "Sortierung (Standard: relevance mit q, sonst newest)",
               {"type": "string", "enum": ["relevance", "newest", "title"]}),
        _param("page", "Seite (ab 1)", {"type": "integer", "minimum": 1, "maximum": 1000}),
        _param("per_page", "Treffer je Seite",
               {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
        _param("like", "Kommune (Kurzname): ähnliche Kommunen zuerst („Kommunen wie meine“)",
               SLUG),
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kommunen for future – Wissensbasis", "version": "1.0.0",
                 "description": "Lesender Zugriff auf veröffentlichte Lösungsansätze. Einträge "
                                "nur für Mitglieder erscheinen nur angemeldeten Personen."},
        "paths": {
            "/api/v1/practices": {"get": {
                "summary": "Lösungsansätze suchen", "operationId": "searchPractices",
                "parameters": parameters,
                "responses": {"200": {"description": "Treffer", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SearchResult"}}}},
                    "400": ERROR}}},
            "/api/v1/practices/{slug}": {"get": {
                "summary": "Einen Lösungsansatz abrufen", "operationId": "getPractice",
                "parameters": [{"name": "slug", "in": "path", "required": True,
                                "schema": SLUG}],
                "responses": {"200": {"description": "Der Lösungsansatz", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Practice"}}}},
                    "404": ERROR}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "Diese Beschreibung", "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI-Dokument"}}}},
        },
        "components": {"schemas": _schemas()},
    }
