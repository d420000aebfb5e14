"""The certification history import and the demo seed on a database of their own; production refuses to
start on the development secret or with the demo accounts."""

from registry.accounts import urls as accounts_urls
from registry.certification import urls
from tests.conftest import Database
from tests.workflow import sign_in


async def test_history_import_demo_seed_and_production_refusal(fresh_database: Database, client_for):
    from registry.catalog.service import import_catalogue
    from registry.demo import load_demo
    from registry.settings import PROJECT_ROOT

    await import_catalogue(PROJECT_ROOT / "rules" / "catalog")
    said = await load_demo(PROJECT_ROOT / "seeds")
    assert any("DTC-2022-0002" in line for line in said)
    assert await load_demo(PROJECT_ROOT / "seeds") == []  # idempotent
    async with client_for(fresh_database) as client:

        async def on(number, day):
            return (await client.get(f"{urls.certificate(number)}?as_of={day}")).json()

        assert (await on("DTC-P2020-0001", "2021-06-01"))["result"] == "certified"
        assert (await on("DTC-2022-0002", "2024-06-01"))["status"] == "suspended"
        assert (await on("DTC-2022-0002", "2024-09-01"))["status"] == "active"
        assert (await on("DTC-2022-0002", "2026-01-10"))["status"] == "expired"
        hanbit = await on("DTC-2022-0001", "2026-11-25")
        assert hanbit["result"] == "certified" and hanbit["valid_until"] == "2028-12-29"
        assert "SKN-KELOID" not in {i["code"] for i in (await on("DTC-2022-0001", "2023-04-13"))["items"]}
        assert "SKN-KELOID" in {i["code"] for i in (await on("DTC-2022-0001", "2023-04-14"))["items"]}
        headers = await sign_in(client, "lab@hanbit.example", "demo-hanbit-2026")
        assert (await client.get(accounts_urls.ME, headers=headers)).json()["role"] == "provider"

    # Production refuses the development secret, and demo accounts.
    from registry.app import UnsafeProductionSettings

    for secret in ("", "kQ3v9-Zt_fW2LbX7pN0aRj5cYh8uE1sD4mGi6oTq"):
        try:
            async with client_for(
                fresh_database, environment="production", **({"secret_key": secret} if secret else {})
            ):
                raise AssertionError("production started with unsafe settings")
        except UnsafeProductionSettings as exc:
            assert "demo accounts" in str(exc)
            assert ("REGISTRY_SECRET_KEY" in str(exc)) == (not secret)
