"""`dtc-registry pseudonymisation`: the editions of the health-data guideline's genomic provisions, a check
of fields against them (as the API's check), and validation of rules/pseudonymisation/. No database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import rich_click as click
from click.exceptions import Exit
from rich import box
from rich.table import Table

from registry.cli.common import REFUSED, USAGE, console, fail, load_settings, read_input

if TYPE_CHECKING:
    from registry.pseudonymisation.model import RuleSet
    from registry.pseudonymisation.schemas import CheckOut

EXAMPLE = "Example: dtc-registry pseudonymisation check --as-of 2024-03-01 --environment closed vcf_path:VARIANT_CALLS"
PREFIX = "pseudonymisation"


def _rules() -> RuleSet:
    from registry.pseudonymisation import service
    from registry.pseudonymisation.files import RulesInvalid

    directory = load_settings().rules_dir
    try:
        return service.rules(directory)
    except RulesInvalid as exc:
        fail(
            f"{PREFIX}: {len(exc.problems)} problem(s) in {exc.directory}, first: {exc.problems[0]}"
            f" (dtc-registry pseudonymisation validate lists them)"
        )


def _refused(exc: Exception) -> NoReturn:
    """A domain error as its English sentence, on one line."""
    from registry.http.problems import render

    fail(f"{PREFIX}: {render(exc)[1]}")  # type: ignore[arg-type]


def _print_json(value: object) -> None:
    import msgspec

    click.echo(msgspec.json.encode(value).decode())


@click.group(epilog=EXAMPLE)
def pseudonymisation() -> None:
    """The pseudonymisation scope of genomic data: editions of the health-data guideline, and checks."""


@pseudonymisation.command(epilog="Example: dtc-registry pseudonymisation versions")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")
def versions(as_json: bool) -> None:
    """Editions and proposals, newest first, with their counts of kinds by verdict."""
    from registry.kernel.clock import today_in_korea
    from registry.pseudonymisation.schemas import versions_out

    listed = versions_out(_rules(), today_in_korea())
    if as_json:
        _print_json(listed)
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, caption="kinds: pseudonymisable/consent/not identifying")
    for column in ("version", "status", "from", "until", "kinds"):
        table.add_column(column, no_wrap=True)
    table.add_column("notes")
    for v in listed.data:
        day = v.effective_from or v.proposed_on
        notes = [
            "in force today" if v.version == listed.edition_in_force else "",
            "dated by month" if v.effective_from_precision == "month" else "",
            "" if v.genomic_provisions_verified else "genomic provisions unverified",
        ]
        table.add_row(
            v.version,
            v.status,
            day.isoformat() if day else "",
            v.effective_until.isoformat() if v.effective_until else "",
            f"{v.counts.pseudonymisable}/{v.counts.consent_required}/{v.counts.not_identifying}",
            ", ".join(n for n in notes if n),
        )
    console().print(table)


@pseudonymisation.command(epilog="Example: dtc-registry pseudonymisation show 2024-01-31")
@click.argument("version", help="An edition's or proposal's version (dtc-registry pseudonymisation versions).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")
def show(version: str, as_json: bool) -> None:
    """One edition or proposal: its dates, sources, and every kind with its verdict and conditions."""
    from registry.kernel.errors import DomainError
    from registry.pseudonymisation import service
    from registry.pseudonymisation.schemas import detail_out

    rules = _rules()
    try:
        detail = detail_out(rules, service.version(rules, version))
    except DomainError as exc:
        _refused(exc)
    if as_json:
        _print_json(detail)
        return
    day = detail.effective_from or detail.proposed_on
    out = console()
    out.print(f"{detail.version} ({detail.status}): {detail.title_en}")
    out.print(f"{detail.title_ko}")
    since = "proposed on" if detail.status == "proposal" else "in force from"
    out.print(f"{since}: {day} {detail.effective_from_note_en}")
    if not detail.genomic_provisions_verified:
        out.print(f"genomic provisions not verified: {detail.genomic_provisions_note_en}")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("kind", "verdict", "conditions", "listed", "confirmed", "confidence"):
        table.add_column(column)
    for k in detail.kinds:
        table.add_row(
            k.kind,
            k.verdict,
            ", ".join(c.code for c in k.conditions),
            "yes" if k.listed else "default",
            "yes" if k.status_confirmed else "NO",
            k.confidence,
        )
    out.print(table)
    for source in detail.sources:
        out.print(f"source: {source}", soft_wrap=True)


def _fields_from_arguments(pairs: tuple[str, ...]) -> list[dict[str, str]]:
    fields = []
    for pair in pairs:
        name, colon, kind = pair.rpartition(":")
        if not colon or not name or not kind:
            fail(f"{PREFIX}: '{pair}' is not FIELD:KIND (e.g. vcf_path:VARIANT_CALLS)", USAGE)
        fields.append({"name": name, "kind": kind})
    return fields


@pseudonymisation.command(epilog=EXAMPLE)
@click.argument("fields", nargs=-1, metavar="FIELD:KIND", help="Fields to check, each as name:KIND.")
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path),
    help="A CSV file of fields (columns name, kind) instead of FIELD:KIND arguments.",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The date to check on (default: today in Korea).")
@click.option(
    "--environment",
    type=click.Choice(["closed", "open"]),
    required=True,
    help="Where the data is analysed: a closed analysis environment, or open.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")
@click.option(
    "--fail-on-consent-required",
    is_flag=True,
    help="Exit 1 when any field may be used only with consent (after printing the results).",
)
def check(
    fields: tuple[str, ...],
    file: Path | None,
    as_of: str | None,
    environment: str,
    as_json: bool,
    fail_on_consent_required: bool,
) -> None:
    """May these fields be used after pseudonymisation on a date, in an environment? As the API answers.

    Exit status: 0 when checked (whatever the verdicts, unless --fail-on-consent-required), 1 when the
    input is refused (unknown kind, bad CSV) or, with that flag, when any field needs consent; 2 on usage.
    """
    from pydantic import ValidationError

    from registry.kernel.clock import today_in_korea
    from registry.kernel.errors import DomainError, invalid_body
    from registry.pseudonymisation import service
    from registry.pseudonymisation.model import Environment
    from registry.pseudonymisation.schemas import CheckInput, check_out

    if bool(fields) == bool(file):
        fail(f"{PREFIX}: name the fields as FIELD:KIND arguments or with --file, one of the two", USAGE)
    try:
        if as_of is not None and len(as_of) != 10:
            raise ValueError
        day = dt.date.fromisoformat(as_of) if as_of else today_in_korea()
    except ValueError:
        fail(f"{PREFIX}: --as-of must be YYYY-MM-DD, not {as_of!r}", USAGE)
    rules = _rules()
    where = Environment(environment)
    try:
        if file is not None:
            result = service.check_csv(rules, read_input(file, PREFIX), day, where)
        else:
            try:
                request = CheckInput(environment=environment, fields=_fields_from_arguments(fields))  # type: ignore[arg-type]
            except ValidationError as exc:
                raise invalid_body(exc) from None
            result = service.check(rules, day, where, request.requests())
    except DomainError as exc:
        _refused(exc)
    answer = check_out(result)
    if as_json:
        _print_json(answer)
    else:
        _print_check(answer)
    if fail_on_consent_required and answer.summary.consent_required:
        fail(f"{PREFIX}: {answer.summary.consent_required} of {answer.summary.fields} field(s) need consent")


def _print_check(answer: CheckOut) -> None:
    out = console()
    edition = answer.edition
    if edition is None:
        out.print(f"{answer.as_of}: no edition of the guideline in force ({answer.environment} environment)")
    else:
        out.print(f"{answer.as_of}, {answer.environment} environment: {edition.version} {edition.title_en}")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("name", "kind", "verdict", "conditions", "findings"):
        table.add_column(column, overflow="fold")
    for f in answer.fields:
        table.add_row(
            f.name,
            f.kind,
            f.verdict,
            ", ".join(c.code for c in f.conditions),
            ", ".join(f"{x.code} ({x.severity})" for x in f.findings),
        )
    out.print(table)
    s = answer.summary
    out.print(
        f"{s.fields} field(s): {s.pseudonymisable} pseudonymisable, {s.consent_required} consent_required,"
        f" {s.not_identifying} not_identifying"
    )


@pseudonymisation.command(epilog="Example: dtc-registry pseudonymisation validate rules/pseudonymisation")
@click.argument(
    "path",
    required=False,
    type=click.Path(path_type=Path),
    help="A rules directory (default rules/pseudonymisation).",
)
def validate(path: Path | None) -> None:
    """Check the reviewed files; each error names file, key and reason; exit 1 on any.

    PATH holds kinds.toml, conditions.toml, findings.toml and editions/*.toml (default:
    rules/pseudonymisation).
    """
    from registry.pseudonymisation.files import read_rules_dir

    path = path or load_settings().rules_dir / "pseudonymisation"
    result = read_rules_dir(path)
    for problem in result.problems:
        click.echo(f"error: {problem}", err=True)
    if result.problems or result.rules is None:
        click.echo(f"{len(result.problems)} error(s) in {path}", err=True)
        raise Exit(REFUSED)
    rules = result.rules
    click.echo(
        f"ok: {len(rules.editions)} edition(s), {len(rules.proposals)} proposal(s), {len(rules.kinds)} kinds,"
        f" no errors ({path})"
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("file", "version", "status", "date", "kinds listed"):
        table.add_column(column, justify="right" if column == "kinds listed" else "left")
    for name, edition in result.editions:
        day = edition.effective_from or edition.proposed_on
        table.add_row(name, edition.version, edition.status.value, str(day), str(len(edition.kinds)))
    console().print(table)
