"""The API keeps its own contract, for every role: schemathesis reads /schema/openapi.json and fuzzes the
app in-process (ASGI) with every check it has, including the stateful phase that follows the document's
links (a created application, draft or validation read back at its new location). Zero failures.

Bounded for the suite: a few examples per operation. A longer run is one command:
`REGISTRY_FUZZ_EXAMPLES=200 .venv/bin/pytest -q -p no:cacheprovider tests/http/test_contract_fuzz.py -s`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
from collections import Counter
from dataclasses import dataclass, field

import polars as pl
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.python import asgi

from registry.app import create_app
from registry.catalog.service import import_catalogue
from registry.http.pagination import encode_cursor
from registry.opendata.model import SOURCES, Position
from registry.providers.model import business_number_problem
from registry.settings import Settings
from tests.conftest import GENEROUS_LIMITS, RULES
from tests.workflow import make_staff, register_lab

LONG_RUN = "REGISTRY_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("REGISTRY_FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("REGISTRY_FUZZ_SEED", "20260101"))
# No rate limits (0 turns a limit off): 429 and 503 are documented on every operation, and not what is fuzzed.
UNLIMITED = {**GENEROUS_LIMITS, "rate_limit_reads": 0, "rate_limit_sign_ins": 0, "rate_limit_writes": 0}
ROLES = ("anonymous", "provider", "other_provider", "reviewer", "regulator")


# Formats the document names beyond JSON Schema's own: how a client writes a valid one (the server's checks
# go further than a pattern can say: a check digit, a password blocklist, a cursor it issued).
def _with_check_digit(stem: int) -> str:
    digits = f"{stem:09d}"
    check = next(d for d in range(10) if business_number_problem(f"{digits}{d}") is None)
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}{check}"


schemathesis.openapi.format("kr-business-number", st.integers(0, 999_999_999).map(_with_check_digit))
schemathesis.openapi.format("password", st.uuids().map(lambda u: f"Pw-{u.hex}"))
schemathesis.openapi.format("registry-cursor", st.integers(0, 2**31 - 1).map(lambda n: encode_cursor(str(n))))
schemathesis.openapi.format(
    "registry-feed-cursor",
    st.tuples(*[st.integers(0, 2**31 - 1)] * len(SOURCES)).map(lambda ids: encode_cursor(Position(ids).key())),
)


def _rows(value) -> list[dict] | None:
    """Rows a file can hold: a list of flat rows of text, numbers and lists; anything else goes as JSON."""
    cell = (str, int, float, bool, list, type(None))
    if isinstance(value, list) and all(
        isinstance(row, dict) and all(isinstance(v, cell) for v in row.values()) for row in value
    ):
        return value
    return None


def _raw(value) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value).encode()


# Batch files: the document gives their rows as JSON Schema; these write the rows as the files a client sends.
@schemathesis.serializer("text/csv", "application/csv", "application/x-csv")
def csv_file(ctx, value) -> bytes:
    rows = _rows(value)
    if rows is None or not all(isinstance(v, str) for row in rows for v in row.values()):  # CSV holds text only
        return _raw(value)
    out = io.StringIO()
    names = list(dict.fromkeys(k for row in rows for k in row)) or ["name"]
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@schemathesis.serializer("application/x-ndjson")
def jsonl_file(ctx, value) -> bytes:
    rows = _rows(value)
    return b"\n".join(json.dumps(row).encode() for row in rows) if rows is not None else _raw(value)


@schemathesis.serializer("application/vnd.apache.parquet")
def parquet_file(ctx, value) -> bytes:
    rows = _rows(value)
    if not rows:
        return _raw(value)
    out = io.BytesIO()
    try:
        pl.DataFrame(rows, infer_schema_length=None).write_parquet(out)
    except Exception:  # rows no Parquet file can hold (negative cases): sent as they are
        return _raw(value)
    return out.getvalue()


@dataclass
class Report:
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    phases: Counter = field(default_factory=Counter)


# A field's name given twice is refused (422): the rule is uniqueness by a property of the items, which
# JSON Schema cannot state (`uniqueItems` compares whole items), so schema-valid data may break it.
# An application's items answer to the catalogue's reviewed data, which the schema does not carry: a code the
# catalogue knows (or a proposal's code prefix by its category: HLT- for health management ...).
DOMAIN_422 = ("checkPseudonymisation", "checkPseudonymisationBatch", "createApplication", "replaceApplication")
# Which item codes exist is the catalogue's data too: providers?item= with a code the catalogue does not know
# is a 400 that suggests close codes (never an empty 200), however well formed the code.
DOMAIN_400 = ("listProviders",)
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
# schemathesis's own list for refused invalid data, and 413: an invalid body can also be larger than the
# 1 MiB an endpoint reads (documented 413 PAYLOAD_TOO_LARGE, refused before validation).
REFUSED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]


def fuzz(app, headers: dict[str, str], *, coverage: bool, examples: int = EXAMPLES, seed: int = SEED) -> Report:
    """One schemathesis run over the whole document, as the holder of `headers`, every check on; blocking.
    `coverage`: also the coverage phase (every boundary and negative value of every parameter, some 3,500
    cases, about 30 s); the examples, fuzzing and stateful phases always run."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "headers": headers,
            "generation": {"max-examples": examples},
            "suppress-health-check": ["all"],
            "phases": {"coverage": {"enabled": coverage}},
            "checks": {"negative_data_rejection": {"expected-statuses": REFUSED}},
            "operations": [
                {
                    "include-operation-id": operation,
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
                }
                for operation in DOMAIN_422
            ]
            + [
                {
                    "include-operation-id": operation,
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
                }
                for operation in DOMAIN_400
            ],
        }
    )
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
    report = Report()
    seen: set[str] = set()
    try:
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
                report.cases += len(event.recorder.cases)
                report.phases[event.phase.value] += len(event.recorder.cases)
                for case_id, checks in event.recorder.checks.items():
                    for check in checks:
                        if check.status == Status.FAILURE and check.failure_info is not None:
                            failure = check.failure_info.failure
                            key = f"{event.recorder.label}: {check.name}: {failure.title}"
                            if key not in seen:
                                seen.add(key)
                                report.failures.append(
                                    f"{key}\n    {failure.message[:300]}\n    {_exchange(event.recorder, case_id)}"
                                )
            elif isinstance(event, events.NonFatalError):
                report.errors.append(f"{event.label}: {event.info.format()[:600]}")
            elif isinstance(event, events.FatalError):
                report.errors.append(f"fatal: {event.exception!r}")
    finally:
        asgi.shutdown_lifespans()
    return report


def _exchange(recorder, case_id: str) -> str:
    """The request and the answer of a failed case, short."""
    interaction = recorder.interactions.get(case_id)
    if interaction is None:
        return ""
    request, response = interaction.request, interaction.response
    body = (request.body or b"")[:300]
    answer = f"{response.status_code} {(response.content or b'')[:400]!r}" if response is not None else "no answer"
    return f"{request.method} {request.uri} {body!r} -> {answer}"


async def role_headers(client, role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    staff = await make_staff(client)
    if role in ("reviewer", "regulator"):
        return getattr(staff, role)
    lab = await register_lab(client, staff)
    if role == "other_provider":
        await register_lab(client, staff)  # the first lab's records are someone else's to this one
        lab = await register_lab(client, staff)
    return lab.headers


@pytest.mark.parametrize("role", ROLES)
async def test_the_contract_holds_for_every_role(fresh_database, client_for, role):
    if fresh_database.kind == "postgres" and not LONG_RUN:
        pytest.skip("the contract is the edge's, the same on both engines: SQLite in the suite, both in a long run")
    await import_catalogue(RULES / "catalog")
    async with client_for(fresh_database) as client:
        headers = await role_headers(client, role)
    app = create_app(Settings(database_url=fresh_database.url, **UNLIMITED))
    # The coverage phase once per run (as a regulator: the widest set of operations past the guards), the
    # other phases for every role; a long run (REGISTRY_FUZZ_EXAMPLES) runs every phase for every role.
    report = await asyncio.to_thread(fuzz, app, headers, coverage=LONG_RUN or role == "regulator")
    print(
        f"\n[{fresh_database.kind}] {role}: {report.cases} cases {dict(report.phases)}, {len(report.failures)} failures"
    )
    assert not report.errors, "\n".join(report.errors)
    assert not report.failures, "\n".join(report.failures)
