"""What the provider use cases return: typed results, which the API documents and sends as they are."""

from __future__ import annotations

from typing import Annotated

import msgspec

from registry.certification.schemas import CertifiedItemOut


class CertificateSummary(msgspec.Struct):
    number: str
    kind: str
    status: str
    status_since: str
    valid_from: str
    valid_until: str
    result: str


class ProviderOut(msgspec.Struct):
    """A provider. `status` is always its certification standing on `as_of` (active, suspended, revoked,
    expired, none), as for certificates; whether a regulator has verified the organisation is
    `verification` (unverified | verified)."""

    id: int
    name_ko: str
    name_en: str
    status: str
    certificate_number: str | None
    items: list[CertifiedItemOut]
    certificates: list[CertificateSummary]
    verification: str | None = None
    as_of: str | None = None


class ProviderList(msgspec.Struct):
    """A page of providers by English name. `total` counts every provider matching `q` (or every verified
    provider); a listing filtered by `item` or `status` gives none (null), since only each provider's
    standing on the day tells, and the listing computes it for the rows it shows only."""

    data: list[ProviderOut]
    total: Annotated[int | None, msgspec.Meta(description="providers matching; null when filtered by item or status")]
    next_cursor: str | None
    as_of: str


class RegistrationOut(msgspec.Struct):
    provider_id: int | None
    user_id: int | None
    verification: str  # unverified until a regulator verifies the organisation (not a certification status)
    dry_run: bool
    message_en: str = "Registered. A regulator must verify the organisation before it can submit applications."
    message_ko: str = "등록되었습니다. 규제기관이 기관을 확인한 뒤에 신청서를 제출할 수 있습니다."
