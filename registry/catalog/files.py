"""Reading and checking the reviewed edition files in rules/catalog/ (one TOML file per edition)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from registry.catalog.model import CatalogueProblem, EditionFile, check_edition, check_sequence


@dataclass
class CatalogueFiles:
    """What was read from a directory: the editions that parsed, and every problem found."""

    editions: list[tuple[str, EditionFile]] = field(default_factory=list)
    problems: list[CatalogueProblem] = field(default_factory=list)
    # Checks across editions need every edition; they wait until each file reads cleanly.
    sequence_checked: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def _where(raw: dict, loc: tuple) -> str:
    """Turn a pydantic location into what a reviewer reads: 'items[3] SKN-ELAST.status'."""
    parts: list[str] = []
    node: object = raw
    for step in loc:
        if isinstance(step, int):
            code = node[step].get("code") if isinstance(node, list) and isinstance(node[step], dict) else None
            parts[-1] = f"{parts[-1]}[{step}]" + (f" {code}" if code else "")
            node = node[step] if isinstance(node, list) and step < len(node) else None
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts) or "(file)"


def read_edition_file(path: Path, label: str | None = None) -> tuple[EditionFile | None, list[CatalogueProblem]]:
    name = label or path.name
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [CatalogueProblem(name, "(file)", f"cannot be read: {exc}")]
    except tomllib.TOMLDecodeError as exc:
        return None, [CatalogueProblem(name, "(file)", f"is not valid TOML: {exc}")]
    try:
        edition = EditionFile.model_validate(raw)
    except ValidationError as exc:
        return None, [
            CatalogueProblem(name, _where(raw, err["loc"]), err["msg"].removeprefix("Value error, "))
            for err in exc.errors()
        ]
    return edition, check_edition(name, edition)


def read_catalogue_dir(directory: Path) -> CatalogueFiles:
    """Read and check every edition file in `directory` (or one file)."""
    result = CatalogueFiles()
    if directory.is_file():
        paths = [directory]
    elif directory.is_dir():
        paths = sorted(directory.glob("*.toml"))
        if not paths:
            result.problems.append(CatalogueProblem(str(directory), "(directory)", "holds no edition files (*.toml)"))
    else:
        result.problems.append(CatalogueProblem(str(directory), "(path)", "does not exist"))
        return result
    unreadable = False
    for path in paths:
        edition, problems = read_edition_file(path)
        result.problems.extend(problems)
        if edition is not None:
            result.editions.append((path.name, edition))
        else:
            unreadable = True
    if not unreadable:
        result.problems.extend(check_sequence(result.editions))
        result.sequence_checked = True
    return result


def _toml_value(value: object) -> str:
    import datetime as dt
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # A JSON string literal is a valid TOML basic string for the text we hold (escapes included).
    return json.dumps(str(value), ensure_ascii=False)


def _shown(key: str, value: object) -> bool:
    """Empty values are left out of a reviewed file, as a person writing it would."""
    return value is not None and value != "" and value != ()


def edition_toml(edition: EditionFile) -> str:
    """The reviewed-file form of an edition, in the layout of rules/catalog/: reading it back gives the
    same edition (and so the same content hash the import compares)."""
    lines = [
        f"# Permitted DTC genetic-test items: the edition in force from {edition.effective_from}.",
        "# Reviewed data; editions are never edited after publication. See rules/README.md.",
    ]
    for key, value in edition.model_dump(exclude={"items"}).items():
        if _shown(key, value):
            lines.append(f"{key} = {_toml_value(getattr(value, 'value', value))}")
    for item in edition.items:
        lines += ["", "[[items]]"]
        for key, value in item.model_dump().items():
            hidden = key == "category_assigned" and not value
            hidden = hidden or (key == "open_to_reported" and item.status.value == "withdrawn")
            hidden = hidden or (key == "first_edition_confirmed" and value)
            if _shown(key, value) and not hidden:
                lines.append(f"{key} = {_toml_value(getattr(value, 'value', value))}")
    return "\n".join(lines) + "\n"
