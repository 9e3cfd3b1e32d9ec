"""Which files under a root directory each script imports, transitively: what its --py-files
package must contain, or the script fails at import on the cluster.

  .venv/bin/python jobs/tools/import_closure.py --root jobs jobs/batch_processing.py ...

Prints one JSON object: script path -> sorted root-relative paths of the modules it reaches
(package ``__init__.py`` files included, the script itself not). Reads the source with ``ast``
and runs nothing, so an import inside a function counts as much as one at the top. Only modules
that resolve to a file under ``--root`` count (what the job sees as ``common.x``); everything
else (pyspark, the standard library) comes from the interpreter. ``importlib`` calls with
computed names are beyond it.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path


def _module_file(root: Path, dotted: str) -> list[Path]:
    """The files that importing ``dotted`` loads from ``root`` (each package's ``__init__.py``
    and the module), or [] when it is not under ``root``."""
    parts = dotted.split(".")
    files: list[Path] = []
    for i in range(1, len(parts) + 1):
        base = root.joinpath(*parts[:i])
        if (base / "__init__.py").is_file():
            files.append(base / "__init__.py")
        elif base.with_suffix(".py").is_file():
            files.append(base.with_suffix(".py"))
            break  # a module: any further parts are its attributes
        elif not base.is_dir():  # a directory without __init__.py is a namespace package
            break
    return files


def _package_of(root: Path, path: Path) -> list[str]:
    """The package a module under ``root`` belongs to (for ``common/x.py`` and
    ``common/__init__.py`` alike: ``common``)."""
    return list(path.relative_to(root).parts[:-1])


def imported_names(root: Path, path: Path) -> set[str]:
    """Dotted names ``path`` imports (``from a import b`` yields ``a`` and ``a.b``: ``b`` may be
    a submodule); relative imports resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    inside_root = root in path.parents
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if not inside_root:
                    continue
                pkg = _package_of(root, path)
                base = pkg[: len(pkg) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module:
                names.add(module)
            names.update(f"{module}.{a.name}" if module else a.name for a in node.names)
    return names


def closure(root: Path, script: Path) -> list[str]:
    """Root-relative posix paths of every module under ``root`` that ``script`` reaches."""
    seen: set[Path] = set()
    todo = [script]
    while todo:
        current = todo.pop()
        for name in imported_names(root, current):
            for f in _module_file(root, name):
                if f not in seen:
                    seen.add(f)
                    todo.append(f)
    seen.discard(script)
    return sorted(f.relative_to(root).as_posix() for f in seen)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", required=True, help="directory the package is rooted at (jobs/)")
    p.add_argument("scripts", nargs="+", help="job scripts")
    a = p.parse_args(argv)
    root = Path(a.root).resolve()
    if not root.is_dir():
        p.error(f"--root {a.root} is not a directory")
    out = {}
    for s in a.scripts:
        path = Path(s).resolve()
        try:
            out[s] = closure(root, path)
        except (OSError, SyntaxError) as e:
            print(f"import_closure: {s}: {e}", file=sys.stderr)
            return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
