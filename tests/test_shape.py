"""The package's shape: short functions, and modules that import one another without a cycle.

Both are read from the source with `ast`, nothing is imported. An import inside a function is not an edge of the
graph: it runs when the function does, which is how a module may use one that imports it (DEVELOPING.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "thads"
MAX_LINES = 60


def modules() -> dict[str, ast.Module]:
    """Every module of the package by its dotted name (thads, thads.batch...), parsed."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text("utf-8"), filename=str(path))
    return found


def long_functions(tree: ast.Module, limit: int = MAX_LINES) -> list[tuple[str, int, int]]:
    """(name, first line, length) of each function or method of `tree` longer than `limit` lines, its docstring
    and decorators' lines not counted apart: from `def` to its last line."""
    return [(node.name, node.lineno, node.end_lineno - node.lineno + 1) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > limit]


def _type_checking(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The import statements run when the module is imported: those of its body, and inside its top-level `if`,
    `try` and `with` blocks, but not in an `if TYPE_CHECKING:` block nor in a function or class."""
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and not _type_checking(node):
            todo += node.body + node.orelse
        elif isinstance(node, ast.Try):
            todo += node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
        elif isinstance(node, ast.With):
            todo += node.body
    return found


def imported(module: str, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The package's modules (of `known`) that `node`, a statement of `module`, imports: `import thads.a` and
    `from thads.a import f` import thads.a; `from thads import a` imports thads.a when it is a module, else thads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        source = node.module or ""
        if node.level:          # relative: resolved from the package holding `module`
            package = module if module in _packages(known) else module.rpartition(".")[0]
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            source = ".".join([*base, *([source] if source else [])])
        names = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source for alias in node.names]
    return {found for found in map(lambda name: _deepest(name, known), names) if found}


def _packages(known: set[str]) -> set[str]:
    return {name for name in known if any(other.startswith(name + ".") for other in known)}


def _deepest(name: str, known: set[str]) -> str:
    """The module of the package that `import name` ends with ('' if none): thads.a for thads.a.f."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def import_graph() -> dict[str, set[str]]:
    """Each module of the package → the package's modules it imports at module level."""
    parsed = modules()
    known = set(parsed)
    return {name: {target for node in module_level_imports(tree) for target in imported(name, node, known)} - {name}
            for name, tree in parsed.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted, plus any module that
    imports itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_function_in_the_package_is_longer_than_sixty_lines():
    too_long = [f"{path}:{line} {name} ({length} lines)" for name_, tree in modules().items()
                for path in [name_.replace(".", "/") + ".py"] for name, line, length in long_functions(tree)]
    assert not too_long, f"functions over {MAX_LINES} lines: split each into named steps:\n" + "\n".join(too_long)


def test_the_package_has_no_import_cycle_at_module_level():
    graph = import_graph()
    assert "thads.batch" in graph and "thads.run" in graph["thads.batch"]          # the graph is read at all
    found = cycles(graph)
    assert not found, "import cycles among the package's modules (module-level imports):\n" + "\n".join(
        " ↔ ".join(cycle) for cycle in found)


def test_the_checks_see_what_they_look_for():
    """The two checks, on small sources: a long function and a cycle are found; a lazy import is no edge."""
    long = ast.parse("def f():\n" + "    x = 1\n" * 60)
    assert long_functions(long) == [("f", 1, 61)]
    assert long_functions(ast.parse("def f():\n" + "    x = 1\n" * 59)) == []
    known = {"thads", "thads.a", "thads.b", "thads.c"}
    sources = {"thads.a": "from thads import b\n", "thads.b": "import thads.c\n",
               "thads.c": "from thads.a import thing\ndef f():\n    from thads import b\n", "thads": ""}
    graph = {name: {t for node in module_level_imports(ast.parse(text)) for t in imported(name, node, known)}
             for name, text in sources.items()}
    assert graph == {"thads.a": {"thads.b"}, "thads.b": {"thads.c"}, "thads.c": {"thads.a"}, "thads": set()}
    assert cycles(graph) == [["thads.a", "thads.b", "thads.c"]]
    graph["thads.c"] = set()
    assert cycles(graph) == []
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from thads import a\n"
    assert module_level_imports(ast.parse(typed))[1:] == []
