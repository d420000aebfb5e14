"""A search key's LIKE pattern: what was typed is matched literally, wherever it occurs."""

from registry.kernel.text import like_pattern, search_key


def test_a_like_pattern_takes_wildcards_and_the_escape_literally():
    assert like_pattern("vitd") == "%vitd%"
    assert like_pattern("a%b_c\\") == "%a\\%b\\_c\\\\%"


def test_a_search_key_never_holds_what_like_reads_as_a_wildcard():
    assert search_key("100% Lab_one \\ 비타민 D") == "100labone비타민d"
