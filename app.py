"""Run the newsqa chat UI: `python app.py [--port N ...]` is `newsqa serve [--port N ...]`.

Settings come from NEWSQA_* environment variables and the flags of `newsqa serve --help`.
"""

import sys

from newsqa.cli import main

if __name__ == "__main__":
    main(["serve", *sys.argv[1:]])
