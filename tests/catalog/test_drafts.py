"""Drafting and publishing an edition: the draft is checked like a reviewed file and published once."""

import datetime as dt

from registry.audit import urls as audit_urls
from registry.catalog import urls
from registry.catalog.service import import_catalogue
from registry.kernel.clock import today_in_korea
from tests.conftest import rules_path
from tests.workflow import assert_problem, make_staff

ENTRY = {
    "code": "TRT-DRAFTED",
    "name_ko": "초안 항목",
    "name_en": "Drafted item",
    "category": "personal_traits",
    "tier": "wellness",
    "status": "permitted",
    "minors": "not_permitted",
    "confidence": "C",
}

TEXTS = {
    "title_ko": "인증 항목(기관 합계, 최대 191개)",
    "title_en": "Certified items (union over institutions, up to 191)",
    "legal_basis_ko": "생명윤리법 제49조의2제2항; 변경인증",
    "legal_basis_en": "Bioethics and Safety Act Art. 49-2(2); change certifications",
    "announced_total": 190,
}


async def test_draft_publish_and_read_back(fresh_database, client_for):
    await import_catalogue(rules_path("catalog"))
    tomorrow = today_in_korea() + dt.timedelta(days=1)
    async with client_for(fresh_database) as client:
        staff = await make_staff(client)
        headers = staff.regulator
        r = await client.post(
            urls.VERSIONS,
            json={"version": tomorrow.isoformat(), "add": [ENTRY], "withdraw": ["TRT-EARLOBE"], **TEXTS},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        # Drafts are not public.
        assert (await client.get(urls.version(tomorrow))).status_code == 404
        assert (await client.get(urls.VERSIONS)).json()["total"] == 10

        past = await client.post(
            urls.publish(tomorrow),
            json={"effective_from": (today_in_korea() - dt.timedelta(days=1)).isoformat()},
            headers=headers,
        )
        assert past.status_code == 422 and past.json()["errors"][0]["field"] == "effective_from"

        r = await client.post(urls.publish(tomorrow), headers=headers)
        assert r.status_code == 200, r.text
        assert (await client.post(urls.publish(tomorrow), headers=headers)).status_code == 404

        versions = (await client.get(urls.VERSIONS)).json()
        assert versions["total"] == 11 and versions["data"][0]["version"] == tomorrow.isoformat()
        diff = (await client.get(f"{urls.DIFF}?from=2024-07-09&to={tomorrow}")).json()
        assert [a["code"] for a in diff["added"]] == ["TRT-DRAFTED"]
        assert [w["code"] for w in diff["withdrawn"]] == ["TRT-EARLOBE"]
        # Today's answer is unchanged; tomorrow's follows the new edition.
        assert (await client.get(urls.CURRENT)).json()["version"] == "2024-07-09"
        assert (await client.get(f"{urls.CURRENT}?as_of={tomorrow}")).json()["version"] == tomorrow.isoformat()
        audit = (await client.get(f"{audit_urls.EVENTS}?entity_type=catalogue_edition", headers=headers)).json()
        assert audit["data"][0]["action"] == "catalogue.edition_published"  # newest first


async def test_a_draft_that_drops_an_item_silently_is_not_published(fresh_database, client_for):
    await import_catalogue(rules_path("catalog"))
    tomorrow = today_in_korea() + dt.timedelta(days=1)
    async with client_for(fresh_database) as client:
        staff = await make_staff(client)
        bad = {**ENTRY, "code": "TRT-BAD", "category": "nutrients"}  # prefix does not match the category
        r = await client.post(
            urls.VERSIONS, json={"version": tomorrow.isoformat(), "add": [bad]}, headers=staff.regulator
        )
        assert r.status_code == 422
        r = await client.post(
            urls.VERSIONS,
            json={"version": tomorrow.isoformat(), "withdraw": ["NOT-THERE"]},
            headers=staff.regulator,
        )
        assert r.status_code == 422 and "NOT-THERE" in r.json()["detail"]


async def test_a_published_draft_exports_as_a_reviewed_file(fresh_database, client_for, tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    from registry.catalog.files import read_catalogue_dir

    await import_catalogue(rules_path("catalog"))
    tomorrow = today_in_korea() + dt.timedelta(days=1)
    async with client_for(fresh_database) as client:
        staff = await make_staff(client)
        await client.post(
            urls.VERSIONS, json={"version": tomorrow.isoformat(), "add": [ENTRY], **TEXTS}, headers=staff.regulator
        )
        assert (await client.post(urls.publish(tomorrow), headers=staff.regulator)).status_code == 200
    catalog = tmp_path / "catalog"
    shutil.copytree(rules_path("catalog"), catalog)
    env = {**os.environ, "DATABASE_URL": fresh_database.url}
    result = subprocess.run([sys.executable, "-m", "registry.cli", "catalog", "export", "all", "--output", str(catalog)],
                            env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.count("already holds") == 10 and f"wrote {catalog / tomorrow.isoformat()}.toml" in result.stdout
    )
    files = read_catalogue_dir(catalog)
    assert files.ok and len(files.editions) == 11
    report = await import_catalogue(catalog)  # the file and the database agree: nothing to import
    assert report.imported == [] and len(report.unchanged) == 11


async def test_a_new_draft_takes_no_title_total_or_basis_from_its_base(fresh_database, client_for):
    await import_catalogue(rules_path("catalog"))
    tomorrow = today_in_korea() + dt.timedelta(days=1)
    async with client_for(fresh_database) as client:
        staff = await make_staff(client)
        r = await client.post(urls.VERSIONS, json={"version": tomorrow.isoformat()}, headers=staff.regulator)
        assert r.status_code == 201, r.text
        content = r.json()["content"]
        assert r.json()["base_version"] == "2024-07-09"
        for key in ("title_ko", "title_en", "legal_basis_ko", "legal_basis_en", "notes"):
            assert content[key] == "", key
        assert content["announced_total"] is None and content["announced_on"] is None and content["sources"] == []
        r = await client.post(urls.publish(tomorrow), headers=staff.regulator)
        body = assert_problem(r, 422, "INVALID_BODY")
        assert [e["field"] for e in body["errors"]] == [
            "title_ko",
            "title_en",
            "legal_basis_ko",
            "legal_basis_en",
            "announced_total",
        ]
        assert (await client.get(urls.VERSIONS)).json()["total"] == 10  # nothing published


async def test_a_draft_is_edited_until_published(fresh_database, client_for):
    await import_catalogue(rules_path("catalog"))
    tomorrow = today_in_korea() + dt.timedelta(days=1)
    async with client_for(fresh_database) as client:
        staff = await make_staff(client)
        regulator = staff.regulator
        created = (await client.post(urls.VERSIONS, json={"version": tomorrow.isoformat()}, headers=regulator)).json()
        read = await client.get(urls.draft(tomorrow), headers=regulator)
        assert read.headers["ETag"] == created["etag"]
        # If-Match is required, and must be the current ETag.
        edit = {**TEXTS, "notes": "Edited.", "sources": ["https://example.org/release"], "add": [ENTRY]}
        assert_problem(
            await client.patch(urls.draft(tomorrow), json=edit, headers=regulator), 428, "PRECONDITION_REQUIRED"
        )
        r = await client.patch(urls.draft(tomorrow), json=edit, headers={**regulator, "If-Match": created["etag"]})
        assert r.status_code == 200, r.text
        edited = r.json()
        assert edited["revision"] == 2 and r.headers["ETag"] == edited["etag"] != created["etag"]
        assert edited["content"]["title_ko"] == TEXTS["title_ko"] and edited["content"]["announced_total"] == 190
        assert "TRT-DRAFTED" in {i["code"] for i in edited["content"]["items"]}
        stale = await client.patch(
            urls.draft(tomorrow), json={"notes": "late"}, headers={**regulator, "If-Match": created["etag"]}
        )
        assert_problem(stale, 412, "PRECONDITION_FAILED")
        # Bad values: refused whole, naming the field.
        for bad, field in [
            ({"announced_total": -1}, "announced_total"),
            ({"announced_total_qualifier": "about"}, "announced_total_qualifier"),
            ({"title_ko": ""}, "title_ko"),
            ({"sources": ["not a url"]}, "sources"),
            ({"effective_from": "2020-01-01"}, "effective_from"),
            ({"withdraw": ["TRT-NOTTHERE"]}, "withdraw"),
            ({"colour": "red"}, "colour"),
        ]:
            r = await client.patch(urls.draft(tomorrow), json=bad, headers={**regulator, "If-Match": edited["etag"]})
            assert r.status_code == 422, (bad, r.text)
            assert any(e["field"].startswith(field) for e in r.json()["errors"]), (bad, r.json())
        assert (await client.get(urls.draft(tomorrow), headers=regulator)).json()["revision"] == 2
        # Withdraw and replace items.
        replaced = {**ENTRY, "name_en": "Drafted item, renamed"}
        r = await client.patch(
            urls.draft(tomorrow),
            json={"withdraw": ["TRT-EARLOBE"], "replace": [replaced]},
            headers={**regulator, "If-Match": edited["etag"]},
        )
        assert r.status_code == 200, r.text
        items = {i["code"]: i for i in r.json()["content"]["items"]}
        assert items["TRT-EARLOBE"]["status"] == "withdrawn" and items["TRT-DRAFTED"]["name_en"] == replaced["name_en"]
        audit = (await client.get(f"{audit_urls.EVENTS}?entity_type=catalogue_draft", headers=regulator)).json()
        assert [e["action"] for e in audit["data"]].count("catalogue.draft_edited") == 2
        # Published: immutable.
        assert (await client.post(urls.publish(tomorrow), headers=regulator)).status_code == 200
        for version in (tomorrow.isoformat(), "2024-07-09"):
            r = await client.patch(urls.draft(version), json={"notes": "x"}, headers={**regulator, "If-Match": "*"})
            assert_problem(r, 409, "CONFLICT")
        assert_problem(
            await client.patch(urls.draft("2030-01-01"), json={"notes": "x"}, headers={**regulator, "If-Match": "*"}),
            404,
            "VERSION_NOT_FOUND",
        )
        # Not for providers or the public.
        assert (await client.patch(urls.draft(tomorrow), json={"notes": "x"})).status_code == 401
