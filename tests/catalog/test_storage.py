"""Importing the reviewed files into the database, on SQLite and PostgreSQL."""

import shutil
from pathlib import Path

import pytest

from registry.catalog.files import read_catalogue_dir
from registry.catalog.queries import published_catalogue
from registry.catalog.service import CatalogueImportError, import_catalogue
from registry.catalog.tables import CatalogueEdition, CatalogueEntry, CatalogueItem
from tests.conftest import rules_path


async def counts() -> tuple[int, int, int]:
    return (await CatalogueItem.count(), await CatalogueEdition.count(), await CatalogueEntry.count())


async def test_second_import_changes_nothing(engine):
    before = await counts()
    report = await import_catalogue(rules_path("catalog"))
    assert report.imported == [] and len(report.unchanged) == 10
    assert await counts() == before == (119, 10, 821)


async def test_database_holds_exactly_what_the_files_say(engine):
    files = dict((e.version, e) for _, e in read_catalogue_dir(rules_path("catalog")).editions)
    catalogue = await published_catalogue()
    assert {e.version: e.content for e in catalogue.editions} == files


async def test_an_edited_published_edition_is_refused_and_nothing_is_written(engine, tmp_path: Path):
    catalog = tmp_path / "catalog"
    shutil.copytree(rules_path("catalog"), catalog)
    edited = catalog / "2016-06-30.toml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("체질량지수", "체질량 지수"), encoding="utf-8")
    (catalog / "2026-01-01.toml").write_text(
        (catalog / "2024-07-09.toml")
        .read_text(encoding="utf-8")
        .replace('version = "2024-07-09"', 'version = "2026-01-01"')
        .replace("effective_from = 2024-07-09", "effective_from = 2026-01-01"),
        encoding="utf-8",
    )
    before = await counts()
    with pytest.raises(CatalogueImportError) as caught:
        await import_catalogue(catalog)
    assert "edition 2016-06-30 is already published with other content" in str(caught.value)
    assert await counts() == before  # the valid new edition was not written either


async def test_invalid_files_are_refused_before_any_write(engine, tmp_path: Path):
    catalog = tmp_path / "catalog"
    shutil.copytree(rules_path("catalog"), catalog)
    (catalog / "2026-01-01.toml").write_text('version = "2026-01-01"\n', encoding="utf-8")
    before = await counts()
    with pytest.raises(CatalogueImportError) as caught:
        await import_catalogue(catalog)
    assert any(p.file == "2026-01-01.toml" for p in caught.value.problems)
    assert await counts() == before


async def test_database_rejects_an_item_twice_in_one_edition(engine):
    row = await CatalogueEntry.select().first()
    duplicate = {k: v for k, v in row.items() if k != "id"}
    with pytest.raises(Exception, match=r"(?i)unique"):
        await CatalogueEntry.insert(CatalogueEntry(**duplicate))
    assert await CatalogueEntry.count() == 821
