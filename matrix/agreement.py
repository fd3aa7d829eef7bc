"""Krippendorff's alpha for a round's verdicts, from the matrix's stored counts.

Nominal data with two values, meets and does not meet; "not sure" is no answer. For nominal data
alpha depends only on how many of each value every unit (a use case version on one principle)
received, so the library is given those value counts (its `value_counts` input, one row per unit)
rather than a reviewers x units table of mostly empty entries: the same figure, from an array of
two columns however many reviewers there are. Units with fewer than two answers pair with nothing
and are left out.
"""

import math
from dataclasses import dataclass

import krippendorff
import numpy as np


@dataclass(frozen=True)
class Alpha:
    value: float | None  # None: undefined ("not enough data")
    use_cases: int  # units with at least two answers


def nominal_alpha(value_counts: np.ndarray) -> Alpha:
    """Alpha over units given as rows of (meets, does not meet) counts. Undefined (None) when no
    unit has two answers, or when every answer is the same (no disagreement is possible, so
    agreement beyond chance cannot be measured)."""
    pairable = value_counts[value_counts.sum(axis=1) >= 2] if len(value_counts) else value_counts
    if len(pairable) == 0 or (pairable[:, 0].sum() == 0 or pairable[:, 1].sum() == 0):
        return Alpha(value=None, use_cases=len(pairable))
    value = krippendorff.alpha(value_counts=pairable, level_of_measurement="nominal")
    return Alpha(value=float(value) if math.isfinite(value) else None, use_cases=len(pairable))
