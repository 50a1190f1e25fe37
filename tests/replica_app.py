"""An app process for the replica test: a NewsAssistant on a Chroma server, asking over and
over while ingests happen elsewhere, one JSON line per round on stdout.

Usage: python replica_app.py DATA_DIR CHROMA_URL STOP_FILE PROBE QUESTION
Each line: {"t", "last_sync", "keyword": ids, "dense": ids, "error"}; "ready" first.
"""

import json
import sys
import time
from pathlib import Path

from newsqa.assistant.chain import NewsAssistant
from newsqa.settings import Settings


def main() -> None:
    data_dir, url, stop, probe, question = sys.argv[1:6]
    assistant = NewsAssistant(Settings(data_dir=data_dir, chroma_url=url, keyword_sync_seconds=1))
    assistant.warm_up()
    print(json.dumps({"ready": True}), flush=True)
    while not Path(stop).exists():
        line = {"t": time.time(), "last_sync": assistant.keyword.last_sync, "error": None}
        try:
            line["keyword"] = [pid for pid, _ in assistant.keyword.search(probe, 5)]
            vector = assistant.embedder.embed_query(probe)
            line["dense"] = [hit.id for hit in assistant.store.query(vector, 5)]
            line["answer"] = assistant.ask(question).answer[:200]
        except Exception as error:  # reported, never hidden: the test requires none
            line["error"] = f"{type(error).__name__}: {error}"
        line["sync_errors"] = assistant.keyword.sync_errors
        print(json.dumps(line), flush=True)
        time.sleep(0.2)


if __name__ == "__main__":
    main()
