"""The exports and the change feed say what the public API says: a small history (two laboratories
certified, one with a new item; one suspended, the other revoked after a hearing; an edition published; a
third laboratory not yet verified) read back through every dataset and the feed, and compared with
/api/v1/providers, /api/v1/certificates/{number} (and its history) and /api/v1/catalog."""

import datetime as dt
import json

from registry.catalog import urls as catalog_urls
from registry.catalog.service import import_catalogue
from registry.certification import urls as certification_urls
from registry.kernel.clock import today_in_korea
from registry.opendata import urls
from registry.opendata.model import LIST_SEPARATOR
from registry.providers import urls as providers_urls
from tests.conftest import rules_path
from tests.workflow import (
    announcement,
    approve_with_proposal,
    certify,
    make_staff,
    register_lab,
    suspend_today,
    unique,
)

NEW_EDITION_ITEM = {
    "code": "TRT-OPENDATA",
    "name_ko": "공개 자료 시험 항목",
    "name_en": "Open data test item",
    "category": "personal_traits",
    "tier": "wellness",
    "status": "permitted",
    "minors": "not_permitted",
    "confidence": "C",
}


def _codes(text: str | None) -> list[str]:
    return text.split(LIST_SEPARATOR) if text else []


async def _export(client, name: str) -> list[dict]:
    r = await client.get(urls.export(f"{name}.json"))
    assert r.status_code == 200, r.text
    return json.loads(r.content)


async def _post_with_etag(client, staff, url: str, number: str, body: dict):
    etag = (await client.get(certification_urls.certificate(number))).json()["etag"]
    r = await client.post(url, json=body, headers={**staff.regulator, "If-Match": etag})
    assert r.status_code in (200, 201), r.text


async def _history(client, staff):
    """Returns (suspended certificate, revoked certificate, new item code, edition version, unverified lab)."""
    today = today_in_korea()
    # A week on: the approval below opens a draft for tomorrow, which must not clash with a published edition.
    upcoming = (today + dt.timedelta(days=7)).isoformat()
    draft = {"version": upcoming, "add": [NEW_EDITION_ITEM], **announcement(191)}
    assert (await client.post(catalog_urls.VERSIONS, json=draft, headers=staff.regulator)).status_code == 201
    assert (await client.post(catalog_urls.publish(upcoming), headers=staff.regulator)).status_code == 200
    first, second = await register_lab(client, staff), await register_lab(client, staff, name='R&D "Lab"')
    unverified = await register_lab(client)
    suspended = await certify(client, staff, first, ["NUT-VITD", "EXE-STR"])
    assert (await suspend_today(client, staff, suspended)).status_code == 200
    new_code = f"TRT-{unique('N').replace('-', '')[:10].upper()}"
    await approve_with_proposal(client, staff, second, new_code)
    revoked = (await client.get(providers_urls.provider(second.provider_id))).json()["certificate_number"]
    hearing = {"held_on": today.isoformat(), "outcome": "held", "note": "the holder was heard"}
    await _post_with_etag(client, staff, certification_urls.hearings(revoked), revoked, hearing)
    revocation = {"reason": "items outside the certificate", "ground": 3, "effective_date": today.isoformat()}
    await _post_with_etag(client, staff, certification_urls.revoke(revoked), revoked, revocation)
    return suspended, revoked, new_code, upcoming, unverified


async def test_exports_and_feed_agree_with_the_public_api(fresh_database, client_for):
    await import_catalogue(rules_path("catalog"))
    async with client_for(fresh_database) as client:
        staff = await make_staff(client)
        suspended, revoked, new_code, version, unverified = await _history(client, staff)

        # providers: the public list, verified providers only.
        listed = (await client.get(providers_urls.BASE)).json()["data"]
        exported = await _export(client, "providers")
        assert unverified.provider_id not in {p["provider_id"] for p in exported}
        assert [(p["id"], p["name_ko"], p["name_en"]) for p in sorted(listed, key=lambda p: p["id"])] == [
            (p["provider_id"], p["name_ko"], p["name_en"]) for p in exported
        ]
        for public, row in zip(sorted(listed, key=lambda p: p["id"]), exported, strict=True):
            assert row["status"] == public["status"] and row["certificate_number"] == public["certificate_number"]
            assert _codes(row["items"]) == [i["code"] for i in public["items"]]
            assert row["certificates"] == len(public["certificates"])

        # certificates and their items: the verification.
        certificates = {c["certificate_number"]: c for c in await _export(client, "certificates")}
        assert set(certificates) == {suspended, revoked}
        items = await _export(client, "certificate-items")
        for number, row in certificates.items():
            public = (await client.get(certification_urls.certificate(number))).json()
            for field in ("kind", "provider_id", "provider_name_ko", "provider_name_en", "valid_from", "valid_until"):
                assert row[field] == public[field], field
            for field in (
                "status",
                "status_since",
                "status_until",
                "status_reason",
                "ground",
                "ground_ko",
                "ground_en",
            ):
                assert row[field] == public[field], field
            assert row["certified"] == (public["result"] == "certified")
            assert _codes(row["items"]) == [i["code"] for i in public["items_on_certificate"]]
            mine = [i for i in items if i["certificate_number"] == number]
            assert sorted((i["code"], i["name_ko"], i["name_en"], i["certified_from"]) for i in mine) == sorted(
                (i["code"], i["name_ko"], i["name_en"], i["certified_from"]) for i in public["items_on_certificate"]
            )
        assert certificates[suspended]["status"] == "suspended" and certificates[revoked]["status"] == "revoked"
        assert new_code in _codes(certificates[revoked]["items"])

        # status changes: the public history of each certificate, event for event.
        events = await _export(client, "status-changes")
        for number in (suspended, revoked):
            history = (await client.get(certification_urls.history(number))).json()["events"]
            mine = sorted(
                (e for e in events if e["certificate_number"] == number),
                key=lambda e: (e["effective_date"], e["event_id"]),
            )
            assert [
                (e["kind"], e["effective_date"], e["until"], e["valid_until"], e["ground"], e["ground_ko"], e["surcharge_krw"],
                 e["hearing_outcome"], e["reason"], _codes(e["items"]), e["application_number"])
                for e in mine
            ] == [
                (h["kind"], h["effective_date"], h["until"], h["valid_until"], h["ground"], h["ground_ko"], h["surcharge"],
                 h["hearing_outcome"], h["reason"], h["items"], h["application_number"])
                for h in history
            ]  # fmt: skip
        kinds = {n: [e["kind"] for e in events if e["certificate_number"] == n] for n in (suspended, revoked)}
        assert kinds == {suspended: ["issued", "suspended"], revoked: ["issued", "hearing", "revoked"]}

        # the catalogue: every edition's list, and the items with the certified new one.
        history = await _export(client, "catalog-history")
        versions = (await client.get(catalog_urls.VERSIONS, params={"limit": 200})).json()["data"]
        assert {v["version"] for v in versions} == {r["version"] for r in history} and version in {
            r["version"] for r in history
        }
        for v in versions:
            public = (await client.get(catalog_urls.version(v["version"]))).json()
            rows = [r for r in history if r["version"] == v["version"]]
            assert [(r["code"], r["name_ko"], r["name_en"], r["status"], r["effective_from"], r["effective_until"]) for r in rows] == [
                (i["code"], i["name_ko"], i["name_en"], i["status"], public["effective_from"], public["effective_until"])
                for i in public["items"]
            ]  # fmt: skip
            assert [_codes(r["restricted_genes"]) for r in rows] == [i["restricted_genes"] for i in public["items"]]
        catalog_items = {r["code"]: r for r in await _export(client, "catalog-items")}
        current = (await client.get(catalog_urls.CURRENT)).json()
        certified = {c["code"]: c for c in current["certified_items"]}
        assert catalog_items[new_code]["first_certified_on"] == certified[new_code]["first_certified_on"]
        assert catalog_items[new_code]["source_application"] == certified[new_code]["source_application"]
        assert catalog_items[new_code]["first_listed"] is None
        for code in ("NUT-VITD", "TRT-OPENDATA", "SKN-ELAST"):
            public = (await client.get(catalog_urls.item(code))).json()
            row = catalog_items[code]
            assert (row["name_ko"], row["name_en"], row["first_listed"]) == (
                public["latest"]["name_ko"], public["latest"]["name_en"], public["first_listed"]
            )  # fmt: skip
            assert row["last_listed"] == [h for h in public["history"] if h["entry"]][-1]["version"]

        # the feed: the same certificate events, every edition, the certified item.
        feed, since = [], None
        while True:
            page = (await client.get(urls.CHANGES, params={"limit": 200, **({"since": since} if since else {})})).json()
            feed += page["data"]
            since = page["next_cursor"]
            if not page["more"]:
                break
        by_type: dict[str, list[dict]] = {}
        for change in feed:
            by_type.setdefault(change["type"].split(".")[0], []).append(change)
        assert [c["id"] for c in by_type["certificate"]] == [f"certificate-event:{e['event_id']}" for e in events]
        assert [c["type"].removeprefix("certificate.") for c in by_type["certificate"]] == [e["kind"] for e in events]
        for change, event in zip(by_type["certificate"], events, strict=True):
            assert change["subject"]["certificate_number"] == event["certificate_number"]
            assert change["effective_date"] == event["effective_date"]
            assert change["link"] == certification_urls.certificate(event["certificate_number"])
        editions = [c for c in by_type["catalogue"] if c["type"] == "catalogue.edition_published"]
        assert sorted(c["subject"]["edition_version"] for c in editions) == sorted(v["version"] for v in versions)
        [item] = [c for c in by_type["catalogue"] if c["type"] == "catalogue.item_certified"]
        assert (
            item["subject"]["item_code"] == new_code
            and item["effective_date"] == certified[new_code]["first_certified_on"]
        )
        assert item["subject"]["provider_name_en"] == 'R&D "Lab" Genomics'
        revocation = next(c for c in by_type["certificate"] if c["type"] == "certificate.revoked")
        assert "제49조의2제4항제3호" in revocation["summary_ko"] and "item 3" in revocation["summary_en"]
