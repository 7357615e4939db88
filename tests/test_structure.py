"""The package's shape stays readable (issue 14): no module over 400 lines, no import cycle
between modules (imports inside functions included), every module named in README's file map."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "livedash"
MODULES = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
           for p in PACKAGE.rglob("*.py")}


def imports(name: str, path: Path) -> set[str]:
    """The livedash modules `name` imports, anywhere in it (a package's submodule when the
    import names one, else the package)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")[:len(package.split(".")) - max(node.level - 1, 0)]
            base = ".".join([*parts, node.module] if node.module else parts) if node.level \
                else node.module or ""
            subs = {f"{base}.{a.name}" for a in node.names} & set(MODULES)
            found |= subs or ({base} & set(MODULES))
    return found - {name}


def cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    graph = {name: imports(name, path) for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                found.append([v, *group])

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_modules() -> None:
    assert cycles() == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_400_lines(name: str) -> None:
    assert len(MODULES[name].read_text().splitlines()) <= 400


def test_readme_file_map_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text()
    mapped = readme[readme.index("## How it works"):]
    top = {p.name for p in PACKAGE.glob("*.py")} | {f"{p.name}/" for p in PACKAGE.iterdir()
                                                    if p.is_dir() and (p / "__init__.py").exists()}
    missing = sorted(name for name in top if name not in mapped and name != "__main__.py")
    assert not missing, f"README's file map does not name {missing}"
