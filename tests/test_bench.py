"""The benchmark harness's pure parts: wrk's output read right, figures combined and printed right. No
benchmark runs here."""

import importlib.util
import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str):
    """A bench/ script's module, imported as the scripts import each other (bench/ on the path)."""
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


harness = load("harness")

WRK = """Running 5s test @ http://127.0.0.1:8765/api/v1/catalog/current
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.61ms  812.00us  12.35ms   80.12%
    Req/Sec    12.34k     1.02k   13.90k    70.00%
  Latency Distribution
     50%    2.48ms
     75%    2.90ms
     90%    3.51ms
     99%    1.02s
  61420 requests in 5.00s, 20.51MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 17
Requests/sec:  12283.41
Transfer/sec:      4.10MB
"""


def test_wrk_output_gives_rate_percentiles_and_every_error():
    m = harness.parse_wrk(WRK)
    assert m.rate == pytest.approx(12283.41)
    assert m.p50 == pytest.approx(2.48)
    assert m.p99 == pytest.approx(1020.0)
    assert m.requests == 61420
    assert (m.non_2xx_3xx, m.socket_errors, m.errors) == (17, 6, 23)


def test_a_clean_run_has_no_errors_and_missing_percentiles_are_not_numbers():
    clean = "\n".join(line for line in WRK.splitlines() if "errors" not in line and "Non-2xx" not in line)
    assert harness.parse_wrk(clean).errors == 0
    bare = "\n".join(line for line in WRK.splitlines() if "%" not in line or "Latency" in line)
    assert math.isnan(harness.parse_wrk(bare).p50)


def test_output_without_a_rate_is_refused():
    with pytest.raises(ValueError, match="Requests/sec"):
        harness.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


@pytest.mark.parametrize(
    ("text", "ms"), [("812.00us", 0.812), ("2.48ms", 2.48), ("1.02s", 1020.0), ("1.50m", 90_000.0)]
)
def test_wrk_durations_in_milliseconds(text, ms):
    assert harness.duration_ms(text) == pytest.approx(ms)


def test_rounds_combine_by_median_and_errors_add_up():
    runs = [harness.Measure(r, r / 100, r / 10, 10, non_2xx_3xx=1) for r in (100.0, 300.0, 200.0)]
    m = harness.median_measure(runs)
    assert (m.rate, m.p50, m.p99, m.errors) == (200.0, 2.0, 20.0, 3)


def test_markdown_table_right_aligns_figures():
    assert harness.markdown_table(["endpoint", "req/s"], [["`GET /`", "1,000"]]).splitlines() == [
        "| endpoint | req/s |",
        "| --- | ---: |",
        "| `GET /` | 1,000 |",
    ]


def test_the_server_settings_let_one_client_through_without_switching_the_limiter_off():
    env = harness.bench_environment("sqlite:///x.sqlite3", 64)
    assert int(env["REGISTRY_RATE_LIMIT_READS"]) > 0  # 0 would switch the limiter off
    assert env["REGISTRY_MAX_CONCURRENT_REQUESTS"] == "64"
    assert env["REGISTRY_ACCESS_LOG_LEVEL"] == "OFF"


def test_path_parameters_are_filled_from_known_values_or_the_path_is_skipped():
    http_api = load("http_api")
    values = {"provider_id": "1", "version": "2024-07-09"}
    assert http_api.fill("/api/v1/providers/{provider_id:int}", values) == "/api/v1/providers/1"
    assert http_api.fill("/api/v1/catalog/versions/{version:str}", values) == "/api/v1/catalog/versions/2024-07-09"
    assert http_api.fill("/api/v1/validations/{validation_id:int}", values) is None


def test_wrk_scripts_carry_method_body_and_token(tmp_path):
    assert harness.lua_script(tmp_path, "plain") is None
    script = harness.lua_script(tmp_path, "check", method="POST", body='{"a": "b"}', token="t0k")
    assert script.read_text().splitlines() == [
        'wrk.method = "POST"',
        'wrk.body = "{\\"a\\": \\"b\\"}"',
        'wrk.headers["Content-Type"] = "application/json"',
        'wrk.headers["Authorization"] = "Bearer t0k"',
    ]


def test_cpu_time_of_a_process_and_its_children_is_read_from_proc():
    import os

    assert harness.server_cpu_seconds(os.getppid()) >= harness.server_cpu_seconds(os.getpid()) > 0
