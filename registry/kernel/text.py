"""Text as people type it: one normalisation for every search, so that the same words match whatever
keyboard, input method or spacing wrote them.

`search_key` folds a text to the form searches compare: Unicode NFKC (full-width letters and digits
become ASCII, compatibility jamo and decomposed Hangul (NFD, as some systems send it) become the
composed syllables), then case folding (`Vitamin` and `VITAMIN` agree, and so do `ß` and `ss`), then
every space, punctuation mark or symbol is dropped, so that "비타민 D", "비타민D" and "vitamin-d" compare by
their letters and digits alone."""

from __future__ import annotations

import unicodedata

# Categories dropped from a search key: separators, punctuation, symbols, controls and format marks.
_DROPPED = ("Z", "P", "S", "C")


def search_key(text: str) -> str:
    """The text folded for comparison: NFKC, case-folded, letters, marks and digits only."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Case folding can leave a decomposed sequence; compose again so that Hangul stays syllables.
    folded = unicodedata.normalize("NFC", folded)
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(_DROPPED))


def matches(needle_key: str, *texts: str) -> bool:
    """Whether a folded needle (`search_key` of what was typed) occurs in any of the texts."""
    return bool(needle_key) and any(needle_key in search_key(t) for t in texts if t)


def search_keys(*texts: str) -> str:
    """Several texts folded for search (`search_key`), joined by a space: a search key never holds one, so a
    needle found in the joined keys with `like_pattern` lies within one text, never across two."""
    return " ".join(search_key(t) for t in texts)


def like_pattern(needle_key: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') finding `needle_key` anywhere in a stored search key. A search key
    holds no punctuation, so no wildcard; they are escaped all the same, should one ever get through."""
    escaped = needle_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
