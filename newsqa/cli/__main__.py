"""`python -m newsqa.cli`: the same as the `newsqa` command."""

from newsqa.cli.commands import main

main()
