"""Reading and checking the reviewed files in rules/pseudonymisation/: kinds.toml, conditions.toml,
findings.toml and one file per edition or proposal in editions/. Read once per directory and kept; a
directory with any problem is refused as a whole, each problem naming its file, its key and why."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from registry.pseudonymisation.model import (
    ConditionsFile,
    EditionFile,
    FindingsFile,
    KindsFile,
    RuleSet,
    RulesProblem,
    check_edition_file,
    check_findings_file,
    check_sequence,
    language_problems,
    text_fields,
)

M = TypeVar("M", bound=BaseModel)
EDITIONS = "editions"


@dataclass
class RulesFiles:
    """What was read from a directory: the rule set when every file is clean, and every problem found."""

    directory: Path
    rules: RuleSet | None = None
    editions: list[tuple[str, EditionFile]] = field(default_factory=list)
    problems: list[RulesProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class RulesInvalid(Exception):
    def __init__(self, directory: Path, problems: list[RulesProblem]):
        self.directory, self.problems = directory, problems
        shown = "; ".join(str(p) for p in problems[:5]) + (
            f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        )
        super().__init__(f"{directory}: {len(problems)} problem(s) in the pseudonymisation rules: {shown}")


def _location(raw: object, loc: tuple) -> str:
    """A pydantic location as a reviewer reads it: 'kinds[2] RAW_READS.verdict', 'default.basis_ko'."""
    out = ""
    node = raw
    for step in loc:
        if isinstance(step, int) and isinstance(node, list):
            item = node[step] if step < len(node) else None
            label = item.get("kind") if isinstance(item, dict) else None
            out += f"[{step}]" + (f" {label}" if isinstance(label, str) else "")
            node = item
        else:
            out += ("." if out else "") + str(step)
            node = node.get(step) if isinstance(node, dict) else None
    return out or "(file)"


def _read(path: Path, name: str, model: type[M]) -> tuple[M | None, list[RulesProblem]]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [RulesProblem(name, "(file)", "is missing")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [RulesProblem(name, "(file)", f"cannot be read: {exc}")]
    except tomllib.TOMLDecodeError as exc:
        return None, [RulesProblem(name, "(file)", f"is not valid TOML: {exc}")]
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        found = []
        for err in exc.errors():
            where = _location(raw, err["loc"])
            found.append(RulesProblem(name, where, err["msg"].removeprefix("Value error, ")))
        return None, found


def read_rules_dir(directory: Path) -> RulesFiles:
    """Read and check every file of a rules directory (rules/pseudonymisation/)."""
    result = RulesFiles(directory)
    if not directory.is_dir():
        result.problems.append(RulesProblem(str(directory), "(directory)", "does not exist"))
        return result
    kinds, found = _read(directory / "kinds.toml", "kinds.toml", KindsFile)
    result.problems += found
    conditions, found = _read(directory / "conditions.toml", "conditions.toml", ConditionsFile)
    result.problems += found
    findings, found = _read(directory / "findings.toml", "findings.toml", FindingsFile)
    result.problems += found
    if kinds is not None:
        for code, kind in kinds.kinds.items():
            result.problems += language_problems("kinds.toml", f"kinds.{code}", text_fields(kind))
    if conditions is not None:
        for code, condition in conditions.conditions.items():
            result.problems += language_problems("conditions.toml", f"conditions.{code}", text_fields(condition))
    if findings is not None:
        result.problems += check_findings_file("findings.toml", findings)
    paths = sorted((directory / EDITIONS).glob("*.toml"))
    if not paths:
        result.problems.append(RulesProblem(EDITIONS, "(directory)", "holds no edition files (*.toml)"))
    for path in paths:
        name = f"{EDITIONS}/{path.name}"
        edition, found = _read(path, name, EditionFile)
        result.problems += found
        if edition is not None:
            result.editions.append((name, edition))
            if kinds is not None and conditions is not None:
                result.problems += check_edition_file(name, edition, kinds.kinds, conditions.conditions)
    if paths and len(result.editions) == len(paths):
        result.problems += check_sequence(result.editions)
    if not result.problems and kinds and conditions and findings:
        result.rules = RuleSet.build(kinds, conditions, findings, [e for _, e in result.editions])
    return result


@cache
def load_rules(directory: Path) -> RuleSet:
    """The rule set of a directory, read and checked once; RulesInvalid names every problem."""
    result = read_rules_dir(directory)
    if result.rules is None:
        raise RulesInvalid(directory, result.problems)
    return result.rules
