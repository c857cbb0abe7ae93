"""Password policy and hashing (SECURITY.md 2 and 5).

The policy follows NIST SP 800-63B / ASVS 6.2: a length of 12 to 256 characters, no
composition rules, and a refusal of common passwords. The list in common-passwords.txt is
the union of Django's common-passwords list and zxcvbn's password frequency list (entries of
at least 8 characters; see the file's header). To regenerate it, `pip download django
zxcvbn`, unpack both wheels and write the lower-cased, de-duplicated union of
django/contrib/auth/common-passwords.txt.gz and zxcvbn.frequency_lists["passwords"].
"""

import re
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")
HASH_METHOD = "scrypt"  # werkzeug's default parameters: n=2**15, r=8, p=1

_TRAILING_NOISE = re.compile(r"[\d\W_]+$")
_LEADING_NOISE = re.compile(r"^[\d\W_]+")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@cache
def _dummy_hash() -> str:
    """Checked when an account has no password, so that the answer takes as long as for one
    that has (no account enumeration by timing)."""
    return generate_password_hash("kein-echtes-passwort-nur-fuer-die-zeit", HASH_METHOD)


def _is_repetition(text: str) -> bool:
    """'aaaaaaaaaaaa', 'abcabcabcabc', 'passwortpasswort': a short unit repeated."""
    return bool(re.fullmatch(r"(.{1,8}?)\1+", text))


def _is_common(password: str, context: tuple[str, ...]) -> bool:
    lowered = password.lower()
    listed = common_passwords()
    stem = _LEADING_NOISE.sub("", _TRAILING_NOISE.sub("", lowered))
    squeezed = re.sub(r"[\W_]+", "", lowered)
    if lowered in listed or stem in listed or squeezed in listed:
        return True
    if _is_repetition(lowered) or (len(stem) < 4):
        return True
    personal = {re.sub(r"[\W_]+", "", word.lower()) for word in context if word}
    personal |= {re.sub(r"[\W_]+", "", word.split("@")[0].lower()) for word in context if word}
    return squeezed in personal or re.sub(r"\d+$", "", squeezed) in personal


def password_problem(password: str, *context: str) -> str | None:
    """A German explanation why the password is refused, or None when it is acceptable.

    `context` holds words tied to the account (e-mail address, name) that the password
    must not simply repeat.
    """
    if len(password) < MIN_LENGTH:
        return _("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Das Passwort darf höchstens %(n)d Zeichen lang sein.", n=MAX_LENGTH)
    if _is_common(password, context + ("kommunen for future", "kommunenforfuture")):
        return _("Dieses Passwort ist zu verbreitet oder zu leicht zu erraten. "
                 "Bitte wählen Sie ein anderes, zum Beispiel einen Satz aus mehreren Wörtern.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; takes the same time when the account has no password yet."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
