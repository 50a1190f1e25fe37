"""spaCy loads without importing torch (thinc would, for ~1 s, though the pipeline never uses
it), and torch stays importable afterwards for whatever needs it."""

import subprocess
import sys

PROBE = """
import sys
from newsqa.assistant.nlp import load_in_background, pipeline
load_in_background()
doc = pipeline()("Emmanuel Macron spoke with Vladimir Putin on Friday.")
print([e.label_ for e in doc.ents])
print("torch" in sys.modules)
import torch
print(float(torch.ones(3).sum()))
"""


def test_spacy_loads_without_torch_and_torch_still_imports():
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    labels, torch_loaded, total = run.stdout.split("\n")[:3]
    assert "PERSON" in labels and "DATE" in labels
    assert torch_loaded == "False"
    assert total == "3.0"
