"""What a regulator sends to draft, edit and publish an edition of the permitted list: the inputs the API
and the console both validate with."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from registry.catalog.model import EntryFile, ItemCode
from registry.kernel.ids import MAX_ID


class DraftInput(BaseModel):
    """A new edition: a published base plus entries added, withdrawn or replaced."""

    model_config = ConfigDict(extra="forbid")
    version: dt.date = Field(description="intended effective date; becomes the version id")
    base: str | None = Field(default=None, description="published edition to start from (default: the newest)")
    title_ko: str | None = None
    title_en: str | None = None
    legal_basis_ko: str | None = None
    legal_basis_en: str | None = None
    announced_total: int | None = Field(default=None, ge=0, le=MAX_ID)
    notes: str | None = None
    add: list[EntryFile] = Field(default_factory=list, max_length=2000)
    withdraw: list[str] = Field(default_factory=list, max_length=2000)
    replace: list[EntryFile] = Field(default_factory=list, max_length=2000)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=2000)]


class DraftEdit(BaseModel):
    """Changes to an open draft; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")
    title_ko: Text | None = None
    title_en: Text | None = None
    legal_basis_ko: Text | None = None
    legal_basis_en: Text | None = None
    announced_total: int | None = Field(default=None, ge=0, le=MAX_ID)
    announced_total_qualifier: Literal["exact", "up_to"] | None = None
    announced_on: dt.date | None = None
    effective_from: dt.date | None = Field(default=None, description="never in the past")
    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None
    sources: list[Url] | None = Field(default=None, max_length=100)
    add: list[EntryFile] = Field(default_factory=list, max_length=2000)
    withdraw: list[ItemCode] = Field(default_factory=list, max_length=2000)
    replace: list[EntryFile] = Field(default_factory=list, max_length=2000)

    @model_validator(mode="after")
    def _something(self) -> DraftEdit:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        return self


class PublishInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_from: dt.date | None = Field(default=None, description="default: the draft's date; never in the past")
