"""Slugs for the rows people name on the admin pages (audiences, organisations, principles)."""

from django.db import models
from django.utils.text import slugify


def unique_slug(*, model: type[models.Model], name: str, max_length: int, exclude_pk=None) -> str:
    """A slug for name that no other row of model uses: name-2, name-3… when it is taken."""
    base = slugify(name)[: max_length - 4].strip("-") or "item"
    others = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
