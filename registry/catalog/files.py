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
