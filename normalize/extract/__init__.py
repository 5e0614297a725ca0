"""Extraction: a page (HTML or text) turned into blocks that tile its text, with metadata.

:mod:`normalize.extract.html` reads HTML (blocks with structural features,
title, date, ``<html lang>``); :mod:`normalize.extract.text` reads
already-extracted text (one block per line). Which blocks are chrome is the
boilerplate stage's decision, not theirs.
"""
