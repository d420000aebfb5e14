"""The pages' stylesheet and script, as base.html links them: with the version that renews cached copies."""

from __future__ import annotations

import re


async def test_every_asset_the_layout_links_is_served_with_its_version(client):
    page = await client.get("/")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert any("?v=" in a for a in assets), assets
    for asset in assets:
        r = await client.get(asset)
        assert r.status_code == 200, (asset, r.status_code)
        assert "max-age=3600" in r.headers["cache-control"]


async def test_a_static_file_refuses_any_other_query_parameter(client):
    assert (await client.get("/static/site.css?x=1")).status_code == 400
