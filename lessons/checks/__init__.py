"""Sans-IO evaluation of a step's check: one meaning for every runner, one module per check type.

`base` holds what every check shares (observations, `Status`, `Evaluation`);
each module in `types/` is one check type (its record, parser, evaluation and
texts) and registers itself with `registry`, which the loader, the format
reference, check-all and the runner go through. The composite types: `all`
passes when every part passes at the same moment (each with its own hold);
`sequence` judges each part from the moment the one before it passed.
"""

from __future__ import annotations

from .base import (
    DEFAULT_TIMEOUT_S,
    AlarmSeen,
    Answered,
    Check,
    Evaluation,
    Loaded,
    Observation,
    Queried,
    Status,
    Verdict,
    compare,
)
from .registry import CHECK_TYPES, CheckType, check_type, discover, evaluation, inner_types, judge

discover()

__all__ = ["CHECK_TYPES", "DEFAULT_TIMEOUT_S", "AlarmSeen", "Answered", "Check", "CheckType", "Evaluation", "Loaded",
           "Observation", "Queried", "Status", "Verdict", "check_type", "compare", "evaluation", "inner_types", "judge"]
