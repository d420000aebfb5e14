"""rules/genes.toml: which names each gene entry of the 2016 notice admits, and the checks on the file
(every problem names the file, the key and the reason)."""

from pathlib import Path

import pytest

from registry.catalog.files import read_catalogue_dir
from registry.panels.genes import (
    GENES_FILE,
    GeneNamesError,
    check_against_editions,
    gene_names,
    read_gene_names,
)
from tests.conftest import rules_path

EDITIONS = read_catalogue_dir(rules_path("catalog")).editions
SOURCE = 'source = "test"'


def test_the_reviewed_file_reads_cleanly_and_every_key_is_used():
    names, problems = read_gene_names()
    assert problems == [] and names is not None
    assert check_against_editions(names, EDITIONS, every_edition=True) == []


@pytest.mark.parametrize(
    ("notation", "admitted"),
    [
        ("HLA-DQB1", ["HLA-DQB1"]),
        ("CYP1A1-CYP1A2", ["CYP1A1", "CYP1A1-CYP1A2", "CYP1A2"]),
        ("CDKN2A/B", ["CDKN2A", "CDKN2A/B", "CDKN2B"]),
        ("DGKB-TMEM195", ["AGMO", "DGKB", "DGKB-TMEM195", "TMEM195"]),
        ("GUCY1A3", ["GUCY1A1", "GUCY1A3"]),
        ("SLC23A1", ["SLC23A1", "SVCT1"]),
        ("FTO", ["FTO"]),
    ],
)
def test_names_each_notation_admits(notation, admitted):
    assert gene_names().admitted(notation) == admitted


def test_every_notice_gene_is_admitted_under_its_current_symbol():
    """The three renames and the alias reach every edition that lists the legacy items."""
    legacy = [e for _, ed in EDITIONS for e in ed.items if e.open_to_reported]
    glucose = {n for e in legacy if e.code == "HLT-GLU" for g in e.restricted_genes for n in gene_names().admitted(g)}
    assert {"AGMO", "TMEM195", "CDKN2B"} <= glucose and "HLA" not in glucose


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "genes.toml"
    path.write_text(text, encoding="utf-8")
    names, problems = read_gene_names(path)
    assert (names is None) == bool(problems)
    return [str(p).removeprefix(f"{path}: ") for p in problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("genes = [", "(file): cannot be read as TOML"),
        (f'[notations."CDKN2A/B"]\ngenes = ["CDKN2A", "cdkn2b", "CDKN2C"]\n{SOURCE}', 'notations."CDKN2A/B".genes.1: \'cdkn2b\' is not a gene symbol'),
        (f'[notations."CDKN2A/B"]\ngenes = ["CDKN2A"]\n{SOURCE}', '"CDKN2A/B".genes: Tuple should have at least 2'),
        ('[notations."CDKN2A/B"]\ngenes = ["CDKN2A", "CDKN2B"]', 'notations."CDKN2A/B".source: Field required'),
        ('[notations."CDKN2A/B"]\ngenes = ["CDKN2A", "CDKN2B"]\nsource = "  "', '"CDKN2A/B".source: String should'),
        (f'[notations."X-Y"]\ngenes = ["X", "X"]\n{SOURCE}', 'notations."X-Y".genes: lists a gene twice'),
        (f'[notations."X-Y"]\ngenes = ["X", "X-Y"]\n{SOURCE}', "'X-Y' is itself a notation"),
        (f"[symbols.GUCY1A3]\ncurrent = 'GUCY1A1'\nfrom = 'x'\n{SOURCE}", "symbols.GUCY1A3.from: Extra inputs"),
        (f"[symbols.GUCY1A3]\n{SOURCE}", "symbols.GUCY1A3: names neither a current symbol nor an alias"),
        (f"[symbols.GUCY1A3]\ncurrent = 'GUCY1A3'\n{SOURCE}", "symbols.GUCY1A3.current: is the symbol itself"),
        (f"[symbols.A]\naliases = ['B', 'B']\n{SOURCE}", "symbols.A.aliases: repeats a name"),
        (f"[symbols.A]\ncurrent = 'B'\n{SOURCE}\n[symbols.B]\ncurrent = 'C'\n{SOURCE}", "'B' is itself listed as a key"),
        (f"[symbols.A]\naliases = ['Z']\n{SOURCE}\n[symbols.B]\naliases = ['Z']\n{SOURCE}", "'Z' is also admitted for A"),
        (f"[symbols.A]\ncurrent = 'B'\nhgnc_id = '4685'\n{SOURCE}", "symbols.A.hgnc_id: '4685' is not an HGNC id"),
        (f"[symbols.vdr]\ncurrent = 'VDR'\n{SOURCE}", "symbols.vdr.[key]: 'vdr' is not a gene symbol"),
        (f'[symbols."X-Y"]\ncurrent = "Z"\n{SOURCE}\n[notations."X-Y"]\ngenes = ["X", "Y"]\n{SOURCE}',
         "symbols.X-Y: is also a notation of several genes"),
        ("[genes]\n", "genes: Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_each_problem_names_the_key_and_the_reason(tmp_path, text, expected):
    found = problems_of(tmp_path, text)
    assert len(found) == 1 and expected in found[0], found


def test_a_broken_file_stops_the_loader_naming_file_and_key(tmp_path):
    path = tmp_path / "genes.toml"
    path.write_text(f"[symbols.GUCY1A3]\ncurrent = 'gucy1a1'\n{SOURCE}", encoding="utf-8")
    with pytest.raises(GeneNamesError, match=r"genes\.toml: symbols\.GUCY1A3\.current: 'gucy1a1' is not a gene symbol"):
        gene_names(path)


def test_the_file_beside_the_catalogue(tmp_path):
    path = tmp_path / "genes.toml"
    path.write_text(f"[symbols.NOTINLIST]\ncurrent = 'OTHER'\n{SOURCE}", encoding="utf-8")
    names, _ = read_gene_names(path)
    found = [str(p) for p in check_against_editions(names, EDITIONS, every_edition=True, file=path)]
    assert f"{path}: symbols.NOTINLIST: is named by no edition's restricted_genes" in found
    assert "2016-06-30.toml: HLT-GLU.restricted_genes: 'CDKN2A/B' names several genes: list them under " in (
        " ".join(found)
    )
    # One edition alone cannot tell an unused key.
    one = check_against_editions(names, EDITIONS[:1], every_edition=False, file=path)
    assert [p.where for p in one] == ["HLT-GLU.restricted_genes"]


def test_the_default_file_is_the_reviewed_one():
    assert GENES_FILE == rules_path("genes.toml")
