"""bench/dashboards.py runs at a tiny size and prints every figure, so a change
to the dashboards cannot quietly break it (see plc/tests/test_bench.py)."""

from bench import dashboards as bench_dashboards
from plc.tests.test_bench import assert_timed, figures, tiny_demo  # noqa: F401


def test_dashboards_bench_times_the_pages_and_the_sql(tiny_demo, settings, capsys):  # noqa: F811
    # What DEBUG=1 allows on the command line, as in the pages benchmark.
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    bench_dashboards.run(runs=1)
    output = capsys.readouterr().out
    rows = figures(output, list(bench_dashboards.LINES))
    for row in rows.values():
        assert_timed(row)
    assert rows["SQL: kept mastery per outcome"][2] == 1
    assert "Stevenson High School" in output
