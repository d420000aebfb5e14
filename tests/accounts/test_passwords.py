"""The password rule: long enough, not the account's own e-mail or name, not a common password nor one
dressed up; refusals name the field and the reason. The demo accounts and the tests' password pass it."""

import tomllib

import pytest

from registry.accounts.model import common_passwords, password_problem
from registry.providers import urls
from registry.settings import PROJECT_ROOT
from tests.workflow import PASSWORD, business_number, unique


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 12 characters"),
        ("x" * 257, "at most 256 characters"),
        ("kim@lab.example", "e-mail address"),
        ("my kim@lab.example pw", "e-mail address"),
        ("Kim Reviewer rocks", "display name"),
        ("Password2026!", "too common"),
        ("passwordpassword", "too common"),
        ("qwertyuiop12", "too common"),
        ("iloveyou1234", "too common"),
        ("111111111111", "too common"),
        ("abcabcabcabc", "too common"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, reason):
    assert reason in (password_problem(password, "kim@lab.example", "Kim Reviewer") or "")


def test_the_list_ships_with_the_package_and_good_passwords_pass():
    common = common_passwords()
    assert len(common) >= 9_900 and {"password", "123456", "qwerty"} <= common
    assert password_problem(PASSWORD, "kim@lab.example", "Kim Reviewer") is None
    assert password_problem("tangerine orbit ledger 7", "kim@lab.example", "Kim") is None


def test_demo_accounts_pass_the_rule():
    demo = tomllib.loads((PROJECT_ROOT / "seeds" / "demo" / "accounts.toml").read_text(encoding="utf-8"))
    for user in demo["users"]:
        assert password_problem(user["password"], user["email"], user["display_name"]) is None, user["email"]


async def test_registration_names_the_password_field_and_why(client):
    body = {
        "organisation": {
            "name_ko": "가나",
            "name_en": "Gana",
            "business_number": business_number(),
            "contact_email": "o@gana.example",
        },
        "user": {"email": f"{unique('pw')}@gana.example", "display_name": "G", "password": "Password2026!"},
    }
    r = await client.post(urls.REGISTER, json=body)
    assert r.status_code == 422 and r.json()["code"] == "INVALID_BODY"
    errors = {e["field"]: e["reason"] for e in r.json()["errors"]}
    assert "too common" in errors["user.password"]
