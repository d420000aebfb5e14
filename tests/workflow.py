"""Helpers for tests over HTTP: problem details, and walking the certification workflow."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from dataclasses import dataclass

import httpx

from registry.accounts import urls as accounts_urls
from registry.accounts.model import Role
from registry.accounts.service import create_user
from registry.certification import urls as certification_urls
from registry.providers import urls as providers_urls
from registry.providers.model import business_number_problem

PASSWORD = "correct horse battery staple"
PROBLEM = "application/problem+json"
_serial = itertools.count(1)


def business_number() -> str:
    """A fresh, valid 사업자등록번호 (the check digit computed, not guessed)."""
    while True:
        stem = f"{random.randint(100, 899)}{random.randint(81, 88)}{random.randint(0, 9999):04d}"
        for check in range(10):
            candidate = f"{stem}{check}"
            if business_number_problem(candidate) is None:
                return f"{candidate[:3]}-{candidate[3:5]}-{candidate[5:]}"


def unique(label: str) -> str:
    return f"{label}-{next(_serial)}-{uuid.uuid4().hex[:6]}"


def evidence_item(code: str, markers: tuple[str, ...] = ("rs4988235",), refs: int = 2) -> dict:
    return {
        "code": code,
        "markers": list(markers),
        "evidence": [
            {"marker": m, "references": [f"PMID:{1000000 + i}" for i in range(refs - 1)] + [f"10.1000/{m}.{refs}"]}
            for m in markers
        ],
        "accuracy": {"method": "external quality assessment (KEQAS)", "samples": 96, "concordance_percent": 99.0},
    }


def proposal(code: str) -> dict:
    return {
        **evidence_item(code, ("rs671",)),
        "name_ko": "시험용 제안 항목",
        "name_en": "Proposed test item",
        "category": "personal_traits",
        "tier": "wellness",
        "rationale": "Two replicated association studies in East Asian cohorts support the marker.",
    }


SCORES = {
    area: {"score": 85, "remarks": "meets the criteria"}
    for area in (
        "accuracy_proficiency",
        "item_appropriateness_evidence",
        "advertising_result_delivery",
        "personal_information_protection",
        "facilities_personnel_management",
    )
}
EVALUATION = {"scores": SCORES, "recommendation": "approve", "remarks": "site visit done"}


def assert_problem(response, status: int, code: str) -> dict:
    """The response is the problem `code` with `status`, its sentences in both languages; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert (
        body["detail"] and body["detail_ko"] and body["title"] and body["type"].endswith(code.lower().replace("_", "-"))
    )
    assert body["basis_en"] and body["basis_ko"], "every refusal names what it rests on"
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    r = await client.post(accounts_urls.TOKEN, json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return bearer(r.json()["access_token"])


@dataclass
class Staff:
    reviewer: dict[str, str]
    regulator: dict[str, str]
    regulator2: dict[str, str]
    regulator_id: int
    reviewer_id: int


async def make_staff(client: httpx.AsyncClient) -> Staff:
    ids = {}
    for name, role in (("reviewer", Role.reviewer), ("regulator", Role.regulator), ("regulator2", Role.regulator)):
        email = f"{unique(name)}@staff.example"
        ids[name] = (email, await create_user(email, name.title(), role, PASSWORD))
    return Staff(
        reviewer=await sign_in(client, ids["reviewer"][0]),
        regulator=await sign_in(client, ids["regulator"][0]),
        regulator2=await sign_in(client, ids["regulator2"][0]),
        regulator_id=ids["regulator"][1],
        reviewer_id=ids["reviewer"][1],
    )


@dataclass
class Lab:
    provider_id: int
    headers: dict[str, str]
    name_en: str


async def register_lab(client: httpx.AsyncClient, staff: Staff | None = None, *, name: str | None = None) -> Lab:
    """Register a provider over HTTP; verify it when staff is given."""
    name = name or unique("Lab")
    email = f"{unique('lab')}@lab.example"
    r = await client.post(
        providers_urls.REGISTER,
        json={
            "organisation": {
                "name_ko": f"{name} 유전체",
                "name_en": f"{name} Genomics",
                "business_number": business_number(),
                "contact_email": f"office-{email}",
            },
            "user": {"email": email, "display_name": f"{name} manager", "password": PASSWORD},
        },
    )
    assert r.status_code == 201, r.text
    provider_id = r.json()["provider_id"]
    if staff is not None:
        v = await client.post(providers_urls.verify(provider_id), headers=staff.regulator)
        assert v.status_code == 200, v.text
    return Lab(provider_id, await sign_in(client, email), f"{name} Genomics")


async def create_application(client, lab: Lab, items: list[dict], *, kind="initial", certificate=None, proposals=()):
    body = {"kind": kind, "items": items, "proposals": list(proposals)}
    if certificate:
        body["certificate_number"] = certificate
    r = await client.post(certification_urls.APPLICATIONS, json=body, headers=lab.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def through_review(client, staff: Staff, app_id: int) -> dict:
    """submitted -> under review -> evaluated; returns the application as the regulator sees it."""
    r = await client.post(certification_urls.start_review(app_id), headers=staff.reviewer)
    assert r.status_code == 200, r.text
    r = await client.post(certification_urls.evaluation(app_id), json=EVALUATION, headers=staff.reviewer)
    assert r.status_code == 200, r.text
    return r.json()


async def certify(client, staff: Staff, lab: Lab, codes: list[str]) -> str:
    """Initial certification of `codes` for a verified lab, over HTTP; returns the certificate number."""
    app = await create_application(client, lab, [evidence_item(c) for c in codes])
    r = await client.post(certification_urls.submit(app["id"]), headers=lab.headers)
    assert r.status_code == 200, r.text
    view = await through_review(client, staff, app["id"])
    r = await client.post(
        certification_urls.decision(app["id"]),
        json={"items": [{"code": c, "outcome": "approved"} for c in codes]},
        headers={**staff.regulator, "If-Match": view["etag"]},
    )
    assert r.status_code == 200, r.text
    provider = (await client.get(providers_urls.provider(lab.provider_id))).json()
    return provider["certificate_number"]


async def suspend_today(client, staff: Staff, number: str) -> httpx.Response:
    """A regulator suspends the certificate from today for 90 days (ground 2), naming the ETag just read."""
    from registry.certification import urls as certification_urls
    from registry.kernel.clock import today_in_korea

    etag = (await client.get(certification_urls.certificate(number))).json()["etag"]
    today = today_in_korea()
    change = {
        "reason": "EQA failure",
        "ground": 2,
        "effective_date": today.isoformat(),
        "until": (today + dt.timedelta(days=90)).isoformat(),
    }
    return await client.post(
        certification_urls.suspend(number), json=change, headers={**staff.regulator, "If-Match": etag}
    )


def announcement(total: int) -> dict:
    """What every draft edition must state of its own before it can be published."""
    return {
        "title_ko": f"인증 항목(기관 합계, 최대 {total}개)",
        "title_en": f"Certified items (union over institutions, up to {total})",
        "legal_basis_ko": "생명윤리법 제49조의2제2항",
        "legal_basis_en": "Bioethics and Safety Act Art. 49-2(2)",
        "announced_total": total,
    }


async def approve_with_proposal(client, staff: Staff, lab: Lab, new_code: str) -> dict:
    """An initial application for NUT-VITD with a new item proposed, both approved: the item is certified
    to the lab from today. Returns the decided application."""
    app = await create_application(client, lab, [evidence_item("NUT-VITD")], proposals=[proposal(new_code)])
    r = await client.post(certification_urls.submit(app["id"]), headers=lab.headers)
    assert r.status_code == 200, r.text
    view = await through_review(client, staff, app["id"])
    decision = {"items": [{"code": "NUT-VITD", "outcome": "approved"}, {"code": new_code, "outcome": "approved"}]}
    r = await client.post(
        certification_urls.decision(app["id"]), json=decision, headers={**staff.regulator, "If-Match": view["etag"]}
    )
    assert r.status_code == 200, r.text
    return r.json()
