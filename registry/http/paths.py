"""Concrete paths from route templates: `concrete(SUBMIT)(5)` is `/api/v1/applications/5/submit` for the
template `/api/v1/applications/{application_id:int}/submit`. Each feature's urls.py names its templates
once and derives the concrete paths its tests and links need from them."""

from __future__ import annotations

import re
from collections.abc import Callable

PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def concrete(template: str) -> Callable[..., str]:
    """A function filling the template's parameters, in order, with the values it is given."""
    names = PARAMETER.findall(template)

    def path(*values: object) -> str:
        if len(values) != len(names):
            raise TypeError(f"{template} takes {len(names)} value(s): {', '.join(names)}")
        filled = iter(str(v) for v in values)
        return PARAMETER.sub(lambda _: next(filled), template)

    path.__name__ = path.__qualname__ = "path_of_" + "_".join(names or ["route"])
    return path
