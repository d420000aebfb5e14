"""One rule for "which certificate speaks for a provider on a date": the public lookup, verification and
the panel check agree on every date across overlapping certificates (a pilot certificate beside a
suspended certification, a reinstatement, a renewal), on SQLite and PostgreSQL."""

import datetime as dt
import random

from registry.certification import urls
from registry.certification.history_import import import_history
from registry.certification.model import (
    CertificateEventView,
    CertificateKind,
    CertificateRecord,
    EventKind,
    Standing,
    in_force,
)
from registry.panels import urls as panels_urls
from registry.providers import urls as providers_urls
from tests.workflow import business_number, make_staff

D = dt.date.fromisoformat
ITEMS = ["NUT-VITD", "EXE-STR", "TRT-ALCMET"]  # none open to every reported institution


def record(number, kind, start, until, items, *events):
    views = [CertificateEventView(EventKind.issued, D(start), D(until), seq=0)]
    views += [
        CertificateEventView(kind_, D(day), D(valid) if valid else None, 2, "", n + 1)
        for n, (kind_, day, valid) in enumerate(events)
    ]
    return CertificateRecord(1, number, kind, views, [(c, D(start), None) for c in items])


def test_an_active_certificate_speaks_before_a_suspended_one_and_the_newest_among_equals():
    pilot = record("DTC-P2021-0001", CertificateKind.pilot, "2021-03-03", "2023-03-02", ["EXE-STR"])
    main = record(
        "DTC-2022-0001",
        CertificateKind.certification,
        "2022-12-30",
        "2025-12-29",
        ["NUT-VITD"],
        (EventKind.suspended, "2023-01-10", None),
        (EventKind.reinstated, "2023-02-01", None),
    )
    other = record("DTC-2022-0009", CertificateKind.certification, "2022-12-30", "2025-12-29", ["EXE-STR"])
    assert in_force([pilot, main], D("2021-03-02")) is None
    assert in_force([pilot, main], D("2022-06-01")).certificate is pilot
    found = in_force([pilot, main], D("2023-01-02"))
    assert found.certificate is main and found.codes == {"NUT-VITD"}
    found = in_force([pilot, main, other], D("2023-01-15"))  # the one suspended, the other active
    assert found.certificate is other and found.certified and found.codes == {"EXE-STR"}
    found = in_force([pilot, main], D("2023-03-15"))  # the certification reinstated
    assert found.certificate is main and found.certified
    found = in_force([pilot, main], D("2026-01-01"))  # both expired: the newest speaks, with no items
    assert found.certificate is main and found.standing.standing is Standing.expired and found.codes == frozenset()


def test_a_certificate_speaks_only_within_the_dates_of_the_law():
    # A pilot certificate counts within the pilot (2020-02-17 to 2022-12-29), whatever its own dates say.
    pilot = record("DTC-P2019-0001", CertificateKind.pilot, "2019-01-01", "2023-06-30", ["EXE-STR"])
    assert in_force([pilot], D("2019-06-01")) is None
    assert in_force([pilot], D("2020-02-16")) is None
    assert in_force([pilot], D("2020-02-17")).certified
    assert in_force([pilot], D("2022-12-29")).certified
    ended = in_force([pilot], D("2022-12-30"))
    assert not ended.certified and ended.standing.standing is Standing.expired and ended.codes == frozenset()
    assert ended.standing.valid_until == D("2022-12-29")
    # A certification never speaks before 2022-12-30.
    early = record("DTC-2022-0005", CertificateKind.certification, "2022-06-01", "2025-05-31", ["EXE-STR"])
    assert in_force([early], D("2022-12-29")) is None and in_force([early], D("2022-12-30")).certified
    # The engine's date segments start at the boundaries of the law.
    assert {D("2020-02-17"), D("2022-12-30")} <= pilot.change_dates()
    assert D("2022-12-30") in early.change_dates()


def test_a_suspension_ends_by_itself_the_day_after_its_last_day():
    issued = CertificateEventView(EventKind.issued, D("2022-12-30"), D("2025-12-29"), seq=0)
    suspended = CertificateEventView(EventKind.suspended, D("2024-03-01"), None, 2, "EQA", 1, ends_on=D("2024-05-31"))
    main = CertificateRecord(1, "DTC-2022-0001", CertificateKind.certification, [issued, suspended], [])
    on_end, after = main.standing_on(D("2024-05-31")), main.standing_on(D("2024-06-01"))
    assert (on_end.standing, on_end.until) == (Standing.suspended, D("2024-05-31"))
    assert (after.standing, after.since) == (Standing.active, D("2024-06-01"))
    assert D("2024-06-01") in main.change_dates()


HISTORY_CHANGES = [
    "2021-03-02", "2021-03-03", "2022-06-01", "2022-12-29", "2022-12-30", "2023-01-09", "2023-01-10",
    "2023-01-20", "2023-01-31", "2023-02-01", "2023-03-02", "2023-03-03", "2024-01-01", "2025-09-30",
    "2025-10-01", "2025-12-29", "2025-12-30", "2027-06-01", "2028-12-29", "2028-12-30",
]  # fmt: skip


async def test_lookup_verification_and_panel_check_agree_across_an_overlap(client):
    staff = await make_staff(client)
    suffix = random.randint(1000, 9999)
    pilot, main = f"DTC-P2021-{suffix}", f"DTC-2022-{suffix}"
    await import_history(
        {
            "providers": [
                {
                    "name_ko": f"겹침 검사기관 {suffix}",
                    "name_en": f"Overlap Labs {suffix}",
                    "business_number": business_number(),
                    "contact_email": f"overlap{suffix}@lab.example",
                    "certificates": [
                        {
                            "number": pilot,
                            "kind": "pilot",
                            "valid_from": D("2021-03-03"),
                            "valid_until": D("2023-03-02"),
                            "items": [{"code": c} for c in ITEMS],
                        },
                        {
                            "number": main,
                            "kind": "certification",
                            "valid_from": D("2022-12-30"),
                            "valid_until": D("2025-12-29"),
                            "items": [{"code": "NUT-VITD"}, {"code": "EXE-STR"}],
                            "events": [
                                {
                                    "kind": "suspended",
                                    "effective_date": D("2023-01-10"),
                                    "until": D("2023-04-09"),
                                    "ground": 2,
                                    "reason": "EQA",
                                },
                                {"kind": "reinstated", "effective_date": D("2023-02-01"), "reason": "passed"},
                                {"kind": "renewed", "effective_date": D("2025-10-01"), "valid_until": D("2028-12-29")},
                            ],
                        },
                    ],
                }
            ]
        }
    )
    found = (await client.get(f"{providers_urls.BASE}?q=Overlap Labs {suffix}&as_of=2022-06-01")).json()["data"]
    provider_id = found[0]["id"]
    seen = set()
    for day in HISTORY_CHANGES:
        lookup = (await client.get(f"{providers_urls.provider(provider_id)}?as_of={day}")).json()
        check = (
            await client.post(
                panels_urls.CHECK,
                json={"provider_id": provider_id, "as_of": day, "items": [{"code": c} for c in ITEMS]},
                headers=staff.regulator,
            )
        ).json()
        speaking = lookup["certificate_number"]
        seen.add((speaking, lookup["status"]))
        if (
            day == "2023-01-20"
        ):  # the pilot ended on 2022-12-29 whatever its own dates: the suspended certification speaks
            assert (speaking, lookup["status"]) == (main, "suspended")
        if speaking is None:
            assert lookup["status"] == "none" and check["certificate"] is None, day
            continue
        assert check["certificate"] == {"number": speaking, "status": lookup["status"]}, day
        verification = (await client.get(f"{urls.certificate(speaking)}?as_of={day}")).json()
        assert verification["status"] == lookup["status"], day
        assert (verification["result"] == "certified") == (lookup["status"] == "active"), day
        certified = {i["code"] for i in lookup["items"]}
        assert {i["code"] for i in verification["items"]} == certified, day
        access = {"PROVIDER_NOT_CERTIFIED", "ITEM_NOT_CERTIFIED"} | {
            f"CERTIFICATE_{s}" for s in ("SUSPENDED", "REVOKED", "EXPIRED")
        }
        catalogue = {"UNKNOWN_ITEM", "ITEM_NOT_YET_PERMITTED", "ITEM_WITHDRAWN", "TEMPORARY_PERMISSION_EXPIRED"}
        for code in ITEMS:
            codes = {f["code"] for f in check["findings"] if f["item"] == code}
            if codes & catalogue:
                continue  # the list itself refuses the item that day; certification is not asked
            assert (not codes & access) == (code in certified), (day, code, codes)
    # The overlap was really walked: the pilot within the pilot period, the suspended, reinstated and
    # renewed certification, and the days before and after everything.
    assert {(pilot, "active"), (main, "active"), (main, "suspended"), (main, "expired"), (None, "none")} <= seen, seen
