"""Applications and certificates over HTTP. Thin: parse, call the use case, answer; If-Match and
Idempotency-Key are read here, once."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, HeaderParameter, JSONBody, PathParameter, QueryParameter
from pydantic import BaseModel, ConfigDict, StringConstraints

from registry.certification import applications, certificates, decisions, urls, validations
from registry.certification.model import (
    ApplicationContent,
    ApplicationState,
    DecisionInput,
    EvaluationInput,
    HearingInput,
    InfoRequestInput,
    ReinstatementInput,
    RevocationInput,
    SuspensionInput,
    parse_states,
)
from registry.certification.model.validations import ValidationInput, WithdrawalInput
from registry.certification.schemas import (
    ApplicationList,
    ApplicationOut,
    CertificateHistoryOut,
    CertificateOut,
    DryRunOut,
    SubmissionOut,
    ValidationList,
    ValidationOut,
)
from registry.http.auth import provider_only, regulator_only, signed_in, signed_in_principal, staff_only
from registry.http.idempotency import once
from registry.http.pagination import check_limit, decode_id_cursor, encode_cursor
from registry.http.params import AsOf, Cursor, DryRun, Limit, dry_run_response, parse_date
from registry.http.preconditions import versions_read
from registry.kernel.clock import today_in_korea

IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", description="the ETag you read", required=False)]
IdempotencyKey = Annotated[
    str | None, HeaderParameter(name="Idempotency-Key", description="repeat-safe submission", required=False)
]


class SubmitInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    response: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000)] = ""


class WithdrawInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""


def with_etag(body: Any, status_code: int = 200) -> Response:
    """The result with its ETag as a header when it has one."""
    tag = getattr(body, "etag", None)
    return Response(body, status_code=status_code, headers={"ETag": tag} if tag else None)


async def application_by_reference(
    request: Request,
    application: Annotated[
        str,
        PathParameter(
            description="the application's id (12) or its number (APP-2026-00012)", min_length=1, max_length=40
        ),
    ],
) -> int:
    """The `application_id` of every application endpoint, from the id or the number in the path."""
    return await applications.resolve_application(signed_in_principal(request), application)


class ApplicationsController(Controller):
    tags = ("applications",)
    dependencies = {"application_id": Provide(application_by_reference)}  # noqa: RUF012 - Litestar reads it

    @post(
        urls.APPLICATIONS,
        guards=[provider_only],
        operation_id="createApplication",
        status_code=201,
        opt={"created": ("getApplication", {"application": "$response.body#/id"}), "refusals": [404]},
    )
    async def create(
        self, request: Request, data: JSONBody[ApplicationContent], dry_run: DryRun = False
    ) -> Response[ApplicationOut | DryRunOut]:
        """Draft an application for certification (initial, change or renewal)."""
        body = await applications.create_application(signed_in_principal(request), data, dry_run=dry_run)
        if dry_run:
            return dry_run_response(body, 200, dry_run=True)
        response = with_etag(body, 201)
        response.headers["Location"] = urls.application(body.id)
        return response

    @get(
        urls.APPLICATIONS,
        guards=[signed_in],
        operation_id="listApplications",
        summary="Applications, oldest first (a provider sees its own): a regulator's queue with provider names, "
        "item counts and days waiting",
    )
    async def list(
        self,
        request: Request,
        states: Annotated[
            list[str] | None,
            QueryParameter(
                name="state",
                description="only these states; repeat the parameter for several "
                "(state=submitted&state=under_review): " + ", ".join(s.value for s in ApplicationState),
                required=False,
            ),
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> ApplicationList:
        wanted = parse_states(states)
        size = check_limit(limit)
        after = decode_id_cursor(cursor) if cursor else 0
        page = await applications.list_applications(
            signed_in_principal(request), states=wanted, after_id=after, limit=size
        )
        next_cursor = encode_cursor(str(page.rows[-1].id)) if page.more else None
        return ApplicationList(data=page.rows, total=page.total, next_cursor=next_cursor)

    @get(
        urls.APPLICATION,
        guards=[signed_in],
        operation_id="getApplication",
        summary="One application by id or APP- number, with its findings and decided certificate",
    )
    async def read(self, request: Request, application_id: NamedDependency[int]) -> Response[ApplicationOut]:
        return with_etag(await applications.application_view(signed_in_principal(request), application_id))

    @put(
        urls.APPLICATION,
        guards=[provider_only],
        operation_id="replaceApplication",
        summary="Replace a draft application's content (provider, If-Match)",
    )  # 404: also the certificate
    async def replace(
        self,
        request: Request,
        application_id: NamedDependency[int],
        data: JSONBody[ApplicationContent],
        if_match: IfMatch = None,
    ) -> Response[ApplicationOut]:
        expected = versions_read(if_match)
        return with_etag(
            await applications.replace_application(signed_in_principal(request), application_id, data, expected)
        )

    @post(
        urls.SUBMIT,
        guards=[provider_only],
        operation_id="submitApplication",
        summary="Submit a draft application, checked against the edition in force today (provider)",
        status_code=200,
    )
    async def submit(
        self,
        request: Request,
        application_id: NamedDependency[int],
        data: JSONBody[SubmitInput | None] = None,
        idempotency_key: IdempotencyKey = None,
        dry_run: DryRun = False,
    ) -> Response[SubmissionOut]:
        principal = signed_in_principal(request)
        response = data.response if data else ""

        async def submit() -> SubmissionOut:
            return await applications.submit_application(principal, application_id, response=response, dry_run=dry_run)

        if dry_run:
            return dry_run_response(await submit(), 200, dry_run=True)
        answer = await once(
            principal.user_id, idempotency_key, f"submit:{application_id}", {"response": response}, submit
        )
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
        if answer.body.get("etag"):
            headers["ETag"] = answer.body["etag"]
        return Response(msgspec.convert(answer.body, SubmissionOut), headers=headers)

    @post(
        urls.WITHDRAW,
        guards=[provider_only],
        operation_id="withdrawApplication",
        summary="Withdraw an application not yet decided (provider)",
        status_code=200,
    )
    async def withdraw(
        self, request: Request, application_id: NamedDependency[int], data: JSONBody[WithdrawInput | None] = None
    ) -> Response[ApplicationOut]:
        return with_etag(
            await applications.withdraw_application(
                signed_in_principal(request), application_id, data.reason if data else ""
            )
        )

    @post(
        urls.START_REVIEW,
        guards=[staff_only],
        operation_id="startReview",
        summary="Take up a submitted application for review (reviewer)",
        status_code=200,
    )
    async def start_review(self, request: Request, application_id: NamedDependency[int]) -> Response[ApplicationOut]:
        return with_etag(await applications.start_review(signed_in_principal(request), application_id))

    @post(
        urls.REQUEST_INFO,
        guards=[staff_only],
        operation_id="requestInformation",
        summary="Ask the provider for more information (reviewer)",
        status_code=200,
    )
    async def request_info(
        self, request: Request, application_id: NamedDependency[int], data: JSONBody[InfoRequestInput]
    ) -> Response[ApplicationOut]:
        return with_etag(await applications.request_info(signed_in_principal(request), application_id, data.message))

    @post(
        urls.EVALUATION,
        guards=[staff_only],
        operation_id="recordEvaluation",
        summary="Record the evaluation in five areas, 0-100 with remarks (reviewer)",
        status_code=200,
    )
    async def evaluation(
        self, request: Request, application_id: NamedDependency[int], data: JSONBody[EvaluationInput]
    ) -> Response[ApplicationOut]:
        return with_etag(await applications.evaluate(signed_in_principal(request), application_id, data))

    @post(
        urls.DECISION,
        guards=[regulator_only],
        operation_id="decideApplication",
        summary="Decide every requested item: approved or rejected with reasons (regulator, If-Match)",
        status_code=200,
    )
    async def decision(
        self,
        request: Request,
        application_id: NamedDependency[int],
        data: JSONBody[DecisionInput],
        if_match: IfMatch = None,
    ) -> Response[ApplicationOut]:
        expected = versions_read(if_match)
        return with_etag(await decisions.decide(signed_in_principal(request), application_id, data, expected))


class CertificatesController(Controller):
    tags = ("certificates",)

    @get(urls.CERTIFICATE, operation_id="verifyCertificate", summary="Verify a certificate on a date (public)")
    async def verify(self, number: FromPath[str], as_of: AsOf = None) -> Response[CertificateOut]:
        day = parse_date("as_of", as_of, default=today_in_korea())
        return with_etag(await certificates.verify_certificate(number.strip().upper(), day))

    @get(
        urls.HISTORY,
        operation_id="certificateHistory",
        summary="Issued, items added, suspended, ... (public)",
    )
    async def history(self, number: FromPath[str]) -> CertificateHistoryOut:
        return await certificates.certificate_history(number.strip().upper())

    @post(
        urls.SUSPEND,
        guards=[regulator_only],
        operation_id="suspendCertificate",
        status_code=200,
        summary="Business suspension (Art. 56(1)) from effective_date to until, at most one year; or the "
        "penalty surcharge replacing it (Art. 58)",
    )
    async def suspend(
        self, request: Request, number: FromPath[str], data: JSONBody[SuspensionInput], if_match: IfMatch = None
    ) -> Response[CertificateOut]:
        expected = versions_read(if_match)
        principal = signed_in_principal(request)
        return with_etag(await certificates.suspend_certificate(principal, number.strip().upper(), data, expected))

    @post(
        urls.REVOKE,
        guards=[regulator_only],
        operation_id="revokeCertificate",
        status_code=200,
        summary="Revocation on an Art. 49-2(4) ground, after a hearing (Art. 57) recorded on or before its day",
    )
    async def revoke(
        self, request: Request, number: FromPath[str], data: JSONBody[RevocationInput], if_match: IfMatch = None
    ) -> Response[CertificateOut]:
        expected = versions_read(if_match)
        principal = signed_in_principal(request)
        return with_etag(await certificates.revoke_certificate(principal, number.strip().upper(), data, expected))

    @post(
        urls.REINSTATE,
        guards=[regulator_only],
        operation_id="reinstateCertificate",
        status_code=200,
        summary="End a suspension early (it also ends by itself after its last day)",
    )
    async def reinstate(
        self, request: Request, number: FromPath[str], data: JSONBody[ReinstatementInput], if_match: IfMatch = None
    ) -> Response[CertificateOut]:
        expected = versions_read(if_match)
        principal = signed_in_principal(request)
        return with_etag(await certificates.reinstate_certificate(principal, number.strip().upper(), data, expected))

    @post(
        urls.HEARINGS,
        guards=[regulator_only],
        operation_id="recordHearing",
        status_code=201,
        summary="Record a hearing (Art. 57), which a revocation requires; answers the history",
    )
    async def hearing(
        self, request: Request, number: FromPath[str], data: JSONBody[HearingInput], if_match: IfMatch = None
    ) -> CertificateHistoryOut:
        expected = versions_read(if_match)
        return await certificates.record_hearing(signed_in_principal(request), number.strip().upper(), data, expected)


class ValidationsController(Controller):
    """Validation on record for disease-tier items: a regulator writes, anyone reads."""

    tags = ("validations",)

    @post(
        urls.VALIDATIONS,
        guards=[regulator_only],
        operation_id="recordValidation",
        status_code=201,
        opt={"created": ("getValidation", {"validation_id": "$response.body#/id"})},
    )
    async def record(self, request: Request, data: JSONBody[ValidationInput]) -> Response[ValidationOut]:
        """Record a validation of a disease-tier item for a provider."""
        body = await validations.record_validation(signed_in_principal(request), data)
        return Response(body, status_code=201, headers={"Location": urls.validation(body.id)})

    @get(urls.VALIDATIONS, operation_id="listValidations", summary="Validation records, by provider or item (public)")
    async def list(
        self,
        provider_id: Annotated[int | None, QueryParameter(description="one provider's records", required=False)] = None,
        item: Annotated[str | None, QueryParameter(description="one item code's records", required=False)] = None,
        as_of: AsOf = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> ValidationList:
        day = parse_date("as_of", as_of, default=today_in_korea())
        code = item.strip().upper() if item else None
        page = await validations.list_validations(
            day,
            provider_id=provider_id,
            code=code,
            after_id=decode_id_cursor(cursor) if cursor else None,
            limit=check_limit(limit),
        )
        next_cursor = encode_cursor(str(page.rows[-1].id)) if page.more else None
        return ValidationList(data=page.rows, total=page.total, next_cursor=next_cursor)

    @get(urls.VALIDATION, operation_id="getValidation", summary="One validation record (public)")
    async def read(self, validation_id: FromPath[int], as_of: AsOf = None) -> ValidationOut:
        return await validations.read_validation(validation_id, parse_date("as_of", as_of, default=today_in_korea()))

    @post(
        urls.WITHDRAW_VALIDATION,
        guards=[regulator_only],
        operation_id="withdrawValidation",
        summary="Withdraw a validation record from a date, with a reason (regulator)",
        status_code=200,
    )
    async def withdraw(
        self, request: Request, validation_id: FromPath[int], data: JSONBody[WithdrawalInput]
    ) -> ValidationOut:
        return await validations.withdraw_validation(signed_in_principal(request), validation_id, data)
