"""normalize: clean canonical UTF-8 documents from scraped web pages.

The public API:

- :func:`normalize_document` runs the whole pipeline on one document
  (bytes or str) and returns a :class:`Document`; ``Document.to_json()``
  gives its JSON record.
- :func:`segment_languages` labels a canonical text with language and
  script segments.
- :func:`canonicalize` brings a string to the canonical Unicode form.
- :class:`Config` is the one configuration object.

The stages, in order: ``decode`` → ``canonical`` → ``boilerplate`` →
``segment`` → ``translate`` (optional).
"""

import os as _os

# langid scores with numpy; a multi-threaded BLAS makes its small matrix
# products about 15x slower (thread start-up dominates). This must be set
# before numpy is first imported.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"

from normalize.config import CanonicalConfig, Config
from normalize.document import SCHEMA_VERSION, Document, ErrorRecord, Segment

#: The functions of the public API, by the module that defines them. They are
#: imported on first use, so that ``import normalize`` loads only the ground
#: floor (records and settings): no stage, no numpy, lxml or regex.
_LAZY = {
    "canonicalize": "normalize.canonical",
    "canonicalize_and_explain": "normalize.canonical",
    "normalize_document": "normalize.pipeline",
    "process_batch": "normalize.pipeline",
    "segment_languages": "normalize.segment",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'normalize' has no attribute {name!r}")


__all__ = [
    "SCHEMA_VERSION",
    "CanonicalConfig",
    "Config",
    "Document",
    "ErrorRecord",
    "Segment",
    "canonicalize",
    "canonicalize_and_explain",
    "normalize_document",
    "process_batch",
    "segment_languages",
]
