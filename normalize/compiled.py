"""Which build of the compiled core runs: the C extension, or the same module interpreted.

The core's modules (``normalize.kernels``, ``normalize.boilerplate.scan``,
``normalize.extract.walk``, ``normalize.jsonl``: setup.py's ``COMPILED``)
are plain Python that setup.py also compiles with Cython. Python imports
the extension when it was built (it sits beside the ``.py`` and wins), the ``.py`` otherwise; the callers
run the compiled loops, or numpy's vectorised steps where the core is
interpreted: the same output either way. ``NORMALIZE_PURE_PYTHON=1`` in the
environment forces the interpreted path even where the extension exists, so
that the tests and the benchmark can run both. An extension built from
another ``.py`` or ``.pxd`` than the ones beside it (the source changed, by a
pull or a rebase, and was not compiled again; see :func:`stale`) is not
loaded either: the interpreted module runs, after a
warning that says how to rebuild, rather than a core that no longer matches
its callers.

>>> kernels = load("kernels")
>>> is_compiled(kernels) == (not pure_python() and kernels.__file__.endswith((".so", ".pyd")))
True
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

log = logging.getLogger(__name__)

#: Set to 1 to run the interpreted core even where the extension was built.
PURE_PYTHON_ENV = "NORMALIZE_PURE_PYTHON"


def pure_python() -> bool:
    """Whether the environment asks for the interpreted core."""
    return os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0")


def load(name: str) -> ModuleType:
    """The module ``normalize.<name>`` of the core: compiled unless :func:`pure_python`."""
    full = f"normalize.{name}"
    if not pure_python():
        built = importlib.import_module(full)
        if not is_compiled(built) or not stale(Path(str(built.__file__)), name):
            return built
        log.warning(
            "the compiled %s was not built from its source as it is now; running it interpreted "
            "(same output, slower). Rebuild it: make setup, or pip install -e . (python setup.py "
            "build_ext --inplace needs Cython, the build extra)",
            name,
        )
    module = sys.modules.get(full)
    if module is None or is_compiled(module):
        module = source(name)
        sys.modules[full] = module
    return module


def source(name: str) -> ModuleType:
    """``normalize/<name>.py`` run interpreted, whether or not its extension was built
    (a dotted ``name`` is a module of a subpackage: ``boilerplate.scan``).

    It is not registered in ``sys.modules``: the tests hold it beside the
    compiled module to compare the two.
    """
    path = _path(name, ".py")
    spec = importlib.util.spec_from_file_location(f"normalize.{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}: is the normalize checkout complete?")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_compiled(module: ModuleType) -> bool:
    """Whether ``module`` is a built extension rather than Python source."""
    return not str(module.__file__).endswith(".py")


#: Beside each extension, setup.py writes the :func:`digest` of the sources it
#: was built from, in a file of the extension's name with this suffix added.
SOURCES_SUFFIX = ".sources"


def digest(paths: Sequence[Path]) -> str:
    """SHA-256 of the files' bytes, each preceded by its size (setup.py computes the same)."""
    h = hashlib.sha256()
    for path in paths:
        data = path.read_bytes()
        h.update(b"%d\n" % len(data))
        h.update(data)
    return h.hexdigest()


def _path(name: str, suffix: str) -> Path:
    """The file of the core's module ``normalize.<name>`` with ``suffix`` (``.py``, ``.pxd``);
    a dotted ``name`` is a module of a subpackage (``boilerplate.scan``)."""
    return Path(__file__).parent.joinpath(*name.split(".")).with_suffix(suffix)


def stale(extension: Path, name: str) -> bool:
    """Whether ``extension`` was built from other sources than ``<name>.py`` and ``.pxd`` now.

    By their content, not their times: an installer writes a wheel's files in
    its order (``kernels.cpython-….so`` before ``kernels.py``), so that the
    source is newer than an extension built from it. An extension without the
    digest of its sources (built by an older setup.py) cannot be vouched for.
    """
    try:
        built = extension.with_name(extension.name + SOURCES_SUFFIX).read_text().strip()
        return built != digest([_path(name, ".py"), _path(name, ".pxd")])
    except OSError:
        return True


if TYPE_CHECKING:
    from normalize import kernels as kernels
else:
    kernels = load("kernels")
#: Whether the core's loops run compiled (else their callers run numpy's
#: vectorised steps or the patterns that compute the same).
KERNELS_COMPILED = is_compiled(kernels)
