"""Builders shared by the API tests: a round with reviews from three organisations, and tokens."""

from django.test import Client
from django.urls import reverse

from matrix.services.recompute import matrix_recompute
from matrix.services.tokens import api_token_create
from tests.factories import make_assignment, make_organisation, make_reviewer, make_version
from tests.matrix.analyst_support import small_world, submit


def api_world():
    """A round with two use cases reviewed by five people from three organisations (Crisis 3,
    Nacro 1, St Basils 1), its matrix computed."""
    audience, crisis, relevant, clear, review_round = small_world()
    nacro = make_organisation(name="Nacro")
    st_basils = make_organisation(name="St Basils")
    first = make_version(audience=audience, title="Repeat homelessness")
    second = make_version(audience=audience, title="Rough sleeping")
    for version in (first, second):
        for organisation in (crisis, nacro, st_basils):
            make_assignment(review_round=review_round, version=version, organisation=organisation)
    people = [
        make_reviewer(organisation=organisation, full_name=f"Name {i}")
        for i, organisation in enumerate((crisis, crisis, crisis, nacro, st_basils))
    ]
    verdicts = ["meets", "meets", "does_not_meet", "not_sure", "does_not_meet"]
    for person, verdict in zip(people, verdicts, strict=True):
        submit(person, review_round, first, {relevant: (verdict, f"Reason of {person.email}", "", ""), clear: "meets"})
    submit(people[3], review_round, second, {relevant: "meets", clear: "meets"})
    matrix_recompute(round_id=review_round.pk)
    return {
        "round": review_round,
        "first": first,
        "second": second,
        "relevant": relevant,
        "clear": clear,
        "people": people,
        "audience": audience,
    }


def api_urls(world) -> list[str]:
    """Every endpoint of the API, and the schema, for the given world."""
    slug = world["round"].slug
    first = world["first"]
    return [
        reverse("api:rounds"),
        reverse("api:round", args=[slug]),
        reverse("api:matrix", args=[slug]),
        reverse("api:cell", args=[slug, first.use_case.slug, first.number, world["relevant"].slug]),
        reverse("api:agreement", args=[slug]),
        reverse("api:schema"),
    ]


def token_for(user, *, days: int = 30) -> str:
    return api_token_create(owner=user, name="Notebook", days=days)[1]


def bearer_client(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})
