"""The folder is the architecture: a few foundation modules, one subpackage per
pipeline stage, dependencies pointing one way, and no import circles (imports
inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"

# Lower layers never import higher ones; a subpackage may use its own modules.
LAYERS = {
    "foundation": 0,
    "audio": 1, "storage": 1, "understanding": 1,
    "dialogue": 2, "speech_in": 2, "speech_out": 2,
    "review": 3,
    "run": 4,
    "cli": 5,
}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every assistant module `name` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for t in targets:
            while t and t not in known:
                t = t.rsplit(".", 1)[0] if "." in t else ""
            if t and t != name:
                out.add(t)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else "foundation"


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_few_modules_at_the_top_and_one_folder_per_stage():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    subpackages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert len(top) <= 8, top
    assert set(subpackages) == set(LAYERS) - {"foundation"}, subpackages


def test_no_import_circles():
    assert cycles(graph()) == []


def test_dependencies_point_one_way():
    wrong = []
    for src, targets in graph().items():
        if src in ("assistant", "assistant.__main__"):
            continue
        for dst in targets:
            a, b = layer(src), layer(dst)
            if a != b and LAYERS[b] >= LAYERS[a]:
                wrong.append(f"{src} -> {dst}")
    assert wrong == []


def test_every_module_says_what_it_is_for():
    missing = [name for name, path in modules().items()
               if path.read_text(encoding="utf-8").strip() and ast.get_docstring(ast.parse(path.read_text())) is None]
    assert missing == []
