"""What publishing a draft would do besides making the version, listed on the publish page before
the author confirms. usecases knows nothing of the apps above it, so they register providers here
(from their AppConfig.ready): a provider reads a draft and returns what publishing it would take
away. The publish service compares the keys the author was shown with those true when it runs."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PublishConsequence:
    """One thing publishing takes away: an assignment of the use case to review, say."""

    key: str  # stable and unique among all providers' consequences, such as "assignment:12"
    organisation: str  # whose interest takes it away
    round: str
    version: str  # the use case version it is about, in words
    given_to: str  # who loses it, in words


Provider = Callable[[object], Iterable[PublishConsequence]]

_providers: list[Provider] = []


def register_publish_consequences(provider: Provider) -> Provider:
    """Add a provider (idempotent, so that a second ready() does not list things twice)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def publish_consequences(draft) -> list[PublishConsequence]:
    """What publishing the draft as it is saved would take away, from every registered provider."""
    return [consequence for provider in _providers for consequence in provider(draft)]


def consequence_keys(consequences: Iterable[PublishConsequence]) -> list[str]:
    return sorted(consequence.key for consequence in consequences)
