"""Applications, certificates and the public provider lookup over HTTP. Thin: parse, call the service,
shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from pydantic import BaseModel, ConfigDict, StringConstraints

from registry.certification import service
from registry.certification.model import (
    ApplicationContent,
    ApplicationState,
    DecisionInput,
    EvaluationInput,
    EventKind,
    InfoRequestInput,
    StatusChangeInput,
)
from registry.certification.schemas import (
    ApplicationList,
    ApplicationOut,
    CertificateHistoryOut,
    CertificateOut,
    DryRunOut,
    ProviderList,
    ProviderOut,
    SubmissionOut,
)
from registry.http.auth import provider_only, regulator_only, signed_in, signed_in_principal, staff_only
from registry.http.pagination import check_limit, decode_cursor, encode_cursor, paginate
from registry.http.params import parse_date, today_in_korea
from registry.http.problems import FieldError, ProblemError

DryRun = Annotated[bool, QueryParameter(description="validate everything, store nothing")]
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", description="the ETag you read", required=False)]
IdempotencyKey = Annotated[
    str | None, HeaderParameter(name="Idempotency-Key", description="repeat-safe submission", required=False)
]
AsOf = Annotated[str | None, QueryParameter(description="YYYY-MM-DD; default today in Korea", required=False)]
Limit = Annotated[int | None, QueryParameter(description="rows per page, 1 to 200", required=False)]
Cursor = Annotated[str | None, QueryParameter(description="next_cursor of the previous page", required=False)]


class SubmitInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    response: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000)] = ""


class WithdrawInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""


def with_etag(body: dict[str, Any], shape: type, status_code: int = 200) -> Response:
    """The body checked against its documented shape, with its ETag as a header when it has one."""
    content = msgspec.convert(body, shape)
    return Response(content, status_code=status_code, headers={"ETag": body["etag"]} if body.get("etag") else None)


class ApplicationsController(Controller):
    path = "/api/v1/applications"
    tags = ("applications",)

    @post("/", guards=[provider_only], operation_id="createApplication", status_code=201)
    async def create(
        self, request: Request, data: JSONBody[ApplicationContent], dry_run: DryRun = False
    ) -> Response[ApplicationOut | DryRunOut]:
        body = await service.create_application(signed_in_principal(request), data, dry_run=dry_run)
        return with_etag(body, DryRunOut, 200) if dry_run else with_etag(body, ApplicationOut, 201)

    @get("/", guards=[signed_in], operation_id="listApplications")
    async def list(
        self,
        request: Request,
        state_filter: Annotated[str | None, QueryParameter(name="state", required=False)] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> ApplicationList:
        state = state_filter
        if state is not None and state not in ApplicationState.__members__:
            raise ProblemError(
                400,
                "INVALID_PARAMETER",
                f"'state' must be one of {', '.join(ApplicationState.__members__)}.",
                f"'state'는 {', '.join(ApplicationState.__members__)} 중 하나여야 합니다.",
                errors=[FieldError("state", "unknown state")],
            )
        size = check_limit(limit)
        after = int(decode_cursor(cursor)) if cursor else 0
        rows, total = await service.list_applications(
            signed_in_principal(request), state=state, after_id=after, limit=size + 1
        )
        more = len(rows) > size
        rows = rows[:size]
        body = {"data": rows, "total": total, "next_cursor": encode_cursor(str(rows[-1]["id"])) if more else None}
        return msgspec.convert(body, ApplicationList)

    @get("/{application_id:int}", guards=[signed_in], operation_id="getApplication")
    async def read(self, request: Request, application_id: FromPath[int]) -> Response[ApplicationOut]:
        return with_etag(await service.application_view(signed_in_principal(request), application_id), ApplicationOut)

    @put("/{application_id:int}", guards=[provider_only], operation_id="replaceApplication")
    async def replace(
        self,
        request: Request,
        application_id: FromPath[int],
        data: JSONBody[ApplicationContent],
        if_match: IfMatch = None,
    ) -> Response[ApplicationOut]:
        return with_etag(
            await service.replace_application(signed_in_principal(request), application_id, data, if_match),
            ApplicationOut,
        )

    @post("/{application_id:int}/submit", guards=[provider_only], operation_id="submitApplication", status_code=200)
    async def submit(
        self,
        request: Request,
        application_id: FromPath[int],
        data: JSONBody[SubmitInput | None] = None,
        idempotency_key: IdempotencyKey = None,
        dry_run: DryRun = False,
    ) -> Response[SubmissionOut]:
        answer = await service.submit_application(
            signed_in_principal(request),
            application_id,
            response=(data.response if data else ""),
            idempotency_key=idempotency_key,
            dry_run=dry_run,
        )
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
        if "etag" in answer.body:
            headers["ETag"] = answer.body["etag"]
        return Response(msgspec.convert(answer.body, SubmissionOut), status_code=answer.status, headers=headers)

    @post("/{application_id:int}/withdraw", guards=[provider_only], operation_id="withdrawApplication", status_code=200)
    async def withdraw(
        self, request: Request, application_id: FromPath[int], data: JSONBody[WithdrawInput | None] = None
    ) -> Response[ApplicationOut]:
        return with_etag(
            await service.withdraw_application(
                signed_in_principal(request), application_id, data.reason if data else ""
            ),
            ApplicationOut,
        )

    @post("/{application_id:int}/start-review", guards=[staff_only], operation_id="startReview", status_code=200)
    async def start_review(self, request: Request, application_id: FromPath[int]) -> Response[ApplicationOut]:
        return with_etag(await service.start_review(signed_in_principal(request), application_id), ApplicationOut)

    @post("/{application_id:int}/request-info", guards=[staff_only], operation_id="requestInformation", status_code=200)
    async def request_info(
        self, request: Request, application_id: FromPath[int], data: JSONBody[InfoRequestInput]
    ) -> Response[ApplicationOut]:
        return with_etag(
            await service.request_info(signed_in_principal(request), application_id, data.message), ApplicationOut
        )

    @post("/{application_id:int}/evaluation", guards=[staff_only], operation_id="recordEvaluation", status_code=200)
    async def evaluation(
        self, request: Request, application_id: FromPath[int], data: JSONBody[EvaluationInput]
    ) -> Response[ApplicationOut]:
        return with_etag(await service.evaluate(signed_in_principal(request), application_id, data), ApplicationOut)

    @post("/{application_id:int}/decision", guards=[regulator_only], operation_id="decideApplication", status_code=200)
    async def decision(
        self, request: Request, application_id: FromPath[int], data: JSONBody[DecisionInput], if_match: IfMatch = None
    ) -> Response[ApplicationOut]:
        return with_etag(
            await service.decide(signed_in_principal(request), application_id, data, if_match), ApplicationOut
        )


class CertificatesController(Controller):
    path = "/api/v1/certificates"
    tags = ("certificates",)

    @get("/{number:str}", operation_id="verifyCertificate", summary="Verify a certificate on a date (public)")
    async def verify(self, number: FromPath[str], as_of: AsOf = None) -> Response[CertificateOut]:
        body = await service.certificate_public(
            number.strip().upper(), parse_date("as_of", as_of, default=today_in_korea())
        )
        return with_etag(body, CertificateOut)

    @get(
        "/{number:str}/history",
        operation_id="certificateHistory",
        summary="Issued, items added, suspended, ... (public)",
    )
    async def history(self, number: FromPath[str]) -> CertificateHistoryOut:
        return msgspec.convert(await service.certificate_history(number.strip().upper()), CertificateHistoryOut)

    async def _change(
        self, request: Request, number: str, action: EventKind, data: StatusChangeInput, if_match: str | None
    ):
        return with_etag(
            await service.change_certificate_status(
                signed_in_principal(request), number.strip().upper(), action, data, if_match
            ),
            CertificateOut,
        )

    @post("/{number:str}/suspend", guards=[regulator_only], operation_id="suspendCertificate", status_code=200)
    async def suspend(
        self, request: Request, number: FromPath[str], data: JSONBody[StatusChangeInput], if_match: IfMatch = None
    ) -> Response[CertificateOut]:
        return await self._change(request, number, EventKind.suspended, data, if_match)

    @post("/{number:str}/revoke", guards=[regulator_only], operation_id="revokeCertificate", status_code=200)
    async def revoke(
        self, request: Request, number: FromPath[str], data: JSONBody[StatusChangeInput], if_match: IfMatch = None
    ) -> Response[CertificateOut]:
        return await self._change(request, number, EventKind.revoked, data, if_match)

    @post("/{number:str}/reinstate", guards=[regulator_only], operation_id="reinstateCertificate", status_code=200)
    async def reinstate(
        self, request: Request, number: FromPath[str], data: JSONBody[StatusChangeInput], if_match: IfMatch = None
    ) -> Response[CertificateOut]:
        return await self._change(request, number, EventKind.reinstated, data, if_match)


STATUSES = ("active", "suspended", "revoked", "expired", "none")


class ProvidersController(Controller):
    path = "/api/v1/providers"
    tags = ("providers",)

    @get("/", operation_id="listProviders", summary="Certified providers: search by name, item, status (public)")
    async def list(
        self,
        q: Annotated[str | None, QueryParameter(description="name, Korean or English", required=False)] = None,
        item: Annotated[str | None, QueryParameter(description="a certified item code", required=False)] = None,
        status: Annotated[str | None, QueryParameter(description=", ".join(STATUSES), required=False)] = None,
        as_of: AsOf = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> ProviderList:
        if status is not None and status not in STATUSES:
            raise ProblemError(
                400,
                "INVALID_PARAMETER",
                f"'status' must be one of {', '.join(STATUSES)}.",
                f"'status'는 {', '.join(STATUSES)} 중 하나여야 합니다.",
                errors=[FieldError("status", "unknown status")],
            )
        day = parse_date("as_of", as_of, default=today_in_korea())
        rows = await service.list_providers(q=(q or "").strip() or None, item=item, status=status, day=day)
        page = paginate(rows, lambda r: str(r["id"]), limit, cursor)
        body = {"data": page.rows, "total": page.total, "next_cursor": page.next_cursor, "as_of": day.isoformat()}
        return msgspec.convert(body, ProviderList)

    @get("/{provider_id:int}", operation_id="getProvider", summary="One provider, its certificates and items (public)")
    async def read(self, provider_id: FromPath[int], as_of: AsOf = None) -> ProviderOut:
        return msgspec.convert(
            await service.provider_public(provider_id, parse_date("as_of", as_of, default=today_in_korea())),
            ProviderOut,
        )

    @post("/{provider_id:int}/verify", guards=[regulator_only], operation_id="verifyProvider", status_code=200)
    async def verify(self, request: Request, provider_id: FromPath[int]) -> ProviderOut:
        return msgspec.convert(await service.verify_provider(signed_in_principal(request), provider_id), ProviderOut)
