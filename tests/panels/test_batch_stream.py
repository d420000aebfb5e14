"""A CSV batch upload read and answered chunk by chunk: chunks of whole panels give the answer of one
pass, a bad header is a problem document before any output, a bad row met later ends the answer with
an `error` row, and a chunk never holds more than its size (what bounds a worker's memory)."""

import io

import polars as pl
import pytest

from registry.panels import batch as batching
from registry.panels import urls
from tests.workflow import certify, make_staff, register_lab


async def pieces(data: bytes, size: int):
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def blocks_of(data: bytes, chunk: int, piece: int) -> list[tuple[bytes, bool]]:
    return [block async for block in batching.csv_blocks(pieces(data, piece), chunk)]


def test_a_record_ends_at_a_newline_outside_quotes():
    data = b'panel_id,code,claims\nA,X,"one\nline"\nB,Y,\n'
    assert batching.first_record_end(data) == len(b"panel_id,code,claims\n")
    assert batching.record_end(data) == len(data)
    assert batching.record_end(data, len(data) - 1) == len(b'panel_id,code,claims\nA,X,"one\nline"\n')
    assert batching.record_end(data, 30) == len(b"panel_id,code,claims\n")  # not inside the quoted cell
    assert batching.record_end(b'A,"no end\n') == 0


@pytest.mark.parametrize("piece", [1, 7, 4096])
async def test_blocks_are_whole_records_no_larger_than_a_chunk(piece):
    rows = "".join(f'P{i // 3},NUT-VITD,"claim {i}\nsecond line"\n' for i in range(200))
    data = ("panel_id,code,claims\n" + rows).encode()
    blocks = await blocks_of(data, 256, piece)
    assert blocks[0] == (b"panel_id,code,claims\n", False)
    assert [last for _, last in blocks] == [False] * (len(blocks) - 1) + [True]
    assert b"".join(block for block, _ in blocks) == data  # nothing lost, nothing repeated
    assert len(blocks) > 10 and all(len(block) <= 256 for block, _ in blocks)  # the memory bound
    for block, _ in blocks[1:]:
        assert pl.read_csv(blocks[0][0] + block).height == block.count(b'"') // 2  # whole records only


async def test_a_header_or_a_row_too_long_is_refused_before_more_is_read():
    with pytest.raises(batching.BatchError, match="no header row"):
        await blocks_of(b"x" * (batching.MAX_HEADER_BYTES + 10), 256, 1024)
    with pytest.raises(batching.BatchError, match="row longer than 256"):
        await blocks_of(b"panel_id,code\n" + b"A," + b"x" * 600 + b"\n", 256, 100)


def upload(n: int) -> bytes:
    """n panels of two or three rows, some permitted, some not, one with a claim."""
    rows = []
    for i in range(n):
        rows.append({"panel_id": f"P{i:03}", "code": "NUT-VITD", "genes": "VDR", "claims": ""})
        if i % 2:
            rows.append({"panel_id": f"P{i:03}", "code": "SKN-ELAST", "genes": "MMP1", "claims": ""})
        if i % 7 == 0:
            rows.append({"panel_id": f"P{i:03}", "code": "NUT-VITD", "genes": "VDR", "claims": "cures hair loss"})
    return pl.DataFrame(rows).write_csv().encode()


async def post(client, lab, data: bytes):
    return await client.post(urls.BATCH, content=data, headers={**lab.headers, "Content-Type": "text/csv"})


async def test_chunks_answer_as_one_small_upload(client, monkeypatch):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    data = upload(60)
    whole = await post(client, lab, data)
    assert whole.status_code == 200, whole.text
    assert whole.headers["x-panels"] == "60" and whole.headers["x-rows"] == str(data.count(b"\n") - 1)
    monkeypatch.setattr(batching, "STREAM_CHUNK_BYTES", 200)  # a dozen rows a chunk
    chunked = await post(client, lab, data)
    assert chunked.status_code == 200, chunked.text
    assert chunked.content == whole.content  # the same rows, in the same order
    assert "x-panels" not in chunked.headers  # not known when the answer starts
    out = pl.read_csv(io.BytesIO(chunked.content))
    assert out["panel_id"].n_unique() == 60 and set(out["verdict"]) == {"permitted", "not_permitted"}


async def test_a_bad_header_is_a_problem_before_any_output(client, monkeypatch):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    monkeypatch.setattr(batching, "STREAM_CHUNK_BYTES", 200)
    data = upload(40).replace(b"panel_id,", b"panel,", 1)
    r = await post(client, lab, data)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "panel_id"
    bad_first = upload(40).replace(b"P001,NUT-VITD", b"P001,", 1)  # in the first chunk: still a problem
    r = await post(client, lab, bad_first)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code" and "row 3" in r.json()["detail"]


async def test_a_bad_row_later_ends_the_answer_with_an_error_row(client, monkeypatch):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    await certify(client, staff, lab, ["NUT-VITD"])
    monkeypatch.setattr(batching, "STREAM_CHUNK_BYTES", 200)
    good = upload(40)
    lines = good.splitlines(keepends=True)
    panel, _, rest = lines[50].split(b",", 2)
    bad = b"".join([*lines[:50], panel + b",," + rest, *lines[51:]])  # row 50 without its code
    r = await post(client, lab, bad)
    assert r.status_code == 200
    out = pl.read_csv(io.BytesIO(r.content), infer_schema=False)
    last = out.row(-1, named=True)
    assert last["verdict"] == "error" and last["code"] == "INVALID_BODY.batch" and last["severity"] == "error"
    assert "code" in last["message_en"] and "row 50" in last["message_en"] and last["message_ko"]
    answered = out.head(-1)
    assert 0 < answered["panel_id"].n_unique() < 40 and "error" not in set(answered["verdict"])
    expected = pl.read_csv(io.BytesIO((await post(client, lab, good)).content), infer_schema=False)
    assert answered.equals(expected.head(answered.height))  # the panels before it, answered in full

    # A panel whose rows reappear after other panels' rows, in another chunk: named in the error row.
    scattered = b"".join([*lines, lines[1]])
    out = pl.read_csv(io.BytesIO((await post(client, lab, scattered)).content), infer_schema=False)
    last = out.row(-1, named=True)
    assert last["verdict"] == "error" and last["panel_id"] == "P000" and "reappears" in last["message_en"]


async def test_another_providers_row_later_ends_the_answer_with_an_error_row(client, monkeypatch):
    staff = await make_staff(client)
    lab = await register_lab(client, staff)
    other = await register_lab(client, staff)
    monkeypatch.setattr(batching, "STREAM_CHUNK_BYTES", 200)
    rows = pl.read_csv(io.BytesIO(upload(40)), infer_schema=False).with_columns(
        provider_id=pl.when(pl.int_range(pl.len()) == 60)
        .then(pl.lit(str(other.provider_id)))
        .otherwise(pl.lit(str(lab.provider_id)))
    )
    r = await post(client, lab, rows.write_csv().encode())
    assert r.status_code == 200
    out = pl.read_csv(io.BytesIO(r.content), infer_schema=False)
    assert out.row(-1, named=True)["code"] == "ROLE_NOT_ALLOWED.own_panels"
    assert out.row(-1, named=True)["verdict"] == "error" and out.height > 1
