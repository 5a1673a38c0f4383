"""The package's layout: no import cycles between its modules, no module over 400 lines without
a written reason, one definition of the date helpers."""

from __future__ import annotations

import ast
from pathlib import Path

import flo_rfm

PACKAGE = Path(__file__).resolve().parent.parent / "python" / "flo_rfm"
MAX_LINES = 400
REASON = "Over 400 lines because"


def _module_name(path: Path) -> str:
    parts = ["flo_rfm", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement executed at run time, at any depth (inside functions too); the
    body of ``if TYPE_CHECKING:`` is left out: it only ever runs under a type checker."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports. ``from . import x`` is an edge to the submodule
    ``x`` when there is one (else to the package); ``import flo_rfm`` is an edge to
    ``flo_rfm/__init__.py``."""
    modules = _modules()
    # The Rust extension is a submodule too (no source; it imports nothing of the package).
    extensions = {_module_name(p) for p in PACKAGE.rglob("*.pyi")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = name if is_package else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
                for target in targets:
                    # `import flo_rfm.plot` imports flo_rfm (its __init__) and then flo_rfm.plot.
                    parts = target.split(".")
                    edges |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
                continue
            if node.level:
                base = here.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                edges.add(sub if sub in modules or sub in extensions else origin)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_every_import() -> None:
    graph = import_graph()
    assert "flo_rfm.clv" in graph["flo_rfm"]
    assert "flo_rfm._flo_rfm" not in graph  # the extension is no source file
    # a lazy import inside a function is an edge
    assert "flo_rfm.segments" in graph["flo_rfm.customer_data"]
    # `from .. import _flo_rfm` is not an edge to the package
    assert "flo_rfm" not in graph["flo_rfm.dask._select"]


def test_no_import_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_is_found() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_long_module_without_a_reason() -> None:
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if not any(line.strip().startswith(REASON) for line in doc.splitlines()):
            long.append(f"{path.relative_to(PACKAGE)} ({lines} lines)")
    assert not long, f"over {MAX_LINES} lines with no '{REASON} ...' in the module docstring: {long}"


def test_no_long_rust_file_without_a_reason() -> None:
    """The core and bindings: a file over the limit says why in its first `//!` lines."""
    long = []
    for path in sorted((PACKAGE.parent.parent / "src").rglob("*.rs")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines <= MAX_LINES:
            continue
        doc = [line[3:].strip() for line in text.splitlines() if line.startswith("//!")]
        if not any(line.startswith(REASON) for line in doc):
            long.append(f"{path.name} ({lines} lines)")
    assert not long, f"over {MAX_LINES} lines with no '//! {REASON} ...': {long}"


def test_the_core_has_no_python() -> None:
    """`src/core` builds and tests without PyO3: only `src/bindings` may name it."""
    core = PACKAGE.parent.parent / "src" / "core"
    named = [p.name for p in core.rglob("*.rs") if "pyo3" in p.read_text(encoding="utf-8")]
    assert not named, f"src/core names pyo3 in {named}"


def test_the_epoch_and_date_helpers_are_defined_once() -> None:
    where = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        if '1970-01-01"' in text or "1970-01-01')" in text:
            where.append(f"{path.name}: the epoch")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in {"_days", "_timestamp", "_seconds"}:
                where.append(f"{path.name}: {node.name}")
    assert where == ["_dates.py: the epoch"], where


def test_transaction_log_is_the_order_log() -> None:
    assert flo_rfm.TransactionLog is flo_rfm.OrderLog
    assert "TransactionLog" in flo_rfm.__all__ and "OrderLog" in flo_rfm.__all__
