"""The OpenAPI 3.1 document of the JSON API (SPEC §5)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.municipalities.models import SIZE_CLASSES
from app.practices.models import STATUSES
from app.search import COST_BANDS, EFFORTS
from app.taxonomies.models import Lever, Topic
from app.workshops.models import Module


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


POPULATION = {"type": "integer", "minimum": 0, "maximum": 100_000_000}


def _known(column, kind: str) -> dict:
    """The values the search accepts for a vocabulary field, read from the database."""
    return {"type": kind, "enum": sorted(db.session.scalars(select(column).distinct()))}


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
               "similarity": {"type": "integer", "minimum": 0, "maximum": 4,
                              "description": "Gemeinsamkeiten mit der Vergleichskommune: "
                                             "Größe, Landkreis, Regierungsbezirk; 4 = dieselbe"},
               "costs_eur": {"type": ["integer", "null"]},
               "effort": {"type": ["string", "null"], "enum": ["gering", "mittel", "hoch", None]},
               "match": {"type": "string", "enum": ["all", "partial"],
                         "description": "partial: nach den vollständigen Treffern angehängt, "
                                        "enthält nur einen Teil der Suchbegriffe"}}}
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
                                              "municipality", "size_class", "sdg", "cost",
                                              "effort")}},
                "suggestion": {"type": ["string", "null"],
                               "description": "Korrigierte Anfrage („Meinten Sie …“)"},
                "corrected_query": {"type": ["string", "null"],
                                    "description": "Die Treffer sind die dieser korrigierten "
                                                   "Anfrage („Ergebnisse für …“); exact=1 "
                                                   "sucht genau wie eingegeben"},
                "match": {"type": "string", "enum": ["all", "partial"],
                          "description": "partial: kein Eintrag enthält alle Suchbegriffe"},
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
        _array_param("lever", "Hebel (Kurzname); ODER innerhalb, UND zwischen Feldern",
                     _known(Lever.slug, "string")),
        _array_param("topic", "Handlungsfeld (Kurzname)", _known(Topic.slug, "string")),
        _array_param("module", "Modulnummer", _known(Module.number, "integer")),
        _array_param("status", "Umsetzungsstand", {"type": "string", "enum": list(STATUSES)}),
        _array_param("municipality", "Kommune (Kurzname)", SLUG),
        _array_param("sdg", "Nachhaltigkeitsziel 1–17",
                     {"type": "integer", "minimum": 1, "maximum": 17}),
        _array_param("size_class", "Größenklasse",
                     {"type": "string", "enum": [slug for slug, *_ in SIZE_CLASSES]}),
        _param("population_min", "Mindesteinwohnerzahl", POPULATION),
        _param("population_max", "Höchste Einwohnerzahl", POPULATION),
        _param("sort", "Sortierung (Standard: relevance mit q, sonst newest); cost: "
               "günstigste zuerst, ohne Kostenangabe zuletzt",
               {"type": "string", "enum": ["relevance", "newest", "title", "cost"]}),
        _array_param("cost", "Kostenrahmen: bis-10000 (bis 10.000 €), bis-50000 "
                     "(10.001–50.000 €), bis-250000 (50.001–250.000 €), mehr (über 250.000 €)",
                     {"type": "string", "enum": [slug for slug, *_ in COST_BANDS]}),
        _array_param("effort", "Aufwand für eine kleine Verwaltung",
                     {"type": "string", "enum": list(EFFORTS)}),
        _param("exact", "1: genau wie eingegeben suchen, ohne automatische Korrektur",
               {"type": "string", "enum": ["1"]}),
        _param("page", "Seite (ab 1)", {"type": "integer", "minimum": 1, "maximum": 1000}),
        _param("per_page", "Treffer je Seite",
               {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
        _param("like", "Kommune (Kurzname): ähnliche Kommunen zuerst („Kommunen wie meine“)",
               SLUG),
        _param("like_population", "Einwohnerzahl einer Kommune, die nicht in der Wissensbasis "
               "ist („Kommunen wie meine“; nichts wird gespeichert)",
               {"type": "integer", "minimum": 0, "maximum": 100_000_000}),
        _param("like_district", "Landkreis (oder Regierungsbezirk) dieser Kommune",
               {"type": "string", "maxLength": 120}),
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
