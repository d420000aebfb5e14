"""Validation on record: what makes a disease-tier item testable by one provider. A regulator records,
per provider and item, the regulatory-sandbox designation (실증특례 지정) and the National Bioethics
Committee (국가생명윤리심의위원회) decision; the panel engine asks whether a record covers the day checked.
Pure code.

Registry policy (the law is silent on the mechanics): a record covers day D when the committee decided on
or before D and the record was not withdrawn on or before D (a withdrawal takes effect on its date, as a
certificate's revocation does). The sandbox period is recorded and checked (from <= until; designated
before the committee decided) but does not bound coverage: a sandbox exemption is a research-only
demonstration that adds no item by itself, and it is the committee's review of its results that opens the
item; the end of the demonstration does not close it again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from registry.catalog.model import ITEM_CODE_PATTERN, Catalogue, Tier
from registry.kernel.ids import RecordId

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]


class ValidationInput(BaseModel):
    """What a regulator records: the body of POST /api/v1/validations."""

    model_config = ConfigDict(extra="forbid")
    provider_id: RecordId
    code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=ITEM_CODE_PATTERN)]
    sandbox_designation: Line = Field(description="the designation number of the demonstration exemption (실증특례)")
    sandbox_granted_by: Line = Field(
        description="the body that granted it, e.g. the industrial-convergence special-regulation committee"
    )
    sandbox_from: dt.date
    sandbox_until: dt.date
    committee_decided_on: dt.date = Field(description="the date of the National Bioethics Committee decision")
    committee_reference: Line | None = Field(default=None, description="the decision's number, if known")
    note: Note = ""


class WithdrawalInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    withdrawn_on: dt.date = Field(description="from this day on the record covers nothing")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


def dates_problem(data: ValidationInput) -> tuple[str, str] | None:
    """(reason, field) when the dates of a record cannot be: the sandbox period runs backwards, or the
    committee decided before the sandbox designation (its review weighs the demonstration's results)."""
    if data.sandbox_until < data.sandbox_from:
        return "period_reversed", "sandbox_until"
    if data.committee_decided_on < data.sandbox_from:
        return "decided_before_designation", "committee_decided_on"
    return None


def item_problem(catalogue: Catalogue, code: str) -> str | None:
    """A validation is recorded only for a disease-tier item of the published list (its tier as the
    newest edition listing it has it): for any other item it would change nothing."""
    entries = [entry for _, entry in catalogue.item_history(code) if entry is not None]
    if not entries:
        return "unknown_item"
    if entries[-1].tier is not Tier.disease:
        return "not_disease"
    return None


@dataclass(frozen=True)
class ValidationRecord:
    """One record as the rules read it."""

    provider_id: int
    code: str
    committee_decided_on: dt.date
    withdrawn_on: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return self.committee_decided_on <= day and (self.withdrawn_on is None or day < self.withdrawn_on)

    def change_dates(self) -> set[dt.date]:
        return {self.committee_decided_on} | ({self.withdrawn_on} if self.withdrawn_on else set())


def coverage_changes(records: Iterable[ValidationRecord]) -> list[tuple[int, str, dt.date, bool]]:
    """For each (provider, item), every date from which whether some record covers it changes, and the
    answer from then on: (provider_id, code, start, covered), the first start of each pair being the
    earliest date there is (nothing covered)."""
    by_pair: dict[tuple[int, str], list[ValidationRecord]] = {}
    for record in records:
        by_pair.setdefault((record.provider_id, record.code), []).append(record)
    out = []
    for (provider_id, code), pair in sorted(by_pair.items()):
        out.append((provider_id, code, dt.date.min, False))
        for start in sorted(set().union(*(r.change_dates() for r in pair))):
            out.append((provider_id, code, start, any(r.covers(start) for r in pair)))
    return out
