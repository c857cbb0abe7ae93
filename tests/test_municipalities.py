"""Municipalities: size classes, kinds and administrative regions."""

import pytest

from app.municipalities.models import kind_from_name, size_class
from app.municipalities.regions import region_for_district
from app.municipalities.services import get_or_create_municipality


@pytest.mark.parametrize(("population", "expected"), [
    (1999, "unter-2000"), (2000, "2000-5000"), (4999, "2000-5000"), (5000, "5000-10000"),
    (10000, "10000-25000"), (25000, "10000-25000"), (25001, "ueber-25000"), (None, None),
])
def test_size_classes_follow_the_spec(population, expected):
    assert size_class(population) == expected


@pytest.mark.parametrize(("district", "region"), [
    ("Neumarkt i.d.OPf.", "Oberpfalz"), ("Neustadt a.d.Aisch-Bad Windsheim", "Mittelfranken"),
    ("Neustadt an der Waldnaab", "Oberpfalz"), ("Regen", "Niederbayern"),
    ("Regensburg", "Oberpfalz"), ("Dillingen a.d.Donau", "Schwaben"),
    ("Wunsiedel i.Fichtelgebirge", "Oberfranken"), ("Haßberge", "Unterfranken"),
    ("Mühldorf a.Inn", "Oberbayern"), ("Landkreis Bad Kissingen", "Unterfranken"),
    ("Hof", "Oberfranken"), ("Atlantis", None), (None, None),
])
def test_region_is_derived_from_the_district(district, region):
    assert region_for_district(district) == region


def test_new_municipality_gets_kind_and_region(app):
    municipality = get_or_create_municipality("Markt Irgendwo", "Bayern", "Cham", 4000)
    assert municipality.kind == "Markt"
    assert municipality.region == "Oberpfalz"
    assert municipality.slug == "markt-irgendwo"
    assert kind_from_name("Irgendwo") is None
