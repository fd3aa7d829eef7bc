"""Helpers for reading rendered pages in tests."""


def main_content(response) -> str:
    """The page's <main> element: what the page itself says, without the layout around it
    (header, navigation with its sign-out form, phase banner with the feedback address, footer)."""
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>") + len("</main>")]


def date_fields(name, date) -> dict[str, str]:
    """A GOV.UK date input's three fields (day, month, year) as a form posts them."""
    return {f"{name}_0": str(date.day), f"{name}_1": str(date.month), f"{name}_2": str(date.year)}


# Queries every signed-in page makes for the service navigation: memberships (reviewer? which
# organisations led? may invite?) and groups (admin?).
NAVIGATION_QUERIES = 2
