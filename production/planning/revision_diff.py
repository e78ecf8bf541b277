"""Which cells of the MPS changed between two plans, over whole arrays (items x measures x weeks).

A cell that does not exist in the older plan counts as 0: the first revision then stores only non-zero cells,
and folding stored changes (missing = 0) rebuilds any revision exactly.
"""

from __future__ import annotations

import numpy as np

# Changes smaller than this are float noise from the netting arithmetic, not plan changes.
TOLERANCE = 1e-6


def changed_cells(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Boolean mask (items, measures, weeks) of the cells whose value moved by more than TOLERANCE."""
    return np.abs(new - old) > TOLERANCE


def round_quantities(values: np.ndarray) -> np.ndarray:
    """Round to 4 decimals so stored plans compare equal after a JSON round trip."""
    return np.round(values, 4) + 0.0  # + 0.0 turns -0.0 into 0.0
