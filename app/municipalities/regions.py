"""Bavarian districts (Landkreise and kreisfreie Städte) and their administrative regions.

Used to fill in a municipality's Regierungsbezirk from its district, so that "municipalities
like mine" can compare regions without every file naming one.
"""

import re

REGIONS = {
    "Oberbayern": [
        "altoetting", "berchtesgadener land", "bad toelz", "dachau", "ebersberg", "eichstaett",
        "erding", "freising", "fuerstenfeldbruck", "garmisch", "landsberg", "miesbach",
        "muehldorf", "muenchen", "neuburg", "pfaffenhofen", "rosenheim", "starnberg",
        "traunstein", "weilheim", "ingolstadt",
    ],
    "Niederbayern": [
        "deggendorf", "dingolfing", "freyung", "kelheim", "landshut", "passau", "regen",
        "rottal", "straubing",
    ],
    "Oberpfalz": [
        "amberg", "cham", "neumarkt", "neustadt waldnaab", "regensburg", "schwandorf",
        "tirschenreuth", "weiden",
    ],
    "Oberfranken": [
        "bamberg", "bayreuth", "coburg", "forchheim", "hof", "kronach", "kulmbach",
        "lichtenfels", "wunsiedel",
    ],
    "Mittelfranken": [
        "ansbach", "erlangen", "fuerth", "nuernberg", "neustadt aisch", "roth", "weissenburg",
        "schwabach",
    ],
    "Unterfranken": [
        "aschaffenburg", "bad kissingen", "rhoen", "hassberge", "kitzingen", "miltenberg",
        "main-spessart", "schweinfurt", "wuerzburg",
    ],
    "Schwaben": [
        "aichach", "augsburg", "dillingen", "guenzburg", "neu-ulm", "lindau", "ostallgaeu",
        "unterallgaeu", "donau-ries", "oberallgaeu", "kaufbeuren", "kempten", "memmingen",
    ],
}
_PREFIXES = sorted(
    ((prefix, region) for region, prefixes in REGIONS.items() for prefix in prefixes),
    key=lambda item: -len(item[0]),
)
_CONNECTORS = re.compile(r"\b(a|an|am|d|der|i|in|im|b|bei|landkreis|lkr)\b")


def _normalise(district: str) -> str:
    text = district.lower()
    for umlaut, replacement in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, replacement)
    text = re.sub(r"[.,()]", " ", text)
    text = _CONNECTORS.sub(" ", text)
    return " ".join(text.split())


def region_for_district(district: str | None) -> str | None:
    """The Regierungsbezirk of a Bavarian district name, or None when unknown."""
    if not district:
        return None
    key = _normalise(district)
    for prefix, region in _PREFIXES:
        if key.startswith(prefix) and (len(key) == len(prefix) or not key[len(prefix)].isalpha()):
            return region
    return None
