"""Read queries for the principles pages."""

from django.db.models import QuerySet

from principles.models import Principle


def principles_all() -> QuerySet[Principle]:
    """Every principle, offered or not, in the order reviewers see them."""
    return Principle.objects.order_by("order", "name", "pk")
