"""`dtc-registry events`: the outbox of domain events, and a relay that runs as a process of its own."""

from __future__ import annotations

import asyncio

import rich_click as click

from registry.cli.common import console, load_settings, run_with_database, summary_table

EXAMPLE = "Example: dtc-registry events relay"


@click.group(epilog="Example: dtc-registry events status")
def events() -> None:
    """Domain events waiting in the outbox, and the relay that hands them to their listeners."""


@events.command(epilog="Example: dtc-registry events status")
def status() -> None:
    """How many events are pending, how many of those have failed at least once, how many were handled."""

    async def count() -> list[tuple[str, str]]:
        from registry.kernel.tables import OutboxEvent

        pending = await OutboxEvent.count().where(OutboxEvent.handled_at.is_null())
        failing = await OutboxEvent.count().where(OutboxEvent.handled_at.is_null(), OutboxEvent.last_error != "")
        handled = await OutboxEvent.count().where(OutboxEvent.handled_at.is_not_null())
        return [("pending", f"{pending:,}"), ("  failed at least once", f"{failing:,}"), ("handled", f"{handled:,}")]

    console().print(summary_table("events", run_with_database(load_settings(), count)))


@events.command(epilog=EXAMPLE + "\n\nExample: dtc-registry events relay --once")
@click.option("--once", is_flag=True, help="Hand over what is pending, then exit.")
def relay(once: bool) -> None:
    """Hand pending events to their listeners, then keep doing so as events arrive (every few seconds),
    until stopped. For deployments whose web workers run with REGISTRY_DISPATCH_EVENTS=0; any number of
    relays may run against one PostgreSQL database, each event goes to one of them."""

    async def work() -> int:
        from registry import wiring

        outbox = wiring.relay()
        if once:
            return await outbox.drain()
        await outbox.start()
        try:
            await asyncio.Event().wait()  # until the process is stopped
        finally:
            await outbox.stop()
        return 0

    handled = run_with_database(load_settings(), work)
    click.echo(f"events: handled {handled} event(s)")
