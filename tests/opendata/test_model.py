"""The open-data domain: one column dictionary for every dataset, file names, feed positions and the
sentences of every kind of certificate event."""

import datetime as dt

import pytest

from registry.certification.model import EventKind
from registry.opendata.model import (
    DATASETS,
    SOURCES,
    ColumnType,
    Position,
    Source,
    certificate_sentences,
    split_file_name,
)

PRIVATE = ("email", "phone", "business_number", "report_number", "representative", "address", "actor", "password")


def test_every_dataset_has_a_complete_dictionary_and_no_private_column():
    assert list(DATASETS) == [
        "providers",
        "certificates",
        "certificate-items",
        "catalog-items",
        "catalog-history",
        "status-changes",
    ]
    for name, dataset in DATASETS.items():
        names = [c.name for c in dataset.columns]
        assert len(names) == len(set(names)), name
        assert dataset.title_ko and dataset.title_en
        for column in dataset.columns:
            assert isinstance(column.type, ColumnType)
            assert column.ko.strip() and column.en.strip(), (name, column.name)
            assert not any(word in column.name for word in PRIVATE), (name, column.name)


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("providers.csv", ("providers", "csv")),
        ("catalog-history.parquet", ("catalog-history", "parquet")),
        ("a.b.json", ("a.b", "json")),
        ("providers", None),
        (".csv", None),
    ],
)
def test_file_names_split_at_the_last_dot(name, parts):
    assert split_file_name(name) == parts


def test_a_position_reads_back_only_what_it_wrote():
    start = Position()
    moved = start.moved(Source.edition, 7).moved(Source.certified_item, 3)
    assert moved.after(Source.edition) == 7 and moved.after(Source.certificate_event) == 0
    assert Position.parse(moved.key(), 2**31 - 1) == moved
    for bad in ("", "1.2", "1.2.3.4", "a.b.c", "-1.0.0", "1.0.99999999999", " 1.0.0", "³.0.0"):
        assert Position.parse(bad, 2**31 - 1) is None, bad
    assert Position.parse("2147483648.0.0", 2**31 - 1) is None
    assert len(SOURCES) == 3


def test_every_certificate_event_kind_has_a_sentence_in_both_languages():
    event = {
        "effective_date": dt.date(2024, 5, 20),
        "ends_on": dt.date(2024, 11, 19),
        "valid_until": dt.date(2027, 12, 29),
        "items": ["NUT-VITD", "EXE-STR"],
        "ground": 2,
        "outcome": "held",
        "amount": 15_000_000,
    }
    for kind in EventKind:
        en, ko = certificate_sentences(kind.value, "DTC-2024-0001", ("Lab Genomics", "랩 유전체"), event)
        assert "DTC-2024-0001" in en and "DTC-2024-0001" in ko
        assert "Lab Genomics" in en and "랩 유전체" in ko
        assert "2024-05-20" in en and "2024-05-20" in ko
    en, ko = certificate_sentences("surcharged", "N", ("A", "가"), event)
    assert "KRW 15,000,000" in en and "15,000,000원" in ko


def test_the_documentation_lists_every_column_of_every_dataset_in_order():
    from registry.settings import PROJECT_ROOT

    rows = {}
    for line in (PROJECT_ROOT / "docs" / "open-data.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].strip("`") in DATASETS:
            rows[cells[0].strip("`")] = [c.strip() for c in cells[2].split(",")]
    assert rows == {name: [c.name for c in dataset.columns] for name, dataset in DATASETS.items()}
