"""`dtc-registry audit`: the audit log."""

from __future__ import annotations

import rich_click as click

from registry.cli.common import console, fail, load_settings, run_with_database, summary_table


@click.group(epilog="Example: dtc-registry audit verify")
def audit() -> None:
    """The audit log."""


@audit.command(epilog="Example: dtc-registry audit verify")
def verify() -> None:
    """Check the hash chain; exit 1 and name the first broken event."""
    from registry.audit.service import verify as verify_chain

    report = run_with_database(load_settings(), verify_chain)
    broken = report.first_break
    rows = [("events", f"{report.events:,}")]
    if broken is None:
        rows.append(("head", f"{report.head_hash[:16]}..."))
    else:
        rows += [("first broken event", str(broken.seq)), ("reason", broken.reason_en)]
    title = "audit: intact" if broken is None else "audit: BROKEN"
    console().print(summary_table(title, rows, numbers=False))
    if broken is not None:
        fail(f"audit: BROKEN at event {broken.seq}: {broken.reason_en}")
