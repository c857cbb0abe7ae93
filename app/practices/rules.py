"""The field rules of SPEC §2, defined once for the file import and the web forms.

`app.practices.fileformat` checks every rule when it reads a file; the entry form builds
the same field mapping from what was typed and has it checked by the same code, and uses
these limits for its `maxlength`/`min`/`max` hints.
"""

import re

from app.practices.models import EFFORTS, REVISION_NOTE_MAX, STATUSES, VISIBILITIES

SLUG_RE = re.compile(r"^[a-z0-9-]{1,80}$")
SLUG_MAX_LENGTH = 80
# Slugs that name pages under /praxis/ (SPEC §6) and so cannot name an entry.
RESERVED_SLUGS = frozenset({"neu"})
WORKSHOP_SLUG_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-(auftakt|modul-([1-9]))$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
URL_MAX_LENGTH = 2000
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

TEXT_LIMITS = {  # field -> maximum characters (after folding white space)
    "title": 200,
    "municipality": 200,
    "summary": 600,
    "state": 120,
    "district": 120,
    "funding": 1000,
}
CONTACT_LIMITS = {"name": 200, "role": 200, "email": 254, "phone": 60}  # field -> characters
CONTACT_FIELDS = tuple(CONTACT_LIMITS)
NUMBER_RANGES = {  # field -> (lowest, highest)
    "population": (0, 10_000_000),
    "started": (1900, 2100),
    "costs_eur": (0, 10_000_000_000),
}
# Longer digit strings are out of every range above; they are never converted (Python
# refuses int() of more than 4300 digits, and nothing needs more than a few).
MAX_DIGITS = 18
MODULE_RANGE = (1, 4)
MAX_MODULES = 4
SDG_RANGE = (1, 17)
MIN_LEVERS = 1
MAX_BODY_BYTES = 1_000_000  # a whole file, front matter and body
NOTE_MAX_LENGTH = REVISION_NOTE_MAX  # the entry form's "Was wurde geändert?"
ADOPTION_QUERY_MAX = 200  # the entry form's search for entries to adopt from

CHOICES = {"status": STATUSES, "visibility": VISIBILITIES, "effort": EFFORTS}
