"""The read path: retrieve → rerank → answer → cite.

`build_assistant()` in `chain.py` wires it into one LangChain runnable; `newsqa/present.py` turns its
structured answers into chat messages for the UI and the CLI.
"""
