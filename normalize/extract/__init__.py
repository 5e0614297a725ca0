"""Extraction: a page (HTML or text) turned into blocks that tile its text, with metadata.

:mod:`normalize.extract.html` reads HTML (blocks with structural features,
title, date, ``<html lang>``); :mod:`normalize.extract.text` reads
already-extracted text (one block per line); :mod:`normalize.extract.metadata`
reads what a page says about itself (headline, date, author, site, URL…).
Which blocks are chrome is the
boilerplate stage's decision, not theirs.
"""
