"""A search key's LIKE pattern: what was typed is matched literally, wherever it occurs."""

from registry.kernel.text import like_pattern, search_key, search_keys


def test_a_like_pattern_takes_wildcards_and_the_escape_literally():
    assert like_pattern("vitd") == "%vitd%"
    assert like_pattern("a%b_c\\") == "%a\\%b\\_c\\\\%"


def test_a_search_key_never_holds_what_like_reads_as_a_wildcard():
    assert search_key("100% Lab_one \\ 비타민 D") == "100labone비타민d"


def test_joined_search_keys_hold_each_text_and_no_match_across_two():
    joined = search_keys("한빛 유전체", "Hanbit Genomics")
    assert joined == "한빛유전체 hanbitgenomics"
    assert like_pattern(search_key("체 Han")) == "%체han%"  # what the LIKE looks for is not in the joined keys
    assert search_key("체 Han") not in joined
