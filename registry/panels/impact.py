"""Impact analysis: which registered panels would change verdict if an edition (draft or published) were
in force today, and which findings would appear or disappear."""

from __future__ import annotations

import json

import anyio
import msgspec

from registry.catalog.model import Catalogue, EditionFile
from registry.catalog.queries import published_catalogue
from registry.catalog.tables import CatalogueDraft
from registry.certification.queries import certificate_records
from registry.db.engine import read_transaction
from registry.kernel.clock import today_in_korea
from registry.kernel.errors import DomainError
from registry.panels.engine import RulesAtDates
from registry.panels.model import ImpactOut
from registry.panels.service import check_stored
from registry.panels.tables import Panel


async def impact(version: str) -> ImpactOut:
    """Registered panels whose verdict would change if `version` (draft or published) were in force
    today, with the findings that would appear and disappear."""
    day = today_in_korea()
    catalogue = await published_catalogue()
    edition = catalogue.get(version)
    if edition is not None:
        content = edition.content
        kind = "published"
    else:
        draft = await CatalogueDraft.select().where(CatalogueDraft.version == version).first()
        if draft is None or draft["state"] != "open":
            raise DomainError("VERSION_NOT_FOUND.draft_or_edition", version=version)
        content = EditionFile.of_draft(json.loads(draft["content"]))
        kind = "draft"
    hypothetical = Catalogue(
        [e.content for e in catalogue.editions if e.effective_from < day and e.version != version]
        + [content.model_copy(update={"effective_from": day})],
        certified=catalogue.certified,
    )
    async with read_transaction():
        rows = await Panel.select()
        records = await certificate_records()

    def both() -> tuple[dict, dict]:
        return (
            check_stored(rows, day, RulesAtDates.build(catalogue, records)),
            check_stored(rows, day, RulesAtDates.build(hypothetical, records)),
        )

    actual, would = await anyio.to_thread.run_sync(both)

    def keys(answer: dict) -> dict[tuple, dict]:
        return {(f["item"], f["code"], f["message_en"]): f for f in answer["findings"]}

    changed, findings_only = [], 0
    for row in rows:
        now, then = actual[str(row["id"])], would[str(row["id"])]
        before, after = keys(now), keys(then)
        if before.keys() == after.keys():
            continue
        entry = {
            "panel_id": row["id"],
            "provider_id": row["provider"],
            "name": row["name"],
            "verdict_now": now["verdict"],
            "verdict_then": then["verdict"],
            "findings_appearing": [after[k] for k in after.keys() - before.keys()],
            "findings_disappearing": [before[k] for k in before.keys() - after.keys()],
        }
        if now["verdict"] != then["verdict"]:
            changed.append(entry)
        else:
            findings_only += 1
    return msgspec.convert(
        {
            "version": version,
            "kind": kind,
            "as_of": day.isoformat(),
            "panels_checked": len(rows),
            "verdict_changes": changed,
            "panels_with_other_finding_changes": findings_only,
        },
        ImpactOut,
    )
