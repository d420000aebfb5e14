"""The README's certification walkthrough, run as written: every command of its block, over HTTP, on a
registry holding the demo data `dtc-registry serve` loads. The test reads the block itself, so a step the
README gets wrong (a path, a body, a header, a field read with jq) fails here."""

from __future__ import annotations

import re
import shlex
from urllib.parse import urlsplit

from registry.catalog.service import import_catalogue
from registry.demo import load_demo
from registry.settings import PROJECT_ROOT
from tests.conftest import rules_path

README = PROJECT_ROOT / "README.md"
CAPTURE = re.compile(r"^(\w+)=\$\((.*)\)$", re.DOTALL)
ASSIGN = re.compile(r"^(\w+)=(\S+)$")


def walkthrough_commands() -> list[str]:
    """The commands of the README block after `<!-- walkthrough -->`, one string each (continued lines
    and multi-line quoted bodies joined, comments left out)."""
    text = README.read_text(encoding="utf-8").split("<!-- walkthrough -->", 1)[1]
    block = text.split("```sh\n", 1)[1].split("\n```", 1)[0].replace("\\\n", " ")
    commands, pending = [], ""
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending = f"{pending}\n{line}" if pending else line
        try:
            shlex.split(pending)
        except ValueError:  # a quoted body goes on on the next line
            continue
        commands.append(pending)
        pending = ""
    assert not pending, f"unterminated command: {pending}"
    return commands


def _expand(token: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$(\w+)", lambda m: variables[m.group(1)], token)


async def _curl(client, command: str, variables: dict[str, str]):
    tokens = [_expand(t, variables) for t in shlex.split(command)]
    assert tokens[0] == "curl", command
    method, headers, data, url = None, {}, None, None
    args = iter(tokens[1:])
    for arg in args:
        if arg == "-s":
            continue
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data = next(args)
        else:
            assert url is None and not arg.startswith("-"), f"unsupported curl argument {arg!r} in {command}"
            url = arg
    if data is not None and not any(k.lower() == "content-type" for k in headers):
        headers["content-type"] = "application/x-www-form-urlencoded"  # what curl -d sends
    parts = urlsplit(url)
    assert parts.netloc == "localhost:8000", url
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    method = method or ("POST" if data is not None else "GET")
    return await client.request(method, path, headers=headers, content=data.encode() if data else None)


def _jq(body: object, path: str) -> str:
    value = body
    for key in path.strip("'\"").lstrip(".").split("."):
        value = value[key] if isinstance(value, dict) else None
    assert value is not None, f"jq -r {path} gives null"
    return str(value)


async def run_walkthrough(client) -> list:
    """Run every command; each must succeed. Returns the responses of the curl commands, in order."""
    variables: dict[str, str] = {}
    responses = []
    for command in walkthrough_commands():
        captured = CAPTURE.match(command)
        if captured:
            curl, _, path = captured[2].partition("| jq -r ")
            r = await _curl(client, curl, variables)
            assert r.status_code < 400, (command, r.text)
            variables[captured[1]] = _jq(r.json(), path.strip())
        elif ASSIGN.match(command):
            name, value = ASSIGN.match(command).groups()
            variables[name] = _expand(value, variables)
            continue
        else:
            r = await _curl(client, command, variables)
            assert r.status_code < 400, (command, r.text)
        responses.append(r)
    return responses


def test_the_walkthrough_block_is_read_whole():
    commands = walkthrough_commands()
    assert commands[0].startswith("API=") and len(commands) >= 15
    assert all(c.startswith(("API=", "curl ")) or CAPTURE.match(c) for c in commands)


async def test_the_readme_walkthrough_runs_as_written(fresh_database, client_for):
    await import_catalogue(rules_path("catalog"))
    await load_demo(PROJECT_ROOT / "seeds")
    async with client_for(fresh_database) as client:
        responses = await run_walkthrough(client)
    dry_run = next(r for r in responses if "dry_run=true" in str(r.url))
    assert dry_run.headers["Dry-Run"] == "true" and dry_run.json()["valid"] is True
    queue = next(r for r in responses if "state=submitted" in str(r.url)).json()
    assert [(a["provider_name_en"], a["state"], a["item_count"]) for a in queue["data"]] == [
        ("Gaon Genomics", "submitted", 1)
    ]
    verified, found = responses[-2].json(), responses[-1].json()
    assert verified["result"] == "certified" and verified["provider_name_en"] == "Gaon Genomics"
    assert [i["code"] for i in verified["items"]] == ["NUT-VITD"]
    assert [p["name_en"] for p in found["data"]] == ["Gaon Genomics"] and found["data"][0]["status"] == "active"
