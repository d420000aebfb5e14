"""Drafting and publishing an edition: the draft is checked like a reviewed file and published once."""

import datetime as dt

from registry.audit import urls as audit_urls
from registry.catalog import urls
from registry.catalog.service import import_catalogue
from registry.kernel.clock import today_in_korea
from tests.conftest import rules_path
from tests.workflow import make_staff

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
        assert audit["data"][-1]["action"] == "catalogue.edition_published"


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
