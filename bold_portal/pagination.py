"""Links for the GOV.UK pagination component, for any list page of the portal."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _

PAGE_SIZE = 25


def paginate(items, page_number, *, per_page: int = PAGE_SIZE) -> Page:
    """One page of items; a missing, broken or too-large page number gives the nearest page."""
    return Paginator(items, per_page).get_page(page_number)


class KnownCount:
    """Items to page whose number is already known (from figures the page reads anyway), so that
    the paginator slices them without counting them again."""

    def __init__(self, items, count: int):
        self._items, self._count = items, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key):
        return self._items[key]


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: an ellipsis
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    previous_url: str
    next_url: str
    pages: list[PageLink]
    label: str


def pagination(
    request, page, *, param: str = "page", label: str = "", also: dict | None = None, anchor: str = ""
) -> Pagination | None:
    """Links for the GOV.UK pagination component, keeping the page's other query parameters (and
    setting those in also, for a page with several lists), to the element anchor names if given.
    None when everything fits on one page."""
    if page.paginator.num_pages <= 1:
        return None

    def url(number: int) -> str:
        query = request.GET.copy()
        for name, value in (also or {}).items():
            query[name] = value
        query.pop(param, None)  # the page number goes last, after the filters it keeps
        query[param] = str(number)
        return f"?{query.urlencode()}" + (f"#{anchor}" if anchor else "")

    current, last = page.number, page.paginator.num_pages
    shown = sorted({1, last, current - 1, current, current + 1} & set(range(1, last + 1)))
    links, previous = [], 0
    for number in shown:
        if number - previous > 1:
            links.append(PageLink(None))
        links.append(PageLink(number, url(number), number == current))
        previous = number
    return Pagination(
        previous_url=url(current - 1) if page.has_previous() else "",
        next_url=url(current + 1) if page.has_next() else "",
        pages=links,
        label=label or _("Pages"),
    )
