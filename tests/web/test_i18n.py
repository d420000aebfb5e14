"""The pages' words: every message in both languages, templates with no words of their own, and the
reader's language chosen by the toggle's cookie, then the browser, then Korean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar.connection import ASGIConnection

from registry.web.i18n import LANGUAGES, MessageError, Words, language_of, messages
from registry.web.routes import TEMPLATES_DIR

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_message_has_both_languages_with_the_same_placeholders():
    catalogue = messages()
    assert len(catalogue) > 30
    for key, texts in catalogue.items():
        assert set(texts) == set(LANGUAGES), key
        assert set(PLACEHOLDER.findall(texts["ko"])) == set(PLACEHOLDER.findall(texts["en"])), key
        assert re.search(r"[가-힣]", texts["ko"]), f"{key}: the Korean text has no Korean"
        assert not re.search(r"[가-힣]", texts["en"]), f"{key}: the English text has Korean"


def test_a_message_missing_a_language_or_defined_twice_is_refused(tmp_path: Path):
    (tmp_path / "a.toml").write_text('[x]\ny = { ko = "가" }\n', encoding="utf-8")
    with pytest.raises(MessageError, match=r"x\.y"):
        messages.__wrapped__(tmp_path)
    (tmp_path / "a.toml").write_text('[x]\ny = { ko = "가", en = "a" }\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[x]\ny = { ko = "나", en = "b" }\n', encoding="utf-8")
    with pytest.raises(MessageError, match="defined twice"):
        messages.__wrapped__(tmp_path)


def test_an_unknown_key_is_an_error_not_a_blank():
    with pytest.raises(MessageError):
        Words("ko")("no.such.message")


# Jinja statements, expressions and comments, then tags and entities: what is left is the template's own text.
_JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.DOTALL)
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>|&\w+;|&#\d+;", re.DOTALL)
# Words a template may write as they are: the other language's name on the toggle, and symbols.
_ALLOWED = {"English", "한국어"}


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*.html"))
)
def test_templates_write_no_words_of_their_own(template: str):
    source = (TEMPLATES_DIR / template).read_text(encoding="utf-8")
    text = _TAGS.sub(" ", _JINJA.sub(" ", source))
    words = [w for w in re.findall(r"[A-Za-z가-힣]{2,}", text) if w not in _ALLOWED]
    assert not words, f"{template} writes {words[:10]}: put them in registry/web/messages"


def _connection(headers: dict[str, str]) -> ASGIConnection:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return ASGIConnection({"type": "http", "headers": raw, "path": "/", "query_string": b""})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "ko"),
        ({"Accept-Language": "en-GB,en;q=0.9"}, "en"),
        ({"Accept-Language": "fr, en;q=0.5, ko;q=0.8"}, "ko"),
        ({"Accept-Language": "fr"}, "ko"),
        ({"Accept-Language": "en", "Cookie": "lang=ko"}, "ko"),
        ({"Cookie": "lang=en"}, "en"),
        ({"Cookie": "lang=xx", "Accept-Language": "en"}, "en"),
    ],
)
def test_the_language_is_the_cookie_then_the_browser_then_korean(headers, expected):
    assert language_of(_connection(headers)) == expected


def test_korean_data_on_a_page_is_marked_as_korean_and_escaped():
    from registry.web.pages import as_written

    assert str(as_written("김한빛")) == '<span lang="ko">김한빛</span>'
    assert str(as_written("Kim <b>")) == "Kim &lt;b&gt;"
    assert str(as_written(None)) == ""
    english = Words("en")("form.field_refused", reason=as_written("<서울>"))
    assert str(english) == 'Not accepted (<span lang="ko">&lt;서울&gt;</span>).'


def test_every_audited_action_has_words():
    """The console names audit events in words: every action the registry records has a message."""
    from registry.certification.applications import AUDIT_ACTIONS
    from registry.certification.model.certificates import EventKind
    from registry.settings import PROJECT_ROOT

    source = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "registry").rglob("*.py"))
    literal = set(re.findall(r'await record\(\s*[\w.]+,\s*"(\w+\.\w+)"', source))
    assert {"application.created", "provider.verified"} <= literal
    actions = literal | {f"certificate.{k.value}" for k in EventKind}
    actions |= {f"application.{v}" for v in AUDIT_ACTIONS.values()}
    words = Words("en")
    assert [a for a in sorted(actions) if words.event(a) == a] == []
    assert Words("ko").event("certificate.revoked") == "인증 취소" and words.event("no.such") == "no.such"
