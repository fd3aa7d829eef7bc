"""Text that has broken web applications: for the tests that send it to every form and import."""

NUL = "before\x00after"
ONE_MEGABYTE = "x" * 1_048_576
# What a UTF-16 file saved without a byte order mark looks like to a program reading it as
# Latin-1 or UTF-8: every other character a NUL.
UTF16_WITHOUT_BOM = "Name, with accents: é".encode("utf-16-le").decode("latin-1")
BYTE_ORDER_MARK = "\ufeffStarts with a byte order mark"
RIGHT_TO_LEFT = "Right-to-left \u200fmark and \u202eoverride\u202c"


def full_width(text: str) -> str:
    """text in full-width letters, digits and spaces, as East Asian keyboards may type it."""
    return "".join("\u3000" if char == " " else chr(ord(char) + 0xFEE0) for char in text)


FULL_WIDTH = full_width("Full width 123")

# Values every text field must refuse, without changing anything.
REFUSED = {"nul": NUL, "one-megabyte": ONE_MEGABYTE, "utf-16-without-bom": UTF16_WITHOUT_BOM}
# Real text: refused only where a field wants something else (an email address, a number).
ODD_BUT_REAL = {"byte-order-mark": BYTE_ORDER_MARK, "right-to-left": RIGHT_TO_LEFT, "full-width": FULL_WIDTH}
