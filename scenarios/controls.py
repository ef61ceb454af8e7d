"""The quality-control sections of a scenario file: ``[golden]`` and ``[dynamic_overlap]``.

```toml
[golden]                 # a share of the labelled tasks has a known answer
share = 0.1              # 0 < share < 1, spread evenly over the stream
answers = 3              # distinct workers per golden task
smoothing = 1.0          # c in (correct + c) / (answered + 2c)
threshold = 0.5          # flag a worker whose estimate falls below this
min_answered = 5         # golden answers before a worker can be flagged
actions = ["stop", "discard"]   # what a flag does (none by default)

[dynamic_overlap]        # ask for answers until the label is confident
min_answers = 1
max_answers = 5
target = 0.9             # confidence of the Bayes-weighted vote
```

The tables are ``agents.golden.Golden`` and ``agents.overlap.DynamicOverlap``, whose
fields declare the bounds once for a call and a file alike; which modes combine is
``agents.distribution.Distribution``'s rule. :func:`check_quality` checks only what
needs the rest of the file: labelled tasks to work on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scenarios._schema import FieldProblemError

if TYPE_CHECKING:
    from scenarios.spec import ScenarioSpec

__all__ = ["check_quality"]


def _labelled(spec: ScenarioSpec) -> bool:
    gen = spec.tasks.generate
    return (gen is not None and bool(gen.labels)) or any(
        t.truth is not None for t in spec.tasks.items
    )


def check_quality(spec: ScenarioSpec) -> None:
    """Check that the quality-control sections have labelled tasks to work on.

    Raises:
        FieldProblemError: naming ``golden`` or ``dynamic_overlap`` when no task is
            labelled.
    """
    for where, section in (("golden", spec.golden), ("dynamic_overlap", spec.dynamic_overlap)):
        if section is not None and not _labelled(spec):
            raise FieldProblemError(
                where,
                "needs labelled tasks (tasks.generate.labels, or tasks.items with a truth)",
            )
