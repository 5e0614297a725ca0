"""Input and output of a corpus run, shared by every engine.

- :mod:`normalize.io.readers`: inputs (files, folders, standard input) to raw
  documents, with a registry of formats (text, HTML, JSONL);
- :mod:`normalize.io.failed`: the error record of an input that could not be read;
- :mod:`normalize.io.compression`: compressed inputs, bounded for every format;
- :mod:`normalize.io.record`: the record a worker hands to the writer;
- :mod:`normalize.io.writers`: the ``Writer`` protocol, JSONL and text writers;
- :mod:`normalize.io.checkpoint`: kill-and-resume, apart from the format.

The engines (:mod:`normalize.engines`) schedule work and do no I/O of their own.
"""
