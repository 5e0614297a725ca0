"""Packages and the compiled core of the distribution; the rest is in pyproject.toml.

setuptools finds normalize's packages itself; the language folders of
lang_packs/ (shipped as normalize.lang_packs.<lang>) are listed here from the
tree, as pyproject.toml cannot add the packages of a mapped folder to a find.

The compiled core: the modules of :data:`COMPILED` are plain Python that
Cython compiles in its pure-Python mode (C types from the ``.pxd`` beside
each), into extensions Python imports instead of the ``.py``. Cython is a
build requirement (pyproject.toml); when the C compiler or the Python
headers are missing, or Cython is, the install goes on without the
extensions and normalize runs the same modules interpreted (slower, same
output), after a warning.
"""

import hashlib
import sys
from pathlib import Path

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
LANG_PACKS = ROOT / "lang_packs"

#: Modules compiled by Cython (their source stays the one of the interpreted path).
COMPILED = [
    "normalize.kernels",
    "normalize.boilerplate.scan",
    "normalize.jsonl",
    "normalize.extract.walk",
]
#: The suffix of the file beside each extension that holds its sources_digest.
SOURCES_SUFFIX = ".sources"
#: -ffp-contract=off: no fused multiply-add, whose single rounding would make
#: the compiled numbers differ from numpy's and the interpreter's.
#: -fvect-cost-model=dynamic: loops over a row whose length is known only at
#: run time (langid's sums, one float per candidate) are vectorised, as at
#: -O3; each element gets the same operations in the same order (no sum is
#: reordered without -ffast-math), so the numbers do not change.
CFLAGS = ["-O2", "-ffp-contract=off", "-fvect-cost-model=dynamic"]
DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "initializedcheck": False,
    "cdivision": True,
    # The annotations of the .py are for mypy; the .pxd gives the C types.
    "annotation_typing": False,
}


def extensions() -> list[Extension]:
    """The compiled modules, or none when Cython is not installed."""
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("normalize: Cython is not installed; the core stays interpreted", file=sys.stderr)
        return []
    modules = [
        Extension(name, [name.replace(".", "/") + ".py"], extra_compile_args=CFLAGS)
        for name in COMPILED
    ]
    return cythonize(modules, compiler_directives=DIRECTIVES, quiet=True)


def sources_digest(name: str) -> str:
    """The digest of a compiled module's ``.py`` and ``.pxd``, as ``normalize.compiled.digest``
    computes it (that module cannot be imported here: it loads the core)."""
    h = hashlib.sha256()
    for suffix in (".py", ".pxd"):
        data = (ROOT / (name.replace(".", "/") + suffix)).read_bytes()
        h.update(b"%d\n" % len(data))
        h.update(data)
    return h.hexdigest()


class OptionalBuildExt(build_ext):
    """build_ext that leaves the core interpreted, with a warning, when compiling fails."""

    def run(self) -> None:
        #: The extensions this run built (or found up to date with their C).
        self._built: set[str] = set()
        try:
            super().run()
        except Exception as exc:  # no compiler, no headers: setuptools raises several kinds
            self._skip(exc)
            return
        self._write_sources()

    def _write_sources(self) -> None:
        """Beside each extension built, what it was built from (:func:`sources_digest`),
        so that ``normalize.compiled.stale`` can tell one that no longer matches its
        source: in build/ (a wheel takes it from there) and, for an in-place or
        editable build, in the tree (never beside an extension this run did not build).
        """
        for ext in self.extensions:
            if ext.name not in self._built:
                continue
            filename = self.get_ext_filename(self.get_ext_fullname(ext.name))
            for folder in (Path(self.build_lib), *([ROOT] if self.inplace else [])):
                built = folder / filename
                if built.exists():
                    digest = sources_digest(ext.name)
                    built.with_name(built.name + SOURCES_SUFFIX).write_text(digest + "\n")

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._skip(exc)
        else:
            self._built.add(ext.name)

    @staticmethod
    def _skip(exc: Exception) -> None:
        print(
            f"normalize: could not compile the core ({exc}); it stays interpreted (slower, "
            "same output). Install a C compiler and the Python headers, then reinstall.",
            file=sys.stderr,
        )


setup(
    packages=[
        *find_packages(include=["normalize", "normalize.*"]),
        "normalize.schema",
        "normalize.lang_packs",
        *(f"normalize.lang_packs.{p.name}" for p in sorted(LANG_PACKS.iterdir()) if p.is_dir()),
    ],
    ext_modules=extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
)
