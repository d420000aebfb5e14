"""The file format for records from before the registry: providers, their certificates, items and
status events (seeds/demo/history.toml is one; `dtc-registry certificates import FILE` reads any)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from registry.catalog.model import ITEM_CODE_PATTERN
from registry.certification.model import CERTIFICATE_NUMBER, CertificateKind, EventKind
from registry.providers.model import OrganisationInput

Code = Annotated[str, StringConstraints(pattern=ITEM_CODE_PATTERN)]


class HistoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    certified_from: dt.date | None = None


class HistoryEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: EventKind
    effective_date: dt.date
    reason: str = ""
    ground: int | None = Field(default=None, ge=1, le=5)
    items: list[Code] = Field(default_factory=list)
    valid_until: dt.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HistoryEvent:
        if self.kind is EventKind.issued:
            raise ValueError("the issue is the certificate itself (valid_from, valid_until, items)")
        if self.kind in (EventKind.suspended, EventKind.revoked) and self.ground is None:
            raise ValueError(f"a {self.kind.value} event names its ground (Art. 49-2(4), 1-5)")
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

    @model_validator(mode="after")
    def _dates(self) -> HistoryCertificate:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        if any(e.effective_date < self.valid_from for e in self.events):
            raise ValueError("an event is dated before the certificate was granted")
        return self


class HistoryProvider(OrganisationInput):
    certificates: list[HistoryCertificate] = Field(default_factory=list)


class HistoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    providers: list[HistoryProvider]
