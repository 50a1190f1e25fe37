"""Run the newsqa chat UI: `python app.py` (same as `newsqa serve`).

Settings come from NEWSQA_* environment variables; see `newsqa serve --help` for flags.
"""

from newsqa.cli import main

if __name__ == "__main__":
    main(["serve"])
