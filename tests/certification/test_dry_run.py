"""A dry run of a new draft runs every check a submission would: `valid: true` means the draft could be
submitted today, and otherwise the answer names the refusal and its findings — storing nothing."""

from registry.certification import urls
from registry.certification.tables import Application
from tests.workflow import evidence_item, make_staff, register_lab


async def test_a_dry_run_says_whether_the_draft_could_be_submitted(client):
    staff = await make_staff(client)
    verified = await register_lab(client, staff)
    before = await Application.count()
    good = {"kind": "initial", "items": [evidence_item("NUT-VITD")]}
    r = await client.post(f"{urls.APPLICATIONS}?dry_run=true", json=good, headers=verified.headers)
    assert r.status_code == 200 and r.json() == {
        "dry_run": True, "state": "draft", "valid": True, "number": None, "problem": None, "findings": []
    }  # fmt: skip
    # One paper for a marker is not enough evidence: submission would refuse it, so the dry run says so.
    thin = {"kind": "initial", "items": [evidence_item("NUT-VITD", refs=1)]}
    answer = (await client.post(f"{urls.APPLICATIONS}?dry_run=true", json=thin, headers=verified.headers)).json()
    assert answer["valid"] is False and answer["problem"] == "SUBMISSION_REJECTED"
    assert [f["code"] for f in answer["findings"]] == ["EVIDENCE_INSUFFICIENT"]
    # An organisation no regulator has verified may prepare a draft, but could not submit it.
    unverified = await register_lab(client)
    answer = (await client.post(f"{urls.APPLICATIONS}?dry_run=true", json=good, headers=unverified.headers)).json()
    assert answer["valid"] is False and answer["problem"] == "ORGANISATION_NOT_VERIFIED"
    assert await Application.count() == before
