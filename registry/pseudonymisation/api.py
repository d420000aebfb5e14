"""Public pseudonymisation API: the editions of the health-data guideline's genomic provisions, the edition
in force on a date with its changes, diffs, and checks of fields (JSON, or a CSV file). No sign-in."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter

from registry.http.params import AsOf, one_of, parse_date, words
from registry.kernel.clock import today_in_korea
from registry.kernel.errors import DomainError, FieldError
from registry.pseudonymisation import service, urls
from registry.pseudonymisation.batch import CSV_MEDIA_TYPES, results_csv
from registry.pseudonymisation.model import Environment, RuleSet
from registry.pseudonymisation.schemas import (
    CheckInput,
    CheckOut,
    CurrentOut,
    DiffOut,
    KindList,
    VersionDetail,
    VersionList,
    check_out,
    current_out,
    detail_out,
    diff_out,
    kinds_out,
    versions_out,
)

ENVIRONMENTS = tuple(e.value for e in Environment)
OUTPUTS = ("json", "csv")


def known_kinds(settings) -> list[str]:
    """The kind codes of the rules this app reads: the enum of a field's `kind` in the document."""
    return sorted(service.rules(settings.rules_dir).kinds)


CSV_ROWS = {
    "schema": {
        "type": "array",
        "minItems": 1,
        "description": "a CSV file: a header row `name,kind`, then one row per field (each row as FieldInput)",
        "items": {"$ref": "#/components/schemas/FieldInput"},
    }
}


def _rules(state: State) -> RuleSet:
    return service.rules(state.settings.rules_dir)


class PseudonymisationController(Controller):
    tags = ("pseudonymisation",)

    @get(urls.VERSIONS, operation_id="listPseudonymisationVersions", summary="Editions and proposals, newest first")
    async def list_versions(self, state: State) -> VersionList:
        return versions_out(_rules(state), today_in_korea())

    @get(urls.VERSION, operation_id="getPseudonymisationVersion", summary="One edition or proposal, every kind")
    async def get_version(self, state: State, version: FromPath[str]) -> VersionDetail:
        rules = _rules(state)
        return detail_out(rules, service.version(rules, version))

    @get(
        urls.CURRENT,
        opt={"refusals": [404]},
        operation_id="getPseudonymisationInForce",
        summary="The edition in force on a date, with its changes against the previous edition",
    )
    async def current(self, state: State, as_of: AsOf = None) -> CurrentOut:
        day = parse_date("as_of", as_of, default=today_in_korea())
        rules = _rules(state)
        return current_out(rules, service.in_force(rules, day), day)

    @get(
        urls.DIFF,
        opt={"refusals": [404]},
        operation_id="diffPseudonymisationVersions",
        summary="Kinds added, removed and changed",
    )
    async def diff(
        self,
        state: State,
        from_version: Annotated[str, QueryParameter(name="from", description="edition to compare from")],
        to_version: Annotated[str, QueryParameter(name="to", description="edition to compare to")],
    ) -> DiffOut:
        rules = _rules(state)
        source = service.edition(rules, from_version, "from")
        target = service.edition(rules, to_version, "to")
        return diff_out(rules, rules.diff(source, target))

    @get(urls.KINDS, operation_id="listGenomicDataKinds", summary="The kinds of genomic data a check knows")
    async def kinds(self, state: State) -> KindList:
        return kinds_out(_rules(state))

    @post(
        urls.CHECK,
        opt={"pure": True, "enums": {"FieldInput.kind": known_kinds}},
        operation_id="checkPseudonymisation",
        status_code=200,
        summary="May these fields be used after pseudonymisation on this date, in this environment?",
    )
    async def check(self, state: State, data: JSONBody[CheckInput]) -> CheckOut:
        result = service.check(
            _rules(state), data.as_of or today_in_korea(), Environment(data.environment), data.requests()
        )
        return check_out(result)

    @post(
        urls.BATCH,
        opt={
            "pure": True,
            "body": {media: CSV_ROWS for media in CSV_MEDIA_TYPES},
            "answers": {
                200: {
                    "description": "the check of every field: JSON (CheckOut) or, with format=csv, CSV",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/CheckOut"}},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                }
            },
        },
        operation_id="checkPseudonymisationBatch",
        status_code=200,
        summary="The same check for a CSV file of fields (columns name, kind); JSON or CSV back",
    )
    async def batch(
        self,
        request: Request,
        state: State,
        environment: Annotated[
            str,
            QueryParameter(description="closed or open: where the data is analysed", schema_extra=words(*ENVIRONMENTS)),
        ],
        as_of: AsOf = None,
        output: Annotated[
            str | None, QueryParameter(name="format", description="json (default) or csv", schema_extra=words(*OUTPUTS))
        ] = None,
    ) -> Response[bytes]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in CSV_MEDIA_TYPES:
            raise DomainError(
                "PSEUDONYMISATION_MEDIA_TYPE",
                errors=[FieldError("Content-Type", f"unsupported: {content_type or 'none'}", "header")],
            )
        where = Environment(one_of("environment", environment, ENVIRONMENTS))
        fmt = one_of("format", output, OUTPUTS) or "json"
        day = parse_date("as_of", as_of, default=today_in_korea())
        result = service.check_csv(_rules(state), await request.body(), day, where)
        if fmt == "csv":
            return Response(results_csv(result), media_type="text/csv; charset=utf-8")
        return Response(msgspec.json.encode(check_out(result)), media_type="application/json")
