"""The catalogue domain on the real reviewed files: which edition is in force, diffs, history, counts."""

import datetime as dt

import pytest

from registry.catalog.files import read_catalogue_dir
from registry.catalog.model import Catalogue, Category, EntryStatus, MinorsPolicy, diff_editions, is_gene_symbol
from tests.conftest import rules_path

D = dt.date.fromisoformat
ONE = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    files = read_catalogue_dir(rules_path("catalog"))
    assert files.ok, files.problems
    return Catalogue(e for _, e in files.editions)


# Announced totals and items known by name, per edition, as the public record gives them (rules/README.md).
EXPECTED = [
    ("2016-06-30", 12, 12),
    ("2020-02-17", 56, 56),
    ("2021-03-03", 70, 70),
    ("2022-12-30", 70, 70),
    ("2023-04-14", 81, 81),
    ("2023-06-29", 101, 85),
    ("2023-09-13", 129, 97),
    ("2023-12-21", 165, 113),
    ("2024-04-04", 181, 118),
    ("2024-07-09", 190, 118),
]


@pytest.mark.parametrize(("version", "announced", "known"), EXPECTED)
def test_announced_total_beside_items_known_by_name(catalogue, version, announced, known):
    edition = catalogue.get(version)
    assert edition.content.announced_total == announced
    assert edition.counts()["items_known"] == known
    assert edition.items_unnamed() == announced - known


def test_editions_cover_every_published_total(catalogue):
    assert [e.version for e in catalogue.editions] == [v for v, _, _ in EXPECTED]


@pytest.mark.parametrize("version", [v for v, _, _ in EXPECTED])
def test_in_force_on_every_boundary(catalogue, version):
    edition = catalogue.get(version)
    index = catalogue.editions.index(edition)
    assert catalogue.in_force(edition.effective_from).version == version
    previous = catalogue.editions[index - 1] if index else None
    day_before = edition.effective_from - ONE
    assert (catalogue.in_force(day_before) or None) == previous
    if edition.effective_until is not None:
        assert catalogue.in_force(edition.effective_until).version == version
        assert catalogue.in_force(edition.effective_until + ONE).version == catalogue.editions[index + 1].version
        assert edition.effective_until == catalogue.editions[index + 1].effective_from - ONE
    else:
        assert catalogue.in_force(D("2099-12-31")).version == version


def test_nothing_in_force_before_2016_06_30(catalogue):
    assert catalogue.in_force(D("2016-06-29")) is None
    assert catalogue.first().effective_from == D("2016-06-30")


def test_diff_2016_to_2020_withdraws_skin_elasticity_and_adds_45(catalogue):
    diff = diff_editions(catalogue.get("2016-06-30"), catalogue.get("2020-02-17"))
    assert [e.code for e in diff.withdrawn] == ["SKN-ELAST"]
    assert diff.withdrawn[0].status is EntryStatus.withdrawn
    assert len(diff.added) == 45
    assert all(e.status is EntryStatus.temporary for e in diff.added)
    renamed = {c.code: {f.field: (f.before, f.after) for f in c.changes} for c in diff.changed}
    assert renamed["SKN-HAIRLOSS"] == {
        "name_ko": ("탈모", "남성형 탈모"),
        "name_en": ("Hair loss", "Male-pattern hair loss"),
        "minors": (MinorsPolicy.permitted, MinorsPolicy.not_permitted),
    }
    # No minors restriction under the 2016 notice; the 2020 revision created it, for all 11 legacy items.
    assert all(c["minors"] == (MinorsPolicy.permitted, MinorsPolicy.not_permitted) for c in renamed.values())
    assert len(renamed) == 11


def test_diff_backwards_swaps_added_and_withdrawn(catalogue):
    diff = diff_editions(catalogue.get("2020-02-17"), catalogue.get("2016-06-30"))
    assert [e.code for e in diff.added] == ["SKN-ELAST"]
    assert len(diff.withdrawn) == 45


def test_diff_across_certification_start_reports_status_and_access_changes(catalogue):
    diff = diff_editions(catalogue.get("2021-03-03"), catalogue.get("2022-12-30"))
    assert diff.added == () and diff.withdrawn == ()
    fields = {c.code: {f.field for f in c.changes} for c in diff.changed}
    assert fields["NUT-VITD"] == {"status", "temporary_until"}
    assert fields["NUT-VITC"] == {"open_to_reported_until"}


def test_diff_when_legacy_open_mode_ended(catalogue):
    diff = diff_editions(catalogue.get("2023-12-21"), catalogue.get("2024-04-04"))
    assert {e.code for e in diff.added} == {
        "TRT-DIGIT",
        "TRT-UNIBROW",
        "TRT-EARLOBE",
        "HLT-POLLEN",
        "HLT-EGG",
    }
    legacy = {c.code for c in diff.changed}
    assert len(legacy) == 11
    change = next(c for c in diff.changed if c.code == "HLT-BMI")
    assert {f.field: f.after for f in change.changes}["open_to_reported"] is False


def test_diff_of_an_edition_with_itself_is_empty(catalogue):
    edition = catalogue.get("2023-09-13")
    diff = diff_editions(edition, edition)
    assert (diff.added, diff.withdrawn, diff.changed) == ((), (), ())


def test_item_history_of_skin_elasticity(catalogue):
    history = catalogue.item_history("SKN-ELAST")
    assert [(e.version, entry.status.value if entry else None) for e, entry in history[:3]] == [
        ("2016-06-30", "permitted"),
        ("2020-02-17", "withdrawn"),
        ("2021-03-03", None),
    ]


def test_item_history_starts_at_first_listing(catalogue):
    history = catalogue.item_history("HLT-POLLEN")
    assert [e.version for e, _ in history] == ["2024-04-04", "2024-07-09"]
    assert catalogue.item_history("NOPE-NOPE") == []


def test_last_reading_is_the_day_s_listing_else_the_newest_one(catalogue):
    assert catalogue.last_reading("SKN-ELAST", D("2016-07-01")).status is EntryStatus.permitted
    # Dropped after its withdrawal: it reads as the edition that withdrew it.
    assert catalogue.last_reading("SKN-ELAST", D("2024-01-01")).status is EntryStatus.withdrawn
    # Not yet listed on the day: as the newest edition lists it.
    assert catalogue.last_reading("HLT-POLLEN", D("2020-01-01")) == catalogue.get("2024-07-09").entry("HLT-POLLEN")
    assert catalogue.last_reading("NOPE-NOPE", D("2024-01-01")) is None


def test_counts_by_category_add_up_to_the_items_named(catalogue):
    for edition in catalogue.editions:
        counts = edition.counts_by_category()
        assert set(counts) == set(Category)
        assert sum(counts.values()) == edition.counts()["items_known"], edition.version
    first = catalogue.get("2016-06-30").counts_by_category()
    assert first[Category.skin_hair] == 5 and first[Category.exercise] == 0


def test_disease_like_items_carry_their_tier(catalogue):
    latest = catalogue.get("2024-07-09")
    disease_like = sorted(e.code for e in latest.content.items if e.tier.value == "disease_like")
    assert disease_like == [
        "HLT-BONESTR",
        "HLT-EGG",
        "HLT-HR",
        "HLT-MENOP",
        "HLT-POLLEN",
        "HLT-SMM",
        "SKN-FPHL",
    ]


def test_2016_items_have_the_46_gene_entries_of_the_notice(catalogue):
    first = catalogue.get("2016-06-30")
    entries = sum(len(e.restricted_genes) for e in first.content.items)
    # chr20p11 is named by its two markers; together with the genes they make the notice's 46.
    markers = sum(len(e.restricted_markers) for e in first.content.items)
    assert entries + markers == 46


@pytest.mark.parametrize(
    "symbol", ["VDR", "HLA-DQB1", "NKX2-1", "CDKN2A/B", "CYP1A1-CYP1A2", "C1orf112", "CXorf38", "C5orf66-AS1"]
)
def test_gene_symbols_hgnc_writes(symbol):
    assert is_gene_symbol(symbol)


@pytest.mark.parametrize("symbol", ["vdr", "Vdr", "fto gene", "Corf1", "C1orf", "orf1", "A-orf1", "HLA-", "-DQB1"])
def test_malformed_gene_symbols(symbol):
    assert not is_gene_symbol(symbol)


def test_listed_items_leave_out_the_withdrawn(catalogue):
    edition = catalogue.in_force(D("2020-02-17"))
    listed = edition.listed()
    assert listed and all(e.status is not EntryStatus.withdrawn for e in listed)
    assert len(listed) == edition.counts()["items_known"]
