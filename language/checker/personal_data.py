"""Text that looks like personal data: National Insurance numbers, UK postcodes, UK phone numbers,
email addresses, and a name with a date of birth. A use case describes groups of people, never one
person, so each is worth a second look even when it is made up."""

import re
from collections.abc import Iterator

# A National Insurance number: two letters (not D, F, I, Q, U or V; the second not O; never BG, GB,
# KN, NK, NT, TN or ZZ), six digits, and A, B, C or D, with or without spaces.
_NATIONAL_INSURANCE = re.compile(
    r"(?<![\w])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D](?![\w])",
    re.IGNORECASE,
)
# A UK postcode in capitals, as written on letters: area, district, space (or none), sector, unit.
_POSTCODE = re.compile(r"(?<![\w])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPS-UW\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w])")
# A UK phone number: +44 or 0, then 9 or 10 digits in groups (brackets, spaces or hyphens between).
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)[1-37-9][\d\s()-]{7,14}\d(?![\w])")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?![\w-])")

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}})"
# Two to four capitalised words: bounded, so that a long run of them is read in linear time.
_NAME = r"(?:[A-Z][a-z\u2019'-]+)(?:[ \t]+[A-Z][a-z\u2019'-]+){1,3}"
_BIRTH = r"(?:born|b\.|DOB|D\.O\.B\.?|date\s+of\s+birth|birthday)"
# A name, then within the sentence a mention of birth and a date; or a name with a date beside it
# in brackets or after a comma ("Jane Doe (03/05/1990)").
_NAME_AND_BIRTH_DATE = re.compile(
    rf"(?<![\w]){_NAME}(?:[^.\n]{{0,40}}?\b{_BIRTH}:?\s*(?:on\s+|in\s+)?|\s*[,(]\s*){_DATE}\)?",
)

_PHONE_DIGITS = (10, 11)  # a national number with its leading 0


def _phone_ok(found: str) -> bool:
    digits = re.sub(r"\D", "", found)
    national = "0" + digits[2:].removeprefix("0") if found.startswith("+") else digits
    return len(national) in _PHONE_DIGITS


def personal_data_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, what it looks like) for each stretch of text that looks like personal data."""
    for pattern, label in (
        (_NAME_AND_BIRTH_DATE, "a name with a date of birth"),
        (_NATIONAL_INSURANCE, "a National Insurance number"),
        (_EMAIL, "an email address"),
        (_POSTCODE, "a postcode"),
        (_PHONE, "a phone number"),
    ):
        for match in pattern.finditer(text):
            if pattern is _PHONE and not _phone_ok(match.group()):
                continue
            yield match.start(), match.end(), label
