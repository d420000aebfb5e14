"""The API keeps its own contract, for every role: schemathesis reads /schema/openapi.json and fuzzes the
app in-process (ASGI) with every check it has, including the stateful phase that follows the document's
links (a created application, draft or validation read back at its new location). Zero failures.

Bounded for the suite: a few examples per operation. A longer run is one command:
`REGISTRY_FUZZ_EXAMPLES=200 .venv/bin/pytest -q -p no:cacheprovider tests/http/test_contract_fuzz.py -s`.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.python import asgi

from registry.app import create_app
from registry.catalog.service import import_catalogue
from registry.http.pagination import encode_cursor
from registry.settings import Settings
from tests.conftest import GENEROUS_LIMITS, RULES
from tests.workflow import business_number, make_staff, register_lab

EXAMPLES = int(os.environ.get("REGISTRY_FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("REGISTRY_FUZZ_SEED", "20260101"))
# No rate limits (0 turns a limit off): 429 and 503 are documented on every operation, and not what is fuzzed.
UNLIMITED = {**GENEROUS_LIMITS, "rate_limit_reads": 0, "rate_limit_sign_ins": 0, "rate_limit_writes": 0}
ROLES = ("anonymous", "provider", "other_provider", "reviewer", "regulator")


# Formats the document names beyond JSON Schema's own: how a client writes a valid one (the server's checks
# go further than a pattern can say: a check digit, a password blocklist, a cursor it issued).
schemathesis.openapi.format("kr-business-number", st.builds(business_number))
schemathesis.openapi.format(
    "password", st.text(alphabet="abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY347", min_size=16, max_size=40)
)
schemathesis.openapi.format("registry-cursor", st.integers(0, 2**31 - 1).map(lambda n: encode_cursor(str(n))))


@dataclass
class Report:
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    phases: Counter = field(default_factory=Counter)


def fuzz(app, headers: dict[str, str], examples: int = EXAMPLES, seed: int = SEED) -> Report:
    """One schemathesis run over the whole document, as the holder of `headers`; blocking."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "headers": headers,
            "generation": {"max-examples": examples},
            "suppress-health-check": ["all"],
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
    await import_catalogue(RULES / "catalog")
    async with client_for(fresh_database) as client:
        headers = await role_headers(client, role)
    app = create_app(Settings(database_url=fresh_database.url, **UNLIMITED))
    report = await asyncio.to_thread(fuzz, app, headers)
    print(
        f"\n[{fresh_database.kind}] {role}: {report.cases} cases {dict(report.phases)}, {len(report.failures)} failures"
    )
    assert not report.errors, "\n".join(report.errors)
    assert not report.failures, "\n".join(report.failures)
