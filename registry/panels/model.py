"""What a panel check is asked and what it answers; the claims rule read from rules/claims.toml."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from registry.kernel.ids import RecordId
from registry.settings import PROJECT_ROOT

Target = Literal["adult", "minor"]
Symbol = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class PanelItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=32)]
    genes: list[Symbol] = Field(default_factory=list, max_length=1000)
    markers: list[Symbol] = Field(default_factory=list, max_length=10000)


class PanelRequest(BaseModel):
    """One panel to check: the request body of POST /api/v1/panels/check."""

    model_config = ConfigDict(extra="forbid")
    provider_id: RecordId | None = Field(
        default=None, description="a regulator names the provider; a provider may omit it"
    )
    as_of: dt.date | None = Field(default=None, description="default: today in Korea (Asia/Seoul)")
    target: Target = "adult"
    items: list[PanelItem] = Field(min_length=1, max_length=1000)
    claims: Annotated[str, StringConstraints(max_length=20000)] = ""


class PanelRegistration(BaseModel):
    """A provider's consumer product, registered so that it is re-checked whenever the rules move."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    target: Target = "adult"
    items: list[PanelItem] = Field(min_length=1, max_length=1000)
    claims: Annotated[str, StringConstraints(max_length=20000)] = ""


@cache
def prohibited_claim_pattern(path: Path = PROJECT_ROOT / "rules" / "claims.toml") -> re.Pattern[str]:
    words = tomllib.loads(path.read_text(encoding="utf-8"))["prohibited"]
    return re.compile("|".join(f"(?:{w})" for w in [*words["ko"], *words["en"]]), re.IGNORECASE)


def prohibited_phrases(claims: str) -> list[str]:
    """Each distinct prohibited phrase in a claims text, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in prohibited_claim_pattern().finditer(claims or ""):
        seen.setdefault(match.group(0).lower(), None)
    return list(seen)


class FindingOut(msgspec.Struct):
    item: str | None
    code: str
    severity: str
    message_ko: str
    message_en: str
    basis_ko: str
    basis_en: str


class CertificateRef(msgspec.Struct):
    number: str
    status: str | None


class CheckOut(msgspec.Struct):
    """The answer to 'may this provider sell this panel on this date?'."""

    verdict: str
    as_of: str | None
    catalog_version: str | None
    provider_id: int | None
    target: str | None
    certificate: CertificateRef | None
    findings: list[FindingOut]


class PanelOut(msgspec.Struct):
    id: int
    provider_id: int
    name: str
    target: str
    claims: str
    items: list[dict]
    checked_at: str
    latest_check: CheckOut


class VerdictChange(msgspec.Struct):
    panel_id: int
    provider_id: int
    name: str
    verdict_now: str
    verdict_then: str
    findings_appearing: list[FindingOut]
    findings_disappearing: list[FindingOut]


class ImpactOut(msgspec.Struct):
    """Registered panels whose verdict would change if an edition were in force today."""

    version: str
    kind: str  # draft | published
    as_of: str
    panels_checked: int
    verdict_changes: list[VerdictChange]
    panels_with_other_finding_changes: int
