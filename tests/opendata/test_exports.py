"""The exports over HTTP: the manifest describes every file exactly (rows, bytes, SHA-256, columns), each
format is what it says, conditional GET answers 304, files are written once per data revision and again
after a change, unknown names are a 404 naming what exists, and nothing private leaves the registry."""

import hashlib
import io
import json

import polars as pl

from registry.opendata import urls
from registry.opendata.exports import POLARS_TYPES
from registry.opendata.model import DATASETS, FORMATS
from tests.workflow import assert_problem, certify, make_staff, register_lab, suspend_today


async def _manifest(client) -> dict:
    r = await client.get(urls.MANIFEST)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def _file(manifest: dict, dataset: str, fmt: str) -> dict:
    files = {(f["dataset"], f["format"]): f for d in manifest["datasets"] for f in d["files"]}
    return files[(dataset, fmt)]


async def test_the_manifest_describes_every_file_exactly(client):
    staff = await make_staff(client)
    await certify(client, staff, await register_lab(client, staff), ["NUT-VITD", "EXE-STR"])
    manifest = await _manifest(client)
    assert [d["name"] for d in manifest["datasets"]] == list(DATASETS)
    for described in manifest["datasets"]:
        dataset = DATASETS[described["name"]]
        assert [(c["name"], c["type"], c["meaning_ko"], c["meaning_en"]) for c in described["columns"]] == [
            (c.name, c.type.value, c.ko, c.en) for c in dataset.columns
        ]
        names = [c.name for c in dataset.columns]
        assert [f["format"] for f in described["files"]] == list(FORMATS)
        for entry in described["files"]:
            r = await client.get(entry["url"])
            assert r.status_code == 200, r.text
            body = r.content
            assert len(body) == entry["bytes"] and hashlib.sha256(body).hexdigest() == entry["sha256"]
            assert r.headers["etag"] == f'"{entry["sha256"]}"'
            assert r.headers["content-type"].split(";")[0] == entry["media_type"].split(";")[0]
            assert r.headers["content-disposition"] == f'attachment; filename="{dataset.name}.{entry["format"]}"'
            assert entry["rows"] == described["rows"]
            if entry["format"] == "csv":
                assert r.headers["content-type"] == "text/csv; charset=utf-8"
                data = pl.read_csv(io.BytesIO(body), infer_schema=False)
                assert body.decode("utf-8").splitlines()[0] == ",".join(names)
            elif entry["format"] == "json":
                rows = json.loads(body)
                assert isinstance(rows, list) and all(list(row) == names for row in rows)
                data = pl.DataFrame(rows, schema={n: pl.String for n in names}, strict=False) if rows else None
            else:
                data = pl.read_parquet(io.BytesIO(body))
                assert dict(data.schema) == {c.name: POLARS_TYPES[c.type] for c in dataset.columns}
            assert (data.height if data is not None else 0) == entry["rows"]
    certificates = pl.read_csv(
        io.BytesIO((await client.get(urls.export("certificates.csv"))).content), try_parse_dates=True
    )
    assert certificates.height >= 1 and certificates["valid_from"].dtype == pl.Date  # ISO dates read as dates


async def test_a_current_etag_answers_304_and_a_stale_one_the_file(client):
    manifest = await _manifest(client)
    entry = _file(manifest, "catalog-history", "parquet")
    tag = f'"{entry["sha256"]}"'
    for header in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        r = await client.get(entry["url"], headers={"If-None-Match": header})
        assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == tag, header
    r = await client.get(entry["url"], headers={"If-None-Match": '"stale"'})
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == entry["sha256"]
    m = await client.get(urls.MANIFEST)
    assert (await client.get(urls.MANIFEST, headers={"If-None-Match": m.headers["etag"]})).status_code == 304


async def test_files_are_written_once_per_revision_and_again_after_a_change(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    first = await _manifest(client)
    again = await _manifest(client)
    assert again == first, "nothing changed: the same files, written at the same time"
    number = await certify(client, staff, lab, ["NUT-VITD"])
    after = await _manifest(client)
    before_file, after_file = _file(first, "certificates", "csv"), _file(after, "certificates", "csv")
    assert after_file["sha256"] != before_file["sha256"] and after_file["rows"] == before_file["rows"] + 1
    text = (await client.get(urls.export("certificates.csv"))).text
    assert number in text
    r = await suspend_today(client, staff, number)
    assert r.status_code == 200, r.text
    rows = json.loads((await client.get(urls.export("certificates.json"))).content)
    mine = next(row for row in rows if row["certificate_number"] == number)
    assert mine["status"] == "suspended" and mine["certified"] is False and mine["status_reason"] == "EQA failure"


async def test_an_unknown_dataset_or_format_is_a_404_naming_what_exists(client):
    body = assert_problem(await client.get(urls.export("labs.csv")), 404, "EXPORT_NOT_FOUND")
    assert all(name in body["detail"] and name in body["detail_ko"] for name in DATASETS)
    for name in ("providers.xlsx", "providers", "providers."):
        body = assert_problem(await client.get(urls.export(name)), 404, "EXPORT_NOT_FOUND")
        assert all(fmt in body["detail"] for fmt in FORMATS), name
    assert_problem(await client.get(urls.MANIFEST, params={"format": "csv"}), 400, "UNKNOWN_PARAMETER")


async def test_nothing_private_is_exported(client):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    number = await certify(client, staff, lab, ["NUT-VITD"])
    assert (await suspend_today(client, staff, number)).status_code == 200
    manifest = await _manifest(client)
    for described in manifest["datasets"]:
        for entry in described["files"]:
            if entry["format"] == "parquet":
                continue
            text = (await client.get(entry["url"])).text
            for private in ("@lab.example", "@staff.example", "Regulator", "business_number", "password"):
                assert private not in text, (entry["url"], private)


async def test_the_contract_documents_each_media_type_and_the_304(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    export = paths[urls.EXPORT.replace(":str", "")]["get"]["responses"]
    assert set(export["200"]["content"]) == {f.media_type.split(";")[0] for f in FORMATS.values()}
    assert {"ETag", "Content-Disposition"} <= set(export["200"]["headers"]) and "304" in export
    assert "304" in paths[urls.MANIFEST]["get"]["responses"]
    assert set(paths[urls.FEED]["get"]["responses"]["200"]["content"]) == {"application/atom+xml"}
