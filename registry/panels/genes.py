"""The gene names each 2016-notice entry admits in the open mode, read once from rules/genes.toml.

The catalogue keeps the notice's notation (`restricted_genes`); this file's data says which names a panel
may give for each: a locus notation (CDKN2A/B, DGKB-TMEM195, CYP1A1-CYP1A2) admits itself and its genes,
and every gene admits its current HGNC symbol and known aliases besides the notice's symbol. Any other
symbol is one gene, read as written (HLA-DQB1 is one gene). Pure: no framework, no storage.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from registry.catalog.model import GENE_SYMBOL, CatalogueProblem, EditionFile
from registry.settings import PROJECT_ROOT

GENES_FILE = PROJECT_ROOT / "rules" / "genes.toml"

Symbol = Annotated[str, StringConstraints(pattern=GENE_SYMBOL.pattern)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class NotationEntry(BaseModel):
    """A locus the notice writes as one entry, and the genes it names."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    genes: tuple[Symbol, ...] = Field(min_length=2)
    source: Text
    note: str = ""


class SymbolEntry(BaseModel):
    """A gene as the notice writes it: its current HGNC symbol (if renamed) and other names admitted."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    current: Symbol | None = None
    aliases: tuple[Symbol, ...] = ()
    hgnc_id: Annotated[str, StringConstraints(pattern=r"^HGNC:[1-9][0-9]*$")] | None = None
    source: Text
    note: str = ""

    def names(self) -> tuple[str, ...]:
        return (self.current, *self.aliases) if self.current else self.aliases


class GenesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    notations: dict[Symbol, NotationEntry] = {}
    symbols: dict[Symbol, SymbolEntry] = {}


@dataclass(frozen=True)
class GeneNames:
    """Which names each notation admits; immutable, shared."""

    content: GenesFile

    def genes_of(self, notation: str) -> tuple[str, ...]:
        """The genes a notation names: a locus' genes, else the notation itself (one gene)."""
        entry = self.content.notations.get(notation)
        return entry.genes if entry else (notation,)

    def admitted(self, notation: str) -> list[str]:
        """Every name a panel may give for `notation`: the notation, its genes, and each gene's current
        symbol and aliases. Sorted, no repeats."""
        names = {notation}
        for gene in self.genes_of(notation):
            symbol = self.content.symbols.get(gene)
            names |= {gene, *(symbol.names() if symbol else ())}
        return sorted(names)


class GeneNamesError(ValueError):
    """rules/genes.toml cannot be used; the message names the file, key and reason of every problem."""


def _problems_between_entries(label: str, content: GenesFile) -> list[CatalogueProblem]:
    """What the schema alone cannot say: each name means one thing, and each entry says something."""
    problems: list[CatalogueProblem] = []

    def problem(where: str, reason: str) -> None:
        problems.append(CatalogueProblem(label, where, reason))

    for notation, locus in content.notations.items():
        where = f'notations."{notation}".genes'
        if len(set(locus.genes)) != len(locus.genes):
            problem(where, "lists a gene twice")
        for gene in locus.genes:
            if gene == notation or gene in content.notations:
                problem(where, f"'{gene}' is itself a notation; list the genes it names")
        if notation in content.symbols:
            problem(f"symbols.{notation}", "is also a notation of several genes; a name means one thing")
    owner: dict[str, str] = {}
    for symbol, entry in content.symbols.items():
        where = f"symbols.{symbol}"
        names = entry.names()
        if not names:
            problem(where, "names neither a current symbol nor an alias; leave the symbol out instead")
        if entry.current == symbol:
            problem(f"{where}.current", "is the symbol itself; write `current` only when HGNC renamed the gene")
        if len(set(names)) != len(names) or symbol in entry.aliases:
            problem(f"{where}.aliases", "repeats a name (the symbol, its current symbol or another alias)")
        for name in set(names) - {symbol}:
            if name in content.symbols or name in content.notations:
                problem(where, f"'{name}' is itself listed as a key; write the final symbol, one step")
            elif owner.setdefault(name, symbol) != symbol:
                problem(where, f"'{name}' is also admitted for {owner[name]}; a name must mean one gene")
    return problems


def _where_and_why(error: dict) -> tuple[str, str]:
    """A pydantic error as a reviewer reads it: the key path (a notation with '/' quoted, as in the file)
    and the reason, a refused name said as such rather than as a pattern."""
    where = ".".join(f'"{s}"' if isinstance(s, str) and "/" in s else str(s) for s in error["loc"])
    if error["type"] != "string_pattern_mismatch":
        return where, error["msg"]
    if error["loc"][-1] == "hgnc_id":
        return where, f"'{error['input']}' is not an HGNC id (HGNC:<number>)"
    return where, f"'{error['input']}' is not a gene symbol"


def _label(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def read_gene_names(path: Path = GENES_FILE) -> tuple[GeneNames | None, list[CatalogueProblem]]:
    """Read and check the gene-name file: the names, or every problem (file, key, reason)."""
    label = _label(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        content = GenesFile.model_validate(raw)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return None, [CatalogueProblem(label, "(file)", f"cannot be read as TOML: {exc}")]
    except ValidationError as exc:
        return None, [CatalogueProblem(label, *_where_and_why(err)) for err in exc.errors()]
    problems = _problems_between_entries(label, content)
    return (None if problems else GeneNames(content)), problems


@cache
def gene_names(path: Path = GENES_FILE) -> GeneNames:
    """The gene names, read and checked once per process; a broken file raises GeneNamesError."""
    names, problems = read_gene_names(path)
    if names is None:
        raise GeneNamesError("\n".join(str(p) for p in problems))
    return names


def check_against_editions(
    names: GeneNames, editions: Iterable[tuple[str, EditionFile]], *, every_edition: bool, file: Path = GENES_FILE
) -> list[CatalogueProblem]:
    """The gene-name file beside the catalogue: a '/' notation (never one HGNC symbol) must be listed
    under [notations]; with every edition at hand, each key must be a name some edition uses."""
    label = _label(file)
    problems: list[CatalogueProblem] = []
    used: set[str] = set()
    for file_name, edition in editions:
        for entry in edition.items:
            for notation in entry.restricted_genes:
                used |= {notation, *names.genes_of(notation)}
                if "/" in notation and notation not in names.content.notations:
                    problems.append(
                        CatalogueProblem(
                            file_name,
                            f"{entry.code}.restricted_genes",
                            f"'{notation}' names several genes: list them under [notations] in {label}",
                        )
                    )
    if every_edition:
        keys = [f'notations."{k}"' for k in names.content.notations if k not in used]
        keys += [f"symbols.{k}" for k in names.content.symbols if k not in used]
        problems += [CatalogueProblem(label, key, "is named by no edition's restricted_genes") for key in keys]
    return problems
