"""The layering stays true: no import circles, nothing imports upward.

Read with Python's `ast` from the source files, so imports inside functions count as much
as those at the top of a module. The layers, from the ground up (docs/how-it-works.md):

    ground     newsqa (package), settings, errors, offline
    index      the write path
    assistant  the read path
    shared     newsqa.intake, present, gate, auth, corpus_stats
    eval       the evaluation harness (imports the product, never the reverse)
    page       newsqa.page: the Gradio app
    serving    newsqa.serving: the process, REST, OpenAI-compatible, MCP
    cli        newsqa.cli: the command
"""

import ast
from pathlib import Path

from newsqa.settings import REPO_ROOT

PACKAGES = {"newsqa": "newsqa", "newsqa.index": "index", "newsqa.assistant": "assistant",
            "newsqa.eval": "eval"}
GROUND = {"newsqa", "newsqa.settings", "newsqa.errors", "newsqa.offline"}
SHARED = {"newsqa.intake", "newsqa.present", "newsqa.gate", "newsqa.auth", "newsqa.corpus_stats"}
# Which layers each layer may import (its own included).
MAY_IMPORT = {
    "ground": {"ground"},
    "index": {"ground", "index"},
    "assistant": {"ground", "index", "assistant"},
    "shared": {"ground", "index", "assistant", "shared"},
    "eval": {"ground", "index", "assistant", "shared", "eval"},
    "page": {"ground", "index", "assistant", "shared", "page"},
    "serving": {"ground", "index", "assistant", "shared", "page", "serving"},
    "cli": {"ground", "index", "assistant", "shared", "eval", "page", "serving", "cli"},
}
# Settings takes the loaders' defaults and the validators of its values from these index
# modules, which import nothing but the ground (checked below), so no circle can pass here.
GROUND_MAY_USE = {"newsqa.index.limits", "newsqa.index.urlguard", "newsqa.index.quantize",
                  "newsqa.index.subscriptions"}


def project_modules() -> dict[str, Path]:
    modules = {}
    for package, folder in PACKAGES.items():
        for path in (REPO_ROOT / folder).rglob("*.py"):
            parts = [p for p in path.relative_to(REPO_ROOT / folder).with_suffix("").parts
                     if p not in ("__init__", "__main__")]
            if path.name == "__main__.py":
                continue
            modules[".".join([package, *parts])] = path
    return modules


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the project modules it imports anywhere in its file."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                wanted = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[:len(here) - node.level + 1]
                    base = ".".join(here + ([base] if base else []))
                wanted = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in wanted:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def layer(module: str) -> str:
    if module in GROUND:
        return "ground"
    if module in SHARED:
        return "shared"
    for prefix, name in (("newsqa.index", "index"), ("newsqa.assistant", "assistant"),
                         ("newsqa.eval", "eval"), ("newsqa.page", "page"),
                         ("newsqa.serving", "serving"), ("newsqa.cli", "cli")):
        if module == prefix or module.startswith(prefix + "."):
            return name
    raise AssertionError(f"{module} belongs to no layer: add it to one in tests/test_layers.py "
                         "and docs/how-it-works.md")


def test_the_check_finds_a_circle_and_an_upward_import():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    assert "page" not in MAY_IMPORT[layer("newsqa.eval.runner")]
    assert "serving" not in MAY_IMPORT[layer("newsqa.page.app")]


def test_no_import_circles_among_the_projects_modules():
    graph = import_graph(project_modules())
    assert len(graph) > 100
    assert circles(graph) == [], "import circles (imports inside functions count)"


def test_nothing_imports_upward():
    graph = import_graph(project_modules())
    upward = []
    for module, targets in graph.items():
        for target in targets:
            if layer(module) == "ground" and target in GROUND_MAY_USE:
                continue
            if layer(target) not in MAY_IMPORT[layer(module)]:
                upward.append(f"{module} ({layer(module)}) imports {target} ({layer(target)})")
    assert upward == []


def test_what_settings_uses_from_index_imports_only_the_ground():
    graph = import_graph(project_modules())
    for module in GROUND_MAY_USE:
        assert {layer(t) for t in graph[module] if t not in GROUND_MAY_USE} <= {"ground"}, module


def test_no_filename_prefixes_standing_in_for_folders():
    flat = sorted(p.name for p in (REPO_ROOT / "newsqa").glob("*.py"))
    assert [n for n in flat if n.split("_")[0] in {"ui", "api", "cli", "server"}] == []
