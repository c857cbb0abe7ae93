"""Seed data of SPEC §4: levers and topics. Idempotent."""

from sqlalchemy import select

from app.extensions import db
from app.taxonomies.models import Lever, Topic

LEVERS = [
    ("vorbild", "Vorbild sein",
     "Eigene Gebäude, Fuhrpark, Straßenbeleuchtung, eigener Verbrauch"),
    ("beschaffen", "Nachhaltig beschaffen", "Kriterien für die öffentliche Beschaffung"),
    ("planen-regeln", "Planen und Regeln",
     "Bauleitpläne, Satzungen, städtebauliche Verträge"),
    ("versorgen-anbieten", "Versorgen und Anbieten",
     "Stadtwerke, Wärme, Energie, Verkehr, Wasser und Abfall"),
    ("finanzieren-foerdern", "Finanzieren und Fördern",
     "Haushalt, eigene Förderprogramme, Fördermittel, Bürgerfinanzierung"),
    ("beraten-motivieren", "Beraten und Motivieren",
     "Information, Beratung, Kampagnen, Bildung"),
    ("beteiligen-kooperieren", "Beteiligen und Kooperieren",
     "Bürgerbeteiligung, Bündnisse, Genossenschaften, interkommunale Zusammenarbeit"),
    ("organisieren-verankern", "Organisieren und Verankern",
     "Klimaschutzmanagement, Ratsbeschlüsse, Strategien, Monitoring"),
    ("analysieren", "Bestandsaufnahme und Daten",
     "Ausgangsbilanzen, Energie- und CO₂-Bilanzen, Indikatoren, Nachhaltigkeitsberichte"),
]

TOPICS = [
    ("energie", "Energie und Wärme"),
    ("mobilitaet", "Mobilität"),
    ("bauen-flaeche", "Bauen, Wohnen und Fläche"),
    ("klimaanpassung", "Klimaanpassung"),
    ("natur", "Natur und Biodiversität"),
    ("landwirtschaft-ernaehrung", "Landwirtschaft und Ernährung"),
    ("kreislauf", "Abfall und Ressourcen"),
    ("wirtschaft", "Regionale Wirtschaft"),
    ("soziales", "Soziales und Teilhabe"),
    ("bildung", "Bildung für nachhaltige Entwicklung"),
    ("globale-verantwortung", "Globale Verantwortung und Fairer Handel"),
]


def seed_taxonomies() -> int:
    """Insert the missing levers and topics; return how many rows were added."""
    added = 0
    known_levers = set(db.session.scalars(select(Lever.slug)))
    for position, (slug, name, description) in enumerate(LEVERS):
        if slug not in known_levers:
            db.session.add(Lever(slug=slug, name=name, description=description,
                                 position=position))
            added += 1
    known_topics = set(db.session.scalars(select(Topic.slug)))
    for position, (slug, name) in enumerate(TOPICS):
        if slug not in known_topics:
            db.session.add(Topic(slug=slug, name=name, position=position))
            added += 1
    return added
