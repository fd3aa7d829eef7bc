"""State changes for principles. Each runs in one transaction and writes an audit row."""

from audiences.services import Ensured, row_ensure
from principles.models import Principle


def principle_ensure(*, slug: str, name: str, order: int, question: str, guidance: str, actor) -> Ensured[Principle]:
    """Make sure the principle slug exists with this name, order, question and guidance; puts
    back any that drifted. Writes nothing when all is in place."""
    return row_ensure(
        model=Principle,
        lookup={"slug": slug},
        values={"name": name, "order": order, "question": question, "guidance": guidance},
        actor=actor,
        action="principle",
    )
