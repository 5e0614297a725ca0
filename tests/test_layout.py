"""The house's shape: every module of normalize/ imports on its own, and no
module imports itself back through others (an import cycle makes the import
order matter and hides which module is the lower floor)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "normalize"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(name: str, path: Path) -> set[str]:
    """The normalize modules that ``name`` imports explicitly (anywhere in its body,
    lazy imports included, except under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:
                    out.add(sub)
                elif target in MODULES:
                    out.add(target)
    out.discard(name)
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_find_cycle_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycle_inside_normalize() -> None:
    graph = {name: imported_modules(name, path) for name, path in MODULES.items()}
    assert graph["normalize.pipeline"], "the import graph walk found no imports at all"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    """Each module imported first (the normalize modules forgotten in between), in
    one fresh interpreter: an import that only works after another would fail.
    ``__main__`` is left out: importing it runs the program."""
    names = sorted(n for n in MODULES if not n.endswith(".__main__"))
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'normalize']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr


def test_import_normalize_loads_only_the_ground_floor() -> None:
    """``import normalize`` (records and settings, and what makes their classes: the
    kept code of their methods) loads no stage and none of the heavy libraries the
    stages use; the API's functions come on first use."""
    code = (
        "import sys, normalize\n"
        "heavy = {'numpy', 'lxml', 'regex', 'ftfy', 'langid', 'bs4', 'charset_normalizer'}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "ours = sorted(m for m in sys.modules if m.startswith('normalize.'))\n"
        "print(loaded, ours)\n"
        "assert not loaded, loaded\n"
        "assert ours == ['normalize.classes', 'normalize.config', 'normalize.document',"
        " 'normalize.kept'], ours\n"
        "assert normalize.canonicalize('a\\u00a0 b') == 'a b'\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_forked_child_gets_its_own_default_context() -> None:
    """Models and translator thread pools do not survive a fork: a child that asks
    for the default context gets a new one, built in the child."""
    import os

    from normalize.context import default_context

    parent = default_context()
    assert default_context() is parent
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        ok = default_context() is not parent and default_context() is default_context()
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"1"


def test_pages_and_identifier_hold_no_mutable_memo() -> None:
    """Records are values: a page and the language identifier keep no cache of their own
    (the worker's context does)."""
    import dataclasses

    from normalize.document import Page
    from normalize.identify import LanguageIdentifier

    assert [f.name for f in dataclasses.fields(Page)] == ["text", "blocks", "metadata", "origin"]
    assert not any(f.name.startswith("_") for f in dataclasses.fields(LanguageIdentifier))
