"""Use cases of the pseudonymisation rules: the rule set of the registry's rules directory, an edition or
proposal by version, the edition in force on a date, and checks of fields sent as JSON or as CSV. Every
refusal is a domain error with a code from rules/problems.toml."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from registry.kernel.errors import DomainError, FieldError, fields_invalid
from registry.pseudonymisation.batch import read_fields_csv
from registry.pseudonymisation.files import load_rules
from registry.pseudonymisation.model import CheckResult, Environment, FieldRequest, RuleSet, Version

RULES_SUBDIRECTORY = "pseudonymisation"


def rules(rules_dir: Path) -> RuleSet:
    """The rule set in `rules_dir`/pseudonymisation, read and checked once (RulesInvalid otherwise)."""
    return load_rules((rules_dir / RULES_SUBDIRECTORY).resolve())


def version(rule_set: RuleSet, name: str, param: str | None = None) -> Version:
    found = rule_set.get(name)
    if found is None:
        if param:
            raise DomainError(
                "PSEUDONYMISATION_VERSION_NOT_FOUND.parameter",
                version=name,
                param=param,
                errors=[FieldError(param, "no such edition or proposal")],
            )
        raise DomainError("PSEUDONYMISATION_VERSION_NOT_FOUND", version=name)
    return found


def edition(rule_set: RuleSet, name: str, param: str) -> Version:
    """An edition named by a query parameter (a diff compares editions; a proposal is never in force)."""
    found = version(rule_set, name, param)
    if found.is_proposal:
        raise DomainError(
            "PSEUDONYMISATION_PROPOSAL", version=name, param=param, errors=[FieldError(param, "a proposal")]
        )
    return found


def in_force(rule_set: RuleSet, day: dt.date) -> Version:
    found = rule_set.in_force(day)
    if found is None:
        first = rule_set.first()
        raise DomainError(
            "PSEUDONYMISATION_NOT_IN_FORCE",
            day=day,
            first=first.version,
            extra={"as_of": day.isoformat(), "first_edition": first.version},
        )
    return found


def check(rule_set: RuleSet, as_of: dt.date, environment: Environment, fields: Sequence[FieldRequest]) -> CheckResult:
    """Fields sent as JSON: an unknown kind is refused, naming `fields.<i>.kind`."""
    unknown = [
        FieldError(f"fields.{i}.kind", f"unknown kind '{f.kind}'; known kinds: {', '.join(rule_set.kinds)}", "body")
        for i, f in enumerate(fields)
        if f.kind not in rule_set.kinds
    ]
    if unknown:
        raise fields_invalid("INVALID_BODY", unknown)
    return rule_set.check(as_of, environment, fields)


def check_csv(rule_set: RuleSet, data: bytes, as_of: dt.date, environment: Environment) -> CheckResult:
    """Fields sent as a CSV file (columns name, kind): a bad file is refused naming its row and column."""
    return rule_set.check(as_of, environment, read_fields_csv(data, rule_set.kinds))
