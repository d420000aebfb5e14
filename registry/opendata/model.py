"""Open data in the domain, pure code: the datasets anyone may download with their column dictionary
(defined here once: the exports, the manifest and docs/open-data.md all follow it), the file formats,
and the public change events with their sentences in Korean and English.

Public means what the public API already shows: the verification of a certificate (holder, validity,
standing with its reason and ground, items), its history (every event with its reason, ground,
surcharge, hearing outcome, items and application number), the public provider lookup (verified
providers by name) and the published catalogue. Never exported: e-mail addresses, telephone numbers,
business and report numbers, representatives and addresses of providers, who recorded an event (staff
names), applications, evaluations, drafts, panels and validation records' internal notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    string = "string"
    integer = "integer"
    boolean = "boolean"
    date = "date"  # ISO 8601 calendar date, YYYY-MM-DD (a day in Korea)
    datetime = "datetime"  # ISO 8601 instant in UTC


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    ko: str
    en: str


def _c(name: str, kind: str, ko: str, en: str) -> Column:
    return Column(name, ColumnType(kind), ko, en)


LIST_SEPARATOR = ";"  # lists (item codes, genes) are one text column, values joined with it

_AS_OF = _c(
    "as_of",
    "date",
    "상태를 판단한 기준일(한국 날짜, 파일 생성일)",
    "The day the standing refers to (Korean date, the day the file was made)",
)
_PROVIDER_ID = _c(
    "provider_id", "integer", "기관 식별번호(/api/v1/providers/{id})", "The provider's id (/api/v1/providers/{id})"
)
_NUMBER = _c("certificate_number", "string", "인증서 번호", "The certificate number")
_ITEM_CODE = _c("code", "string", "검사항목 코드", "The item code")
_NAME_KO = _c("name_ko", "string", "검사항목 이름(한국어)", "The item's Korean name")
_NAME_EN = _c("name_en", "string", "검사항목 이름(영어)", "The item's English name")
_GROUND = (
    _c("ground", "integer", "취소·처분 사유 호(제49조의2제4항 1~5)", "The ground, an item of Art. 49-2(4) (1 to 5)"),
    _c("ground_ko", "string", "사유의 법조문 문구(한국어)", "The ground in the statute's Korean words"),
    _c("ground_en", "string", "사유의 법조문 문구(영어 번역)", "The ground in English (the registry's translation)"),
)


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    title_ko: str
    title_en: str
    columns: tuple[Column, ...]


_COLUMNS: dict[str, tuple[Column, ...]] = {
    "providers": (
        _PROVIDER_ID,
        _c("name_ko", "string", "기관 이름(한국어)", "The provider's Korean name"),
        _c("name_en", "string", "기관 이름(영어)", "The provider's English name"),
        _c(
            "status",
            "string",
            "기준일의 인증 상태: active, suspended, revoked, expired, none",
            "Standing on as_of: active, suspended, revoked, expired, none",
        ),
        _c(
            "certificate_number",
            "string",
            "기준일에 효력이 있는 인증서 번호(없으면 빈칸)",
            "The certificate in force on as_of (empty if none)",
        ),
        _c(
            "items", "string", "기준일에 인증된 검사항목 코드(;로 구분)", "Item codes certified on as_of, joined with ;"
        ),
        _c(
            "certificates",
            "integer",
            "기관의 인증서 수(시범인증 포함)",
            "How many certificates the provider holds or held (pilot included)",
        ),
        _AS_OF,
    ),
    "certificates": (
        _NUMBER,
        _c(
            "kind",
            "string",
            "인증 종류: certification(제49조의2), pilot(2020~2022 시범인증)",
            "certification (Art. 49-2) or pilot (2020-2022)",
        ),
        _PROVIDER_ID,
        _c("provider_name_ko", "string", "기관 이름(한국어)", "The holder's Korean name"),
        _c("provider_name_en", "string", "기관 이름(영어)", "The holder's English name"),
        _c("valid_from", "date", "유효기간 시작일", "First day of validity"),
        _c("valid_until", "date", "유효기간 마지막 날(재인증 반영)", "Last day of validity (renewals included)"),
        _c(
            "status",
            "string",
            "기준일의 상태: active, suspended, revoked, expired, not_yet_valid",
            "Standing on as_of: active, suspended, revoked, expired, not_yet_valid",
        ),
        _c("status_since", "date", "그 상태가 시작된 날", "Since when the standing holds"),
        _c("status_until", "date", "업무정지의 마지막 날(해당할 때)", "A suspension's last day (when suspended)"),
        _c(
            "status_reason",
            "string",
            "상태의 사유(공개 검증에 표시되는 문구)",
            "The reason for the standing, as the public verification shows it",
        ),
        *_GROUND,
        _c("certified", "boolean", "기준일에 인증이 유효한지", "Whether the certificate certifies on as_of"),
        _c(
            "items",
            "string",
            "인증서의 검사항목 코드(;로 구분)",
            "Item codes on the certificate on as_of, joined with ;",
        ),
        _AS_OF,
    ),
    "certificate-items": (
        _NUMBER,
        _PROVIDER_ID,
        _ITEM_CODE,
        _NAME_KO,
        _NAME_EN,
        _c("certified_from", "date", "이 항목이 인증된 첫날", "First day the item is certified on this certificate"),
        _c(
            "certified_until",
            "date",
            "이 항목 인증의 마지막 날(정해진 경우)",
            "Last day the item is certified (when set)",
        ),
        _c(
            "application_number",
            "string",
            "항목을 인증한 신청 번호(기존 기록이면 빈칸)",
            "The application that certified it (empty for older records)",
        ),
    ),
    "catalog-items": (
        _ITEM_CODE,
        _c(
            "name_ko",
            "string",
            "검사항목 이름(최근 판 기준, 한국어)",
            "The item's Korean name, as the newest edition listing it has it",
        ),
        _c(
            "name_en",
            "string",
            "검사항목 이름(최근 판 기준, 영어)",
            "The item's English name, as the newest edition listing it has it",
        ),
        _c(
            "category", "string", "분류(2020~2023 일곱 분류 또는 disease)", "Category (the 2020-2023 seven, or disease)"
        ),
        _c("tier", "string", "건강 관련성 구분", "Tier of relation to health"),
        _c("minors", "string", "미성년자 검사: permitted, not_permitted", "Testing minors: permitted or not_permitted"),
        _c(
            "status",
            "string",
            "기준일에 시행 중인 판의 상태(permitted, temporary, withdrawn, not_listed)",
            "Status in the edition in force on as_of (permitted, temporary, withdrawn, not_listed)",
        ),
        _c("first_listed", "string", "처음 수록한 판(없으면 빈칸)", "The first edition listing it (empty if none)"),
        _c(
            "last_listed",
            "string",
            "가장 최근에 수록한 판(없으면 빈칸)",
            "The newest edition listing it (empty if none)",
        ),
        _c(
            "first_certified_on",
            "date",
            "기관에 처음 인증된 날(신규 항목)",
            "Day it was first certified to an institution (new items)",
        ),
        _c(
            "source_application",
            "string",
            "그 인증의 신청 번호(신규 항목)",
            "The application of that certification (new items)",
        ),
        _AS_OF,
    ),
    "catalog-history": (
        _c("version", "string", "판(시행일)", "The edition (its effective date)"),
        _c("effective_from", "date", "판의 시행일", "First day the edition is in force"),
        _c(
            "effective_until",
            "date",
            "판의 마지막 시행일(다음 판 전날, 최신 판은 빈칸)",
            "Last day in force (the day before the next edition; empty for the newest)",
        ),
        _ITEM_CODE,
        _NAME_KO,
        _NAME_EN,
        _c("category", "string", "분류", "Category"),
        _c(
            "category_assigned",
            "boolean",
            "분류를 등록기관이 정했는지(고시에 없음)",
            "Whether the registry assigned the category (not in the notice)",
        ),
        _c("tier", "string", "건강 관련성 구분", "Tier of relation to health"),
        _c(
            "status",
            "string",
            "그 판의 상태: permitted, temporary, withdrawn",
            "Status in that edition: permitted, temporary, withdrawn",
        ),
        _c("temporary_until", "date", "임시 허용의 마지막 날", "Last day of a temporary permission"),
        _c(
            "open_to_reported",
            "boolean",
            "신고한 모든 검사기관에 허용(유전자 제한 안에서)",
            "Open to every reported institution, within the gene restriction",
        ),
        _c("open_to_reported_until", "date", "그 허용의 마지막 날", "Last day of that opening"),
        _c("restricted_genes", "string", "허용된 유전자(;로 구분)", "Genes it is restricted to, joined with ;"),
        _c("restricted_markers", "string", "허용된 표지(;로 구분)", "Markers it is restricted to, joined with ;"),
        _c("minors", "string", "미성년자 검사: permitted, not_permitted", "Testing minors: permitted or not_permitted"),
        _c(
            "confidence",
            "string",
            "공개 기록의 확실성: C 확인, D 추론, U 미확인 세부",
            "Confidence: C confirmed, D derived, U unconfirmed detail",
        ),
        _c(
            "first_edition_confirmed",
            "boolean",
            "처음 수록한 판이 확인되었는지",
            "Whether the first edition listing it is confirmed",
        ),
        _c("notes", "string", "판의 비고(공개)", "The edition's public notes on the item"),
    ),
    "status-changes": (
        _c("event_id", "integer", "사건 식별번호(변경 피드의 순서)", "The event's id (its order in the change feed)"),
        _NUMBER,
        _PROVIDER_ID,
        _c(
            "kind",
            "string",
            "사건: issued, items_added, renewed, suspended, surcharged, reinstated, hearing, revoked",
            "issued, items_added, renewed, suspended, surcharged, reinstated, hearing, revoked",
        ),
        _c("effective_date", "date", "효력 발생일", "The day it takes effect"),
        _c("until", "date", "업무정지의 마지막 날", "A suspension's last day"),
        _c(
            "valid_until",
            "date",
            "발급·재인증 후 유효기간 마지막 날",
            "Issued or renewed: last day of validity from then on",
        ),
        *_GROUND,
        _c(
            "surcharge_krw",
            "integer",
            "업무정지를 갈음한 과징금(원, 제58조)",
            "Penalty surcharge in KRW instead of the suspension (Art. 58)",
        ),
        _c(
            "hearing_outcome",
            "string",
            "청문 결과: held, waived_by_holder, not_attended",
            "Hearing outcome: held, waived_by_holder, not_attended",
        ),
        _c(
            "reason",
            "string",
            "사유(인증서 이력에 공개되는 문구)",
            "The reason, as the certificate's public history shows it",
        ),
        _c(
            "items",
            "string",
            "사건이 더하거나 뺀 검사항목 코드(;로 구분)",
            "Item codes the event added or dropped, joined with ;",
        ),
        _c("application_number", "string", "관련 신청 번호", "The application it came from"),
        _c("recorded_at", "datetime", "등록부에 기록된 시각(UTC)", "When the registry recorded it (UTC)"),
    ),
}


_TITLES = {
    "providers": ("확인된 기관과 기준일의 인증 상태", "Verified providers and their standing on the day"),
    "certificates": ("인증서와 기준일의 상태", "Certificates and their standing on the day"),
    "certificate-items": ("인증서별 인증 검사항목", "The items on each certificate"),
    "catalog-items": (
        "검사항목(고시된 항목과 기관에 인증된 신규 항목)",
        "Items: those the editions list and new items certified to institutions",
    ),
    "catalog-history": ("판별 허용 항목 목록(판마다 항목 한 줄)", "Every edition's list, one row per item and edition"),
    "status-changes": (
        "인증서 이력(발급, 항목 추가, 재인증, 업무정지, 과징금, 청문, 취소)",
        "Certificate history: issued, items added, renewed, suspended, surcharged, hearing, revoked",
    ),
}
DATASETS: dict[str, Dataset] = {name: Dataset(name, *_TITLES[name], columns) for name, columns in _COLUMNS.items()}


@dataclass(frozen=True, slots=True)
class FileFormat:
    extension: str
    media_type: str


FORMATS: dict[str, FileFormat] = {
    "csv": FileFormat("csv", "text/csv; charset=utf-8"),
    "json": FileFormat("json", "application/json"),
    "parquet": FileFormat("parquet", "application/vnd.apache.parquet"),
}


def split_file_name(name: str) -> tuple[str, str] | None:
    """`providers.csv` -> ("providers", "csv"); None for a name without an extension."""
    dataset, dot, fmt = name.rpartition(".")
    return (dataset, fmt) if dot and dataset else None


# --- the change feed ------------------------------------------------------------------------------------


class Source(StrEnum):
    """Where change events come from; each has its own monotonic id, and the cursor holds one per source."""

    certificate_event = "certificate-event"
    edition = "edition"
    certified_item = "certified-item"


SOURCES = tuple(Source)


@dataclass(frozen=True, slots=True)
class Position:
    """The last id seen of each source: where a reader of the feed stands."""

    last: tuple[int, ...] = (0,) * len(SOURCES)

    def key(self) -> str:
        return ".".join(str(n) for n in self.last)

    @classmethod
    def parse(cls, key: str, max_id: int) -> Position | None:
        parts = key.split(".")
        if len(parts) != len(SOURCES) or not all(p.isascii() and p.isdigit() and len(p) <= 10 for p in parts):
            return None
        numbers = tuple(int(p) for p in parts)
        return cls(numbers) if all(n <= max_id for n in numbers) else None

    def after(self, source: Source) -> int:
        return self.last[SOURCES.index(source)]

    def moved(self, source: Source, last_id: int) -> Position:
        values = list(self.last)
        values[SOURCES.index(source)] = last_id
        return Position(tuple(values))


@dataclass(frozen=True, slots=True)
class Subject:
    certificate_number: str | None = None
    provider_id: int | None = None
    provider_name_ko: str | None = None
    provider_name_en: str | None = None
    edition_version: str | None = None
    item_code: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    source: Source
    source_id: int
    type: str
    time: dt.datetime
    effective_date: dt.date
    subject: Subject
    summary_en: str
    summary_ko: str
    link: str
    details: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.source.value}:{self.source_id}"


HEARING_OUTCOMES = {
    "held": ("the holder was heard", "청문 실시"),
    "waived_by_holder": ("the holder waived the hearing", "처분 대상 기관이 의견 진술을 포기"),
    "not_attended": ("the holder, duly summoned, did not attend", "적법한 통지에도 불출석"),
}


def certificate_sentences(kind: str, number: str, who: tuple[str, str], event: dict) -> tuple[str, str]:
    """One certificate event in a sentence each in English and Korean (the holder named in both)."""
    name_en, name_ko = who
    day = event["effective_date"].isoformat()
    until = event["ends_on"].isoformat() if event.get("ends_on") else ""
    valid_until = event["valid_until"].isoformat() if event.get("valid_until") else ""
    items = ", ".join(event.get("items") or [])
    ground = event.get("ground")
    outcome_en, outcome_ko = HEARING_OUTCOMES.get(event.get("outcome") or "", ("", ""))
    amount = f"{event['amount']:,}" if event.get("amount") else ""
    sentences = {
        "issued": (
            f"Certificate {number} issued to {name_en}, valid {day} to {valid_until}: {items}.",
            f"{name_ko}에 인증서 {number} 발급({day}부터 {valid_until}까지 유효): {items}.",
        ),
        "items_added": (
            f"Items added to certificate {number} of {name_en} from {day}: {items}.",
            f"{name_ko}의 인증서 {number}에 {day}부터 검사항목 추가: {items}.",
        ),
        "renewed": (
            f"Certificate {number} of {name_en} renewed from {day}, valid until {valid_until}.",
            f"{name_ko}의 인증서 {number} 재인증({day}부터, {valid_until}까지 유효).",
        ),
        "suspended": (
            f"Certificate {number} of {name_en}: business suspended from {day} to {until} (Art. 56(1)).",
            f"{name_ko}의 인증서 {number}: {day}부터 {until}까지 업무정지(제56조제1항).",
        ),
        "surcharged": (
            f"Certificate {number} of {name_en}: a penalty surcharge of KRW {amount} instead of the suspension "
            f"from {day} to {until} (Art. 58).",
            f"{name_ko}의 인증서 {number}: {day}부터 {until}까지의 업무정지를 갈음하여 과징금 {amount}원 부과(제58조).",
        ),
        "reinstated": (
            f"Certificate {number} of {name_en}: the suspension ended early, active again from {day}.",
            f"{name_ko}의 인증서 {number}: 업무정지 조기 종료, {day}부터 다시 유효.",
        ),
        "hearing": (
            f"Certificate {number} of {name_en}: hearing (Art. 57) on {day}; {outcome_en}.",
            f"{name_ko}의 인증서 {number}: {day} 청문(제57조), {outcome_ko}.",
        ),
        "revoked": (
            f"Certificate {number} of {name_en} revoked from {day} (Art. 49-2(4) item {ground}).",
            f"{name_ko}의 인증서 {number}: {day}부터 인증 취소(제49조의2제4항제{ground}호).",
        ),
    }
    return sentences[kind]


def edition_sentences(version: str, effective_from: dt.date, title_en: str, title_ko: str) -> tuple[str, str]:
    day = effective_from.isoformat()
    return (
        f"Catalogue edition {version} published, in force from {day}: {title_en}.",
        f"허용 항목 목록 {version} 판 공고({day}부터 시행): {title_ko}.",
    )


def certified_item_sentences(
    code: str, names: tuple[str, str], who: tuple[str, str], day: dt.date, application: str
) -> tuple[str, str]:
    (item_en, item_ko), (name_en, name_ko) = names, who
    return (
        f"New item {code} ({item_en}) certified to {name_en} from {day.isoformat()} (application {application}).",
        f"신규 검사항목 {code}({item_ko}), {day.isoformat()}부터 {name_ko}에 인증(신청 {application}).",
    )
