"""Seed data of SPEC §4: the four modules, the kick-off and the module workshops."""

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.workshops.models import Module, Workshop

MODULES = [
    (1, "Wo stehen wir?",
     "Was müssen wir tun, und was sagt die Wissenschaft zum Handlungsbedarf und zu "
     "Lösungsansätzen?", "14. August 2019"),
    (2, "Was kann vor Ort getan werden?",
     "Welche Hebel und Instrumente haben wir in der Hand?", "7. November 2019"),
    (3, "Bündnispartner und Akzeptanz",
     "Wie gewinnen wir Verbündete und Akzeptanz für eine Strategie des Wandels?",
     "13. Februar 2020"),
    (4, "Wandel organisieren",
     "Wie organisieren und verankern wir den Wandel in der Kommune?",
     "Frühjahr/Sommer 2020"),
]

# The facts the circle published (SPEC §4): (slug, title, date, module number or None for
# the kick-off, place, note on the date). Unknown places stay empty: the pages then say
# "nicht überliefert" instead of an invented detail.
WORKSHOPS = [
    ("2019-08-18-auftakt", "Auftakttreffen des Kommunalkreises", date(2019, 8, 18), None,
     "Pegnitz", ""),
    ("2019-08-14-modul-1", "Modul 1: Wo stehen wir?", date(2019, 8, 14), 1, "", ""),
    ("2019-11-07-modul-2", "Modul 2: Was kann vor Ort getan werden?", date(2019, 11, 7), 2,
     "", ""),
    ("2020-02-13-modul-3", "Modul 3: Bündnispartner und Akzeptanz", date(2020, 2, 13), 3,
     "", ""),
    ("2020-06-25-modul-4", "Modul 4: Wandel organisieren", date(2020, 6, 25), 4, "",
     "Frühjahr/Sommer 2020; der genaue Termin ist nicht überliefert"),
]


def seed_modules_and_workshops() -> int:
    """Insert the missing modules and workshops; return how many rows were added.

    A seeded workshop that no organiser has edited yet gets facts added later to this list
    (an empty place or date note is filled); an edited one is never touched.
    """
    added = 0
    modules = {m.number: m for m in db.session.scalars(select(Module))}
    for number, title, question, date_label in MODULES:
        if number not in modules:
            modules[number] = Module(number=number, title=title, question=question,
                                     date_label=date_label)
            db.session.add(modules[number])
            added += 1
    known = {w.slug: w for w in db.session.scalars(select(Workshop))}
    for slug, title, day, number, place, date_note in WORKSHOPS:
        workshop = known.get(slug)
        if workshop is None:
            db.session.add(Workshop(slug=slug, title=title, date=day, place=place,
                                    date_note=date_note,
                                    module=modules[number] if number else None))
            added += 1
        elif workshop.edited_at is None:
            workshop.place = workshop.place or place
            workshop.date_note = workshop.date_note or date_note
    return added
