"""Making text safe to open in a spreadsheet, for every CSV and XLSX the portal writes."""

# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and
# Google Sheets. OWASP's advice for CSV injection: prefix such a cell with a single quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text value that a spreadsheet would run as a formula, made inert by a leading single
    quote; anything else (numbers included) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


TRIGGER_CHARACTERS = frozenset(FORMULA_TRIGGERS)


def neutralise_text(value: str) -> str:
    """neutralise for a value known to be text (None is taken as empty): the same result, quicker,
    for writers of many thousands of cells."""
    if value is None:
        return ""
    return "'" + value if value[:1] in TRIGGER_CHARACTERS else value
