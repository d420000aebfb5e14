"""The pages' two languages: which one a request reads in, and every visible word in both.

The words live in `messages/*.toml`, one file per part of the site. A message is a table with exactly
the keys `ko` and `en`; tables nest, and a message's key is its dotted path (`nav.search`). Loading
refuses a message missing a language or a key defined twice, so a page can never show half a
translation; asking for an unknown key is an error, never a silent blank.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from litestar.connection import ASGIConnection
from markupsafe import Markup

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"
LANGUAGE_COOKIE = "lang"
MESSAGES_DIR = Path(__file__).parent / "messages"


class MessageError(ValueError):
    pass


def _flatten(table: dict[str, Any], prefix: str, source: str, into: dict[str, dict[str, str]]) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if not isinstance(value, dict):
            raise MessageError(f"{source}: {key} is not a table with ko and en")
        if set(value) == set(LANGUAGES) and all(isinstance(v, str) for v in value.values()):
            if key in into:
                raise MessageError(f"{source}: {key} is defined twice")
            if not all(v.strip() for v in value.values()):
                raise MessageError(f"{source}: {key} has an empty translation")
            into[key] = value
        elif any(lang in value for lang in LANGUAGES) and not any(isinstance(value[lang], dict) for lang in value):
            raise MessageError(f"{source}: {key} needs exactly ko and en, has {sorted(value)}")
        else:
            _flatten(value, key + ".", source, into)


@cache
def messages(directory: Path = MESSAGES_DIR) -> dict[str, dict[str, str]]:
    """Every message of the site: key -> {"ko": ..., "en": ...}."""
    into: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.toml")):
        _flatten(tomllib.loads(path.read_text(encoding="utf-8")), "", path.name, into)
    return into


def _accepted(header: str) -> str | None:
    """The first of our languages in an Accept-Language header, by quality then order."""
    best: tuple[float, int, str] | None = None
    for order, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        if lang not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and (best is None or (-q, order) < (best[0], best[1])):
            best = (-q, order, lang)
    return best[2] if best else None


def language_of(connection: ASGIConnection) -> str:
    """The reader's language: the toggle's cookie, else the browser's Accept-Language, else Korean."""
    chosen = connection.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return _accepted(connection.headers.get("accept-language", "")) or DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Words:
    """The site's words in one language; templates call it as `t("key", name=...)`."""

    lang: str

    def __call__(self, key: str, /, **params: Any) -> str:
        try:
            text = messages()[key][self.lang]
        except KeyError:
            raise MessageError(f"no message {key!r}") from None
        if any(isinstance(v, Markup) for v in params.values()):  # marked-up data (a value's language) stays marked
            return Markup.escape(text).format(**params)
        return text.format(**params) if params else text

    def event(self, action: str) -> str:
        """An audit event's action code in words (`audit_event.<code>`); a code without words as it is."""
        key = f"audit_event.{action}"
        return self(key) if key in messages() else action

    def pick(self, ko: str | None, en: str | None) -> str:
        """Of a pair the data holds in both languages, the reader's (the other when one is missing)."""
        first, second = (ko, en) if self.lang == "ko" else (en, ko)
        return first or second or ""

    @property
    def other(self) -> str:
        return "en" if self.lang == "ko" else "ko"
