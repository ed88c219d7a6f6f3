"""The sandbox is a standalone package: acyclic, and independent of the client it is meant to test; the whole code
location (orchestration/) is acyclic too.

Every import counts, including those under `if TYPE_CHECKING:` and inside functions: a cycle hidden there is
still a cycle for a reader. `python -m tests.sandbox.test_imports` prints the graph, lowest layer first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import orchestration.sandbox

PACKAGE = "orchestration.sandbox"
ROOT = Path(orchestration.sandbox.__file__).parent


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, package_name: str = PACKAGE, root: Path = ROOT) -> set[str]:
    """Absolute module names a module imports (relative imports resolved)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - node.level + 1]
                origin = ".".join([package_name, *base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            for alias in node.names:  # `from . import x` imports module x; `from .m import f` imports m
                module = f"{origin}.{alias.name}"
                found.add(module if is_module(module, package_name, root) else origin)
    return found


def is_module(name: str, package_name: str = PACKAGE, root: Path = ROOT) -> bool:
    if not name.startswith(package_name + "."):
        return False
    relative = root.joinpath(*name.removeprefix(package_name + ".").split("."))
    return relative.with_suffix(".py").exists() or (relative / "__init__.py").exists()


def graph(package_name: str = PACKAGE, root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> modules of the package it imports (external imports dropped, names resolved to modules)."""
    modules = {module_name(path, root): path for path in root.rglob("*.py")}
    full = {f"{package_name}.{m}" if m else package_name: m for m in modules}
    edges = {}
    for name, path in modules.items():
        targets = {full[i] for i in imports_of(path, package_name, root) if i in full}
        edges[name] = targets - {name}
    return edges


def external_imports() -> dict[str, set[str]]:
    return {
        module_name(path): {i for i in imports_of(path) if not i.startswith(PACKAGE)} for path in ROOT.rglob("*.py")
    }


def layers(edges: dict[str, set[str]]) -> list[list[str]]:
    """Topological layers (a module only imports modules of lower layers); raises on a cycle."""
    remaining = {name: set(targets) for name, targets in edges.items()}
    result = []
    while remaining:
        ready = sorted(name for name, targets in remaining.items() if not targets)
        if not ready:
            raise AssertionError(f"import cycle among {sorted(remaining)}")
        result.append(ready)
        for name in ready:
            del remaining[name]
        for targets in remaining.values():
            targets.difference_update(ready)
    return result


def test_the_sandbox_package_has_no_import_cycle():
    edges = graph()
    assert "app" in edges and "generator.assemble" in edges  # the walk found the package
    assert layers(edges)


def test_the_whole_code_location_has_no_import_cycle():
    # The same rule for everything under orchestration/ (lever/, warehouse/, defs/, the sandbox).
    edges = graph("orchestration", ROOT.parent)
    assert "lever.sync" in edges and "defs.location" in edges and "sandbox.app" in edges
    assert layers(edges)


def test_the_sandbox_imports_nothing_from_the_client_or_dagster():
    forbidden = {
        module: sorted(i for i in imported if i.startswith(("orchestration", "dagster")))
        for module, imported in external_imports().items()
    }
    assert {module: names for module, names in forbidden.items() if names} == {}


def test_a_cycle_would_be_found():
    with __import__("pytest").raises(AssertionError, match="import cycle"):
        layers({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()})


if __name__ == "__main__":
    for depth, names in enumerate(layers(graph())):
        print(f"{depth:2d}  {'  '.join(names)}")
