"""Our own instance of langid's model, scoring many pieces of text in one pass.

langid (Lui & Baldwin 2012) is a naive Bayes classifier over byte n-grams of
one to four bytes, found by an Aho-Corasick automaton. Its module-level API
keeps one process-wide model whose candidate set is changed with
``set_languages``: a global that two callers with different candidate sets
would fight over. :class:`LanguageIdentifier` owns its model instead and
returns the per-language log-likelihoods restricted to whatever candidates
the caller asks for, so nothing is shared but read-only arrays.

Speed matters (the segmenter scores every piece of every document), so the
automaton is not walked byte by byte in Python. Because no feature is longer
than four bytes, the automaton's state after a byte depends only on the last
four bytes; :meth:`LanguageIdentifier.loglik` computes all states with four
vectorised steps and sums a per-state table of log-probabilities
(``state_logprob``: the features the state emits, already added up).

Building the tables from langid's model takes about a second and a half,
mostly langid decompressing and unpickling its model string: for every
process and every worker. ``python -m normalize.identify`` (which ``make``
runs when it sets up the environment) saves them as arrays that load in
milliseconds; they are used only while their fingerprint matches the
installed langid's model, and built from langid otherwise.

OpenBLAS must run on one thread for these small products (about 15x slower
otherwise); ``normalize/__init__.py`` sets ``OPENBLAS_NUM_THREADS=1`` before
numpy is imported, and this module sets the same default for direct imports.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Literal

from normalize.classes import dataclass

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from normalize import kept as kept_tables
from normalize.compiled import KERNELS_COMPILED, kernels

#: Whether the core's loops run compiled (else numpy's vectorised steps do).
COMPILED = KERNELS_COMPILED

#: Longest feature of langid's model, in bytes.
MAX_FEATURE_BYTES = 4
#: A byte UTF-8 never uses; in langid's automaton it leads back to the start state.
RESET_BYTE = b"\xff"


@dataclass(frozen=True, slots=True)
class LanguageIdentifier:
    """langid's model as read-only arrays, with a vectorised scorer.

    Load it once per worker (:func:`load_identifier`; a worker's
    :class:`~normalize.context.Context` keeps it); it is immutable and may be
    shared by threads. The column tables of candidate sets, built on first
    use, are kept by the caller (``tables``), not here.
    """

    languages: tuple[str, ...]
    #: Automaton transitions: next state = ``nextmove[(state << 8) | byte]``,
    #: 16-bit (langid's 9,118 states fit): the table is read at random, one
    #: entry per byte scored, and half its size (4.7 MB) is read faster.
    nextmove: np.ndarray
    #: ``state_logprob[s, l]``: log P(features emitted in state s | language l).
    state_logprob: np.ndarray
    #: langid's log class priors, one per language.
    class_logprior: np.ndarray
    #: Column of each language in the tables.
    index: dict[str, int]
    #: ``emitting[s]``: state s emits at least one feature; the scorer drops
    #: the bytes that end in a state that emits none before adding up.
    emitting: np.ndarray

    @classmethod
    def from_langid(cls) -> LanguageIdentifier:
        """Build the tables from langid's bundled model (about a second and a half).

        Most of that is langid decompressing and unpickling its model string;
        :meth:`save` keeps the result for :meth:`load`.
        """
        from langid import langid

        model = langid.LanguageIdentifier.from_modelstring(langid.model, norm_probs=True)
        nextmove = np.asarray(model.tk_nextmove, dtype=np.int32)
        n_states = len(nextmove) >> 8
        if (nextmove.reshape(n_states, 256)[:, RESET_BYTE[0]] != 0).any():
            raise ValueError("langid model: byte 0xFF does not reset the automaton")
        ptc = np.asarray(model.nb_ptc, dtype=np.float64)
        table = np.zeros((n_states, ptc.shape[1]), dtype=np.float64)
        for state, feats in model.tk_output.items():
            table[state] = ptc[list(feats)].sum(axis=0)
        return cls._of(
            languages=tuple(model.nb_classes),
            nextmove=nextmove,
            state_logprob=table.astype(np.float32),
            class_logprior=np.asarray(model.nb_pc, dtype=np.float64),
            emitting=(table != 0).any(axis=1),
        )

    @classmethod
    def _of(
        cls, languages: tuple[str, ...], nextmove: np.ndarray, **arrays: np.ndarray
    ) -> LanguageIdentifier:
        if len(nextmove) >> 8 > 1 << 16:
            raise ValueError("langid model: more states than 16-bit transitions can name")
        return cls(
            languages=languages,
            index={lang: i for i, lang in enumerate(languages)},
            nextmove=nextmove.astype(np.uint16, copy=False),
            **arrays,
        )

    #: The arrays :meth:`save` writes, besides the languages and the fingerprint.
    ARRAYS = ("nextmove", "state_logprob", "class_logprior", "emitting")

    def save(self, path: Path, fingerprint: str) -> None:
        """Write the tables to ``path``: one ``.npy`` array after another in one file
        (the fingerprint, the languages, then :data:`ARRAYS`).

        Not an ``.npz``: reading a zip member checks its CRC, and the tables'
        13 MB cost every worker 50 million instructions of CRC (a twentieth of
        a run's start-up); the arrays of a plain stream are read straight into
        place.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        arrays = [getattr(self, name) for name in self.ARRAYS]
        with open(tmp, "wb") as f:
            for array in (np.array(fingerprint), np.array(self.languages), *arrays):
                np.save(f, array, allow_pickle=False)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, fingerprint: str) -> LanguageIdentifier | None:
        """The tables :meth:`save` wrote, or ``None`` when there are none or they are
        of another model (``fingerprint`` differs) or unreadable."""
        try:
            with open(path, "rb") as f:
                if str(np.load(f, allow_pickle=False)) != fingerprint:
                    return None
                languages = tuple(str(lang) for lang in np.load(f, allow_pickle=False))
                arrays = {name: _next_array(f, path) for name in cls.ARRAYS}
        except (OSError, ValueError, EOFError):
            return None
        return cls._of(languages, **arrays)

    def columns(self, languages: Sequence[str]) -> np.ndarray:
        """Column indices of ``languages`` (those langid does not know are skipped)."""
        idx = self.index
        return np.array([idx[lang] for lang in languages if lang in idx], dtype=np.int64)

    #: Most candidate sets whose tables are kept (each is at most two megabytes).
    MAX_TABLES = 16
    #: The tables kept per candidate set (:meth:`_table`): the columns langid
    #: knows (``None`` when it knows every candidate) and their table.
    Tables = dict[tuple[str, ...], tuple[list[int] | None, np.ndarray]]
    #: Emitting bytes whose table rows are gathered at once (at most a few
    #: megabytes of rows).
    CHUNK = 16_384

    def _table(
        self, languages: Sequence[str], tables: Tables | None
    ) -> tuple[list[int] | None, np.ndarray]:
        """The positions in ``languages`` of those langid knows (``None``: all of them) and
        ``state_logprob`` of their columns, contiguous; kept in ``tables`` (by the
        tuple of languages) when given: one per candidate set, a few per worker.

        The segmenter scores a page's pieces one candidate set at a time, so a
        page asks for the same few sets again and again: what they need is
        looked up once each. The table stays float32, half the memory to
        gather; the rows are added up in float64, as they would be from a
        float64 copy. The columns are gathered by ``np.take`` (a copy of each
        row's items), two to four times faster than indexing with a list:
        a few milliseconds of a worker's start-up over its candidate sets.
        """
        key = tuple(languages)
        kept = tables.get(key) if tables is not None else None
        if kept is None:
            known = [i for i, lang in enumerate(key) if lang in self.index]
            cols = self.columns([key[i] for i in known])
            kept = (
                None if len(known) == len(key) else known,
                np.ascontiguousarray(np.take(self.state_logprob, cols, axis=1)),
            )
            if tables is not None:
                if len(tables) >= self.MAX_TABLES:
                    tables.clear()
                tables[key] = kept
        return kept

    def loglik(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        tables: Tables | None = None,
    ) -> np.ndarray:
        """Log-likelihood of each text under each language: an array ``len(texts) × len(languages)``.

        Each text is scored on its own (no n-gram crosses from one text into
        the next), without the class prior. Unknown languages get ``-inf``.
        ``tables`` keeps the column tables of candidate sets across calls.

        >>> ll = load_identifier().loglik(["Merci à tous d'être venus ce soir.", ""], ["en", "fr", "xx"])
        >>> ll.shape, bool(ll[0, 1] > ll[0, 0]), ll[1].tolist()
        ((2, 3), True, [0.0, 0.0, -inf])
        """
        known, table = self._table(languages, tables)
        if texts and known is None and languages:
            return (self._sums_compiled if COMPILED else self._sums)(texts, table)
        out = np.full((len(texts), len(languages)), -np.inf)
        if texts and known:
            out[:, known] = (self._sums_compiled if COMPILED else self._sums)(texts, table)
        return out

    def _sums(self, texts: Sequence[str], table: np.ndarray) -> np.ndarray:
        """Each text's sum of the ``table`` rows of its states, in numpy's vectorised steps."""
        # Texts are joined with a separator of three 0xFF bytes, a byte that
        # UTF-8 never uses and that sends the automaton back to its start
        # state: a window of four bytes then never reaches into the previous
        # text, and no masking is needed.
        sep = RESET_BYTE * (MAX_FEATURE_BYTES - 1)
        encoded = [t.encode("utf-8") for t in texts]
        lengths = np.fromiter((len(b) + len(sep) for b in encoded), np.int64, len(encoded))
        data = np.frombuffer(sep + sep.join(encoded), dtype=np.uint8).astype(np.int32)
        lead, size = len(sep), len(data)
        state = np.zeros(size - lead, dtype=np.int32)
        for back in range(MAX_FEATURE_BYTES - 1, -1, -1):
            state = self.nextmove[(state << 8) | data[lead - back : size - back]].astype(np.int32)
        piece = np.repeat(np.arange(len(encoded)), lengths)[: len(state)]
        # Only states that emit a feature add anything.
        emits = self.emitting[state]
        piece, state = piece[emits], state[emits]
        res = np.zeros((len(texts), table.shape[1]))
        # Add up the table rows of the states, piece by piece (the bytes are in
        # piece order, so no sorting), in chunks that bound the memory of the
        # gathered rows even for a megabyte-long piece.
        for lo in range(0, len(state), self.CHUNK):
            at, st = piece[lo : lo + self.CHUNK], state[lo : lo + self.CHUNK]
            cuts = np.flatnonzero(at[1:] != at[:-1]) + 1
            cuts = np.concatenate(([0], cuts))
            res[at[cuts]] += np.add.reduceat(table[st], cuts, axis=0, dtype=np.float64)
        return res

    def _sums_compiled(self, texts: Sequence[str], table: np.ndarray) -> np.ndarray:
        """:meth:`_sums` by the compiled core's automaton walk
        (:func:`normalize.kernels.loglik`, which encodes the texts as it walks them):
        the same numbers, bit for bit."""
        k = table.shape[1]
        res = np.zeros((len(texts), k))
        # Memoryviews of the arrays: interpreted, their items are Python ints (a
        # numpy uint16 state would overflow when shifted).
        kernels.loglik(
            texts if isinstance(texts, list) else list(texts),
            self.nextmove.data,
            self.emitting.view(np.uint8).data,
            table.reshape(-1).data,
            k,
            self.CHUNK,
            np.empty(k).data,
            res.reshape(-1).data,
        )
        return res


#: Saved arrays this large or larger are mapped rather than read (:func:`_next_array`).
MAPPED_BYTES = 1 << 20


def _next_array(f: BinaryIO, path: Path) -> np.ndarray:
    """The next array of the saved tables' stream ``f`` (the file at ``path``): a small
    one read, a large one mapped read-only.

    Read, the transitions and the state table (8 MB) were copied into every
    worker's memory, page by page: about 3 ms of its start-up. Mapped, they
    are the pages of the file the system keeps (shared by the workers), each
    brought in when first read. :meth:`LanguageIdentifier.save` replaces the
    file whole (a new file renamed into place), so a mapped one never
    changes under a worker.
    """
    start = f.tell()
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"{path}: an array of format {version}, not one numpy.save writes here")
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if size < MAPPED_BYTES or dtype.hasobject:
        f.seek(start)
        array: np.ndarray = np.load(f, allow_pickle=False)
        return array
    offset = f.tell()
    order: Literal["C", "F"] = "F" if fortran else "C"
    # A plain array over the mapping (its base keeps the mapping open), not a memmap,
    # whose subclass every operation on it would carry along.
    mapped = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape, order=order)
    f.seek(offset + size)
    return mapped.view(np.ndarray)


def tables_path() -> Path:
    """Where the tables of langid's model are kept: ``NORMALIZE_LANGID_TABLES``, else
    ``share/normalize/`` of the Python environment (``make`` writes them there)."""
    env = os.environ.get("NORMALIZE_LANGID_TABLES")
    return Path(env) if env else Path(sys.prefix) / "share" / "normalize" / "langid-tables.npy"


def model_fingerprint() -> str:
    """What the saved tables must have been built from: langid's module (which holds
    its model) and this module's table format.

    The module's file is hashed rather than imported: importing it builds
    its 2.5 MB model string, a tenth of a second the saved tables are there
    to save. Its hash is kept on disk under a key of the file's path, size
    and modification time (:func:`normalize.kept.kept`): hashing 2.5 MB was
    2 to 3 ms of every worker's start-up.
    """
    # The package's spec is found without running its __init__ (which imports
    # the model module); the model module sits next to it.
    spec = importlib.util.find_spec("langid")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("langid is not installed")
    module = Path(spec.origin).parent / "langid.py"
    digest = kept_tables.kept(
        "identify.langid", kept_tables.state_key((), (module,)), lambda: _file_digest(module)
    )
    return f"{TABLES_FORMAT}:{digest}"


def _file_digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


#: Version of the saved tables; a change in how they are built must bump it.
#: A new layout takes a new file name too (:func:`tables_path`): an environment's
#: tables are read by every checkout that uses it (format 1, an ``.npz`` with
#: 32-bit transitions, is ``langid-tables.npz``).
TABLES_FORMAT = 2


def load_identifier() -> LanguageIdentifier:
    """The :class:`LanguageIdentifier` of the installed langid (a worker's context keeps it).

    It comes from the saved tables (:func:`tables_path`) when they match the
    installed langid, and is built from langid's model otherwise.
    """
    return LanguageIdentifier.load(tables_path(), model_fingerprint()) or (
        LanguageIdentifier.from_langid()
    )


def save_tables(path: Path | None = None) -> Path:
    """Build the tables from langid and save them where :func:`load_identifier` looks."""
    path = path or tables_path()
    LanguageIdentifier.from_langid().save(path, model_fingerprint())
    return path


if __name__ == "__main__":
    print(f"wrote {save_tables()}", file=sys.stderr)
