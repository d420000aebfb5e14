"""Panel checks as use cases: one panel (nothing stored), registered panels and their latest check, and
the re-check that follows every change of a certificate or of the permitted list (a listener of their
domain events). One panel (a check, a registration) is judged against the provider's compiled scope on the
day; many (re-checks) by the engine; both read the same rule tables and give the same answer."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import anyio
import msgspec
from piccolo.query.functions.string import Length

from registry.accounts.model import Principal, Role
from registry.audit.service import SYSTEM, Actor, Change, record, record_many
from registry.db.engine import execute_many, insert_one, read_transaction, write_transaction
from registry.db.retry import retried
from registry.kernel.clock import today_in_korea, utcnow
from registry.kernel.errors import DomainError, not_found
from registry.kernel.events import DomainEvent
from registry.panels.engine import RulesAtDates, check
from registry.panels.model import CheckOut, PanelOut, PanelRegistration, PanelRequest
from registry.panels.rules import (
    answers,
    current_rules,
    known_provider,
    named_provider,
    provider_for,
    stored_frames,
)
from registry.panels.scope import check_one, scope_of
from registry.panels.tables import Panel


async def check_panel(principal: Principal, request: PanelRequest) -> CheckOut:
    provider_id = provider_for(principal, request.provider_id)
    if principal.role is not Role.provider:
        await known_provider(provider_id)
    return await _check_one(provider_id, request)


async def check_panel_public(request: PanelRequest) -> CheckOut:
    """Anyone's check of a panel of a provider it names (the public checker page): no one signed in, nothing
    stored, the same path as `check_panel`."""
    provider_id = named_provider(request.provider_id)
    await known_provider(provider_id)
    return await _check_one(provider_id, request)


async def _check_one(provider_id: int, request: PanelRequest) -> CheckOut:
    """One panel against the provider's compiled scope on the day: dictionary lookups, microseconds, so
    on the event loop (the engine's answer: tests/panels/test_scope.py)."""
    day = request.as_of or today_in_korea()
    rules, _ = await current_rules()
    return check_one(scope_of(rules, provider_id, day), request.items, target=request.target, claims=request.claims)


# --- registered panels -------------------------------------------------------------------------------


def _panel_body(row: dict) -> PanelOut:
    checked_at = row["checked_at"]
    body = {
        "id": row["id"],
        "provider_id": row["provider"],
        "name": row["name"],
        "target": row["target"],
        "claims": row["claims"],
        "items": json.loads(row["items"]),
        "checked_at": checked_at.isoformat() if isinstance(checked_at, dt.datetime) else checked_at,
        "latest_check": json.loads(row["last_check"]),
    }
    return msgspec.convert(body, PanelOut)


def check_stored(rows: list[dict], day: dt.date, rules: RulesAtDates) -> dict[str, dict]:
    """Check stored panels (CPU work: call it off the event loop); the answer per panel id."""
    if not rows:
        return {}
    result = check(*stored_frames(rows, day), rules)
    return answers(result, {str(r["id"]): r["provider"] for r in rows}, {str(r["id"]): r["target"] for r in rows})


_encode = msgspec.json.Encoder()
_decode_check = msgspec.json.Decoder().decode


def _check_text(latest: dict) -> str:
    """A panel's latest check as stored (JSON)."""
    return _encode.encode(latest).decode()


def _changed(rows: list[dict], day: dt.date, rules: RulesAtDates) -> tuple[list[tuple[dict, dict, str]], list[int]]:
    """Check stored panels: those whose answer differs from the one stored, with the text to store, and the
    ids of the others (CPU work: call it off the event loop). Answers differing only in how the JSON is
    spelt (one stored before the registry wrote it with `_check_text`) are the same answer."""
    checked = check_stored(rows, day, rules)
    changed, same = [], []
    for row in rows:
        latest = checked[str(row["id"])]
        text = _check_text(latest)
        if text == row["last_check"]:
            same.append(row["id"])
            continue
        try:  # stored by another spelling of JSON, perhaps
            unchanged = _decode_check(row["last_check"]) == latest
        except msgspec.DecodeError:
            unchanged = False
        if unchanged:
            same.append(row["id"])
        else:
            changed.append((row, latest, text))
    return changed, same


# Registered panels per provider: far above any real catalogue of products (the largest providers sell a
# few dozen), low enough that one provider's re-checks stay a bounded amount of work.
MAX_PANELS_PER_PROVIDER = 1_000


@retried
async def register_panel(principal: Principal, registration: PanelRegistration) -> PanelOut:
    day = today_in_korea()
    rules, _ = await current_rules()
    row = {
        "provider": principal.provider_id,
        "name": registration.name,
        "target": registration.target,
        "claims": registration.claims,
        "items": json.dumps([i.model_dump() for i in registration.items], ensure_ascii=False),
    }
    scope = scope_of(rules, principal.provider_id, day)
    latest = msgspec.to_builtins(
        check_one(scope, registration.items, target=registration.target, claims=registration.claims)
    )
    async with write_transaction():
        # Counted under the write lock, so concurrent registrations cannot pass the limit together.
        if await Panel.count().where(Panel.provider == principal.provider_id) >= MAX_PANELS_PER_PROVIDER:
            raise DomainError("LIMIT_REACHED.panels", limit=MAX_PANELS_PER_PROVIDER)
        now = utcnow()
        panel_id = await insert_one(
            Panel(
                **row,
                created_at=now,
                checked_at=now,
                verdict=latest["verdict"],
                last_check=_check_text(latest),
            )
        )
        await record(
            principal.actor, "panel.registered", "panel", panel_id, after={**row, "verdict": latest["verdict"]}
        )
    return await read_panel(principal, panel_id)


async def read_panel(principal: Principal, panel_id: int) -> PanelOut:
    async with read_transaction():
        row = await Panel.select().where(Panel.id == panel_id).first()
    if row is None or not (principal.is_staff or principal.provider_id == row["provider"]):
        raise not_found("panel", panel_id)
    return _panel_body(row)


async def list_panels(principal: Principal) -> list[PanelOut]:
    """The signed-in provider's own registered panels with their latest check, newest first."""
    async with read_transaction():
        rows = await Panel.select().where(Panel.provider == principal.provider_id).order_by(Panel.id, ascending=False)
    return [_panel_body(row) for row in rows]


# Panel items per re-check step: the engine's work, and one short write, per step. The engine's cost per
# step is mostly fixed (joining the rule tables) below some tens of thousands of items.
RECHECK_ITEMS = 100_000
# A stored item's JSON, about: {"code": "NUT-VITD", "genes": ["VDR"], "markers": ["rs2228570"]}. Steps
# are weighed by the stored text's length, so that weighing reads no item.
ITEM_CHARS = 64


async def recheck_panels(
    provider_ids: Iterable[int] | None = None,
    *,
    panel_ids: Iterable[int] | None = None,
    actor: Actor = SYSTEM,
    reason: str,
) -> int:
    """Re-check registered panels as of today (all, those of some providers, or some panels). Runs after
    the change that calls for it has committed, in steps of about RECHECK_ITEMS panel items (consecutive
    panel ids): each step reads its panels, checks them and compares the answers off the event loop, then
    one short write transaction stores the panels whose answer changed (one statement per chunk, not one
    per panel) with an audit event for each changed verdict, and marks the step's panels checked — so the
    process keeps answering meanwhile. Returns how many were checked."""
    chosen = [Panel.id >= 0]
    if provider_ids is not None:
        chosen.append(Panel.provider.is_in(list(provider_ids) or [-1]))
    if panel_ids is not None:
        chosen.append(Panel.id.is_in(list(panel_ids) or [-1]))
    async with read_transaction():
        sizes = await Panel.select(Panel.id, Length(Panel.items, alias="size")).where(*chosen).order_by(Panel.id)
    steps, first, weight = [], None, 0
    for row in sizes:
        first = row["id"] if first is None else first
        weight += row["size"]
        if weight >= RECHECK_ITEMS * ITEM_CHARS:
            steps.append((first, row["id"]))
            first, weight = None, 0
    if first is not None:
        steps.append((first, sizes[-1]["id"]))
    rules, _ = await current_rules()
    day = today_in_korea()
    for low, high in steps:
        await _recheck_step([*chosen, Panel.id >= low, Panel.id <= high], rules, day, actor, reason)
    return len(sizes)


async def _recheck_step(step: list, rules: RulesAtDates, day: dt.date, actor: Actor, reason: str) -> None:
    """One step: the panels the conditions `step` choose."""
    async with read_transaction():
        rows = await Panel.select(
            Panel.id, Panel.provider, Panel.target, Panel.claims, Panel.items, Panel.verdict, Panel.last_check
        ).where(*step)
    changed, same = await anyio.to_thread.run_sync(_changed, rows, day, rules)
    now = utcnow()
    async with write_transaction():
        # Each panel's row written once: with its new answer, or marked checked.
        await execute_many(
            "UPDATE panel SET verdict = {}, last_check = {}, checked_at = {} WHERE id = {}",
            [(latest["verdict"], text, now, row["id"]) for row, latest, text in changed],
        )
        await execute_many("UPDATE panel SET checked_at = {} WHERE id = {}", [(now, i) for i in same])
        await record_many(
            actor,
            [
                Change(
                    "panel.verdict_changed",
                    "panel",
                    row["id"],
                    before={"verdict": row["verdict"]},
                    after={"verdict": latest["verdict"], "reason": reason},
                )
                for row, latest, _ in changed
                if latest["verdict"] != row["verdict"]
            ],
        )


async def recheck_on_request(principal: Principal, panel_id: int) -> PanelOut:
    await read_panel(principal, panel_id)  # visibility
    await recheck_panels(panel_ids=[panel_id], actor=principal.actor, reason="re-check requested")
    return await read_panel(principal, panel_id)


# --- listeners: what other features announce ----------------------------------------------------------


async def on_certificate_event(event: DomainEvent) -> None:
    """A provider's certificate was issued, changed or changed status: its panels are re-checked."""
    p = event.payload
    await recheck_panels([p["provider_id"]], reason=f"certificate {p['certificate']} {p['kind']}")


async def on_validation_event(event: DomainEvent) -> None:
    """A validation record of a provider was recorded or withdrawn: its panels are re-checked."""
    p = event.payload
    await recheck_panels([p["provider_id"]], reason=f"validation {p['validation_id']} of {p['code']} {p['kind']}")


async def on_edition_published(event: DomainEvent) -> None:
    """A new edition of the permitted list: every registered panel is re-checked."""
    await recheck_panels(None, reason=f"edition {event.payload['version']} published")


async def on_items_certified(event: DomainEvent) -> None:
    """New items certified to an institution joined the catalogue: every registered panel is re-checked
    (an item unknown until now is now known; its laboratory's certificate decides)."""
    await recheck_panels(None, reason=f"items {', '.join(event.payload['codes'])} certified")
