"""The project's layout rules: autograd uses the standard library only, the
packages depend one way (viz → nn → autograd), and no module imports another
that imports it back (directly or through others, lazily inside a function
too; imports for annotations only, under ``if TYPE_CHECKING:``, do not run)."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "viz")


def runtime_nodes(tree: ast.AST):
    """Every node of the tree but those under ``if TYPE_CHECKING:`` (annotations only)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def imports_of(path: Path, package: str) -> set[str]:
    """Every module a file imports, relative imports resolved, at any depth (lazy ones too)."""
    found = set()
    for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.add(node.module)
            elif node.module:
                found.add(f"{package}.{node.module}")
            else:
                found.update(f"{package}.{alias.name}" for alias in node.names)
    return found


def modules() -> dict[str, set[str]]:
    graph = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            graph[name] = imports_of(path, package)
    return graph


def test_autograd_uses_the_standard_library_only():
    for name, imported in modules().items():
        if name.split(".")[0] != "autograd":
            continue
        outside = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names
                   and m.split(".")[0] != "autograd" and m != "__future__"}
        assert not outside, f"{name} imports {sorted(outside)}"


@pytest.mark.parametrize("package, forbidden", [("autograd", {"nn", "viz"}), ("nn", {"viz"})])
def test_dependencies_point_one_way(package, forbidden):
    for name, imported in modules().items():
        if name.split(".")[0] == package:
            wrong = {m for m in imported if m.split(".")[0] in forbidden}
            assert not wrong, f"{name} imports {sorted(wrong)}"


def test_no_import_cycles():
    graph = modules()
    known = set(graph)
    edges = {name: {m for m in imported if m in known and m != name} for name, imported in graph.items()}
    # a package's __init__ re-exports its modules; the cycles that matter are between modules
    edges = {n: {m for m in ms if "." in m} for n, ms in edges.items() if "." in n}
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(start: str) -> None:
        stack = [(start, iter(sorted(edges[start])))]
        state[start] = 1
        path = [start]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                cycle = path[path.index(child):] + [child]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges[child]))))

    for name in sorted(edges):
        if name not in state:
            visit(name)


def test_the_cycle_check_can_fail(tmp_path, monkeypatch):
    """The check above finds a cycle when there is one (two modules importing each other)."""
    pkg = tmp_path / "autograd"
    pkg.mkdir()
    (pkg / "one.py").write_text("from .two import x\n")
    (pkg / "two.py").write_text("def f():\n    from .one import y\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", ("autograd",))
    with pytest.raises(pytest.fail.Exception, match="import cycle: autograd.one -> autograd.two -> autograd.one"):
        test_no_import_cycles()
