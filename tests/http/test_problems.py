"""Every refusal the registry can raise has its status, title and sentence in English and Korean in
rules/problems.toml, and the Korean sentences are Korean; an unknown path or method is a problem too."""

import ast
import re
import tomllib

import pytest

from registry.catalog import urls as catalog_urls
from registry.http.problems import problem_catalogue, render
from registry.kernel.errors import DomainError, Term
from registry.settings import PROJECT_ROOT
from tests.workflow import assert_problem

SOURCE = PROJECT_ROOT / "registry"
PROBLEMS = PROJECT_ROOT / "rules" / "problems.toml"


def _reason_keys(function: str) -> set[str]:
    """The reason keys a domain function returns (its sentences are variants of one code)."""
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == function:
                return {
                    r.value.value
                    for r in ast.walk(node)
                    if isinstance(r, ast.Return) and isinstance(r.value, ast.Constant) and r.value.value
                }
    raise AssertionError(f"{function} not found")


def raised_problems() -> set[str]:
    """Every `CODE` or `CODE.variant` named where a DomainError is built in registry/."""
    found = {"INVALID_PARAMETER.fields", "INVALID_BODY.fields"}  # built by fields_invalid(code, ...)
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DomainError" and node.args):
                continue
            first = node.args[0]
            options = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            for option in options:
                if isinstance(option, ast.Constant):
                    found.add(option.value)
                elif isinstance(option, ast.JoinedStr):  # f"ILLEGAL_TRANSITION.{problem}"
                    if ast.unparse(option) == "f'{code}.fields'":
                        continue  # fields_invalid: both codes are listed above
                    prefix = option.values[0].value
                    assert prefix == "ILLEGAL_TRANSITION.", f"{path}: an f-string problem the test cannot follow"
                    found |= {prefix + key for key in _reason_keys("status_change_problem")}
                else:
                    raise AssertionError(f"{path}:{node.lineno}: name problems with a literal")
    return found


def test_every_problem_raised_has_a_status_a_title_and_both_sentences():
    catalogue = problem_catalogue()
    raised = raised_problems()
    assert len(raised) > 40
    missing = sorted(p for p in raised if p.split(".")[0] not in catalogue.codes)
    assert not missing, f"codes without an entry in rules/problems.toml: {missing}"
    for problem in raised:
        code, _, variant = problem.partition(".")
        entry = catalogue.codes[code]
        assert 400 <= entry.status <= 599 and entry.title_en and entry.title_ko, code
        assert variant in entry.texts, f"{problem}: no sentence in rules/problems.toml"
        en, ko = entry.texts[variant]
        assert en.strip() and ko.strip(), problem


def test_no_sentence_is_written_for_nothing():
    catalogue, raised = problem_catalogue(), raised_problems()
    written = {f"{code}.{v}" if v else code for code, entry in catalogue.codes.items() for v in entry.texts}
    unused = sorted(written - raised - {"HTTP_ERROR", "NOT_FOUND.path", "METHOD_NOT_ALLOWED", "INTERNAL_ERROR"})
    assert not unused, f"sentences no code path raises: {unused}"


def test_korean_sentences_hold_no_english():
    """Outside {parameters} and 'quoted names', a Latin word in a Korean sentence must be an identifier
    (a header, a media type, a path, a date pattern), never a plain English word."""
    raw = tomllib.loads(PROBLEMS.read_text(encoding="utf-8"))
    terms = raw.pop("terms")
    sentences = [(f"terms.{n}", t["ko"]) for n, t in terms.items()] + [
        ("default_basis", raw.pop("default_basis")["ko"])
    ]
    for code, entry in raw.items():
        sentences += [(code, entry["title_ko"])] + ([(code, entry["ko"])] if "ko" in entry else [])
        sentences += [(f"{code}.basis_ko", entry["basis_ko"])] if "basis_ko" in entry else []
        sentences += [(f"{code}.{k}", v["ko"]) for k, v in entry.items() if isinstance(v, dict)]
    english = []
    for where, text in sentences:
        bare = re.sub(r"'[^']*'", "", re.sub(r"\{[^}]*\}", "", text))
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_/.<>-]*", bare):
            if not re.search(r"[A-Z0-9_/.<>-]", word):
                english.append(f"{where}: {word!r} in {text!r}")
    assert not english, "\n".join(english)


@pytest.mark.parametrize(
    ("error", "en", "ko"),
    [
        (
            DomainError("NOT_FOUND", entity=Term("certificate"), key="DTC-2022-0009"),
            "No certificate 'DTC-2022-0009'",
            "인증서 'DTC-2022-0009'",
        ),
        (DomainError("UNKNOWN_PARAMETER", unknown=["a", "b"], expected="q"), "(s): a, b.", "알 수 없는 요청 값: a, b."),
    ],
)
def test_sentences_are_filled_in_the_reader_s_language(error, en, ko):
    entry, text_en, text_ko = render(error)
    assert entry.status in (400, 404) and en in text_en and ko in text_ko


async def test_unknown_path_and_method_are_problem_details(client):
    assert_problem(await client.get("/api/v1/nothing"), 404, "NOT_FOUND")
    assert_problem(await client.delete(catalog_urls.VERSIONS), 405, "METHOD_NOT_ALLOWED")
