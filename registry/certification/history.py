"""The file format for records from before the registry: providers, their certificates, items and
status events (seeds/demo/history.toml is one; `dtc-registry certificates import FILE` reads any)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from registry.catalog.model import ITEM_CODE_PATTERN
from registry.certification.model import (
    CERTIFICATE_NUMBER,
    MANDATORY_GROUND,
    SURCHARGE_MAX_KRW,
    CertificateKind,
    EventKind,
    HearingOutcome,
    regime_problem,
    suspension_end_limit,
)
from registry.providers.model import OrganisationInput

Code = Annotated[str, StringConstraints(pattern=ITEM_CODE_PATTERN)]


class HistoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    certified_from: dt.date | None = None


class HistoryEvent(BaseModel):
    """An event as the registry records it now: a suspension (or the surcharge replacing it) with its last
    day (`until`, at most one year), a hearing with its outcome, a revocation with its ground after a
    hearing."""

    model_config = ConfigDict(extra="forbid")
    kind: EventKind
    effective_date: dt.date
    reason: str = ""
    ground: int | None = Field(default=None, ge=1, le=5)
    items: list[Code] = Field(default_factory=list)
    valid_until: dt.date | None = None
    until: dt.date | None = None
    surcharge: int | None = Field(default=None, ge=1, le=SURCHARGE_MAX_KRW)
    outcome: HearingOutcome | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HistoryEvent:
        if self.kind is EventKind.issued:
            raise ValueError("the issue is the certificate itself (valid_from, valid_until, items)")
        if self.kind in (EventKind.suspended, EventKind.surcharged, EventKind.revoked) and self.ground is None:
            raise ValueError(f"a {self.kind.value} event names its ground (Art. 49-2(4), 1-5)")
        if self.kind in (EventKind.suspended, EventKind.surcharged):
            if self.ground == MANDATORY_GROUND:
                raise ValueError("ground 1 (Art. 49-2(4) item 1) requires revocation, not a suspension")
            if self.until is None or not self.effective_date <= self.until <= suspension_end_limit(self.effective_date):
                raise ValueError("a suspension gives its last day (until), at most one year on (Art. 56(1))")
        if (self.kind is EventKind.surcharged) != (self.surcharge is not None):
            raise ValueError("a surcharged event, and only it, gives the surcharge in KRW (Art. 58)")
        if (self.kind is EventKind.hearing) != (self.outcome is not None):
            raise ValueError("a hearing event, and only it, gives its outcome")
        if self.kind is EventKind.items_added and not self.items:
            raise ValueError("items_added lists the items")
        if self.kind is EventKind.renewed and self.valid_until is None:
            raise ValueError("a renewal gives the new valid_until")
        return self


class HistoryCertificate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str
    kind: CertificateKind
    valid_from: dt.date
    valid_until: dt.date
    items: list[HistoryItem] = Field(min_length=1)
    events: list[HistoryEvent] = Field(default_factory=list)

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        if not CERTIFICATE_NUMBER.match(value):
            raise ValueError("certificate numbers read DTC-YYYY-NNNN (DTC-PYYYY-NNNN for pilot certifications)")
        return value

    @field_validator("valid_from")
    @classmethod
    def _dates_of_the_law(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        kind = info.data.get("kind")
        if kind is not None and regime_problem(kind, value):
            raise ValueError(
                "a certification under Art. 49-2 is valid from 2022-12-30 at the earliest (the first were granted then)"
                if kind is CertificateKind.certification
                else "a pilot certification is valid from a day between 2020-02-17 and 2022-12-29 (the pilot period)"
            )
        return value

    @model_validator(mode="after")
    def _dates(self) -> HistoryCertificate:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        if any(e.effective_date < self.valid_from for e in self.events):
            raise ValueError("an event is dated before the certificate was granted")
        hearings = [e.effective_date for e in self.events if e.kind is EventKind.hearing]
        for e in self.events:
            if e.kind is EventKind.revoked and not any(h <= e.effective_date for h in hearings):
                raise ValueError(f"the revocation of {e.effective_date} has no hearing (Art. 57) recorded before it")
        return self


class HistoryProvider(OrganisationInput):
    certificates: list[HistoryCertificate] = Field(default_factory=list)


class HistoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    providers: list[HistoryProvider]
