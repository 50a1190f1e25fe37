"""`newsqa bench` end to end on a tiny sample: every figure is produced and plausible.

Speed targets are not asserted here (they live in the benchmark's own report and the README);
this checks that the benchmark measures what it says, with the real models and stores.
"""

import json
import os
import subprocess
import sys

import pytest

from newsqa.eval.registry import EvalDataMissingError, shared_folder


def test_bench_reports_every_headline_figure(tmp_path):
    try:
        shared_folder("realtimeqa-dev")
    except EvalDataMissingError as error:
        if os.environ.get("NEWSQA_REQUIRE_EVAL_DATA"):
            pytest.fail(str(error))
        pytest.skip(str(error))
    run = subprocess.run(
        [sys.executable, "-m", "newsqa.cli", "bench", "--json", "--articles", "12",
         "--questions", "4", "--sizes", "1500,3000", "--no-cold-starts", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)
    for key in ("ingest_speedup_vs_tutorial", "overhead_vs_raw_encode", "cold_start_s",
                "answer_p50_ms_100k", "answer_p95_ms_100k", "retrieve_p50_ms_100k",
                "rss_mb_100k", "story_answer_p50_ms_100k"):
        assert key in result
    assert result["sample"]["articles"] == 12 and result["sample"]["questions"] >= 1
    assert result["newsqa_ingest"]["chunks"] == result["ceiling"]["chunks"] > 12
    assert result["tutorial"]["chunks"] > 12 and result["ingest_speedup_vs_tutorial"] > 0
    assert 0 <= result["newsqa_ingest"]["answer_hit_at_5"] <= 1
    small, large = result["by_size"]["1500"], result["by_size"]["3000"]
    for size, passages in ((small, 1500), (large, 3000)):
        assert size["passages"] == passages == size["keyword_passages"]  # filler found by keyword too
        assert size["filler_added"] > 0 and size["disk_mb"] > 1
        assert 0 < size["retrieve_p50_ms"] <= size["total_p50_ms"]
        # Timeline and latest questions on the sample's biggest stories, timed end to end.
        assert size["story_questions"] >= 2 and size["story_answers"] >= 1
        assert size["story_total_p50_ms"] > 0
        assert size["peak_rss_mb"] >= size["rss_mb"] > 100
        # Ten real articles, held out of the sample, added to the grown index.
        assert size["add_articles"] == 10 and 0 < size["add_keyword_s"] < size["add_s"]
    assert (tmp_path / "out" / "scaling.png").stat().st_size > 10_000
    assert json.loads((tmp_path / "out" / "bench.json").read_text())["by_size"].keys() == {"1500", "3000"}
    assert result["cold_start_s"] > 0 and result["cold_start_ask_s"] > 0
    # the address answers (the loading page) before the first answer can be given
    assert 0 < result["cold_start_page_s"] <= result["cold_start_s"]
