"""One frozen configuration object for the whole pipeline.

:class:`Config` is composed of one dataclass per stage (:class:`DecodeConfig`,
:class:`CanonicalConfig`, :class:`BoilerplateConfig`, :class:`SegmentConfig`,
:class:`TranslateConfig`), each field with the reason for its default. They
all live here, on the ground floor, and this module imports no stage: every
stage reads its settings from here, and ``import normalize`` stays cheap. The
CLI flags and the Python API both map onto this one object; there is no
second way to pass settings.

>>> cfg = Config().with_(keep_boilerplate=True)
>>> cfg.keep_boilerplate, Config().keep_boilerplate
(True, False)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from normalize.classes import dataclass


@dataclass(frozen=True, slots=True)
class DecodeConfig:
    """Settings of the decode stage."""

    #: Repair mojibake and other encoding damage with ftfy. On: scraped text
    #: is full of UTF-8 read as cp1252/latin-1, and ftfy's heuristic is
    #: conservative enough to leave correct text alone.
    fix_mojibake: bool = True
    #: A decoded text with more than this share of U+FFFD and control
    #: characters is binary, not a damaged text: it becomes an error record.
    max_binary_ratio: float = 0.3
    #: Decode HTML entities in plain text ("&amp;" → "&") with ftfy's "auto"
    #: rule (only when the text has no tags). HTML input is never unescaped
    #: here: the HTML parser does that, and doing it twice corrupts "&amp;lt;".
    unescape_html: bool = True
    #: Fold width forms (:func:`fold_width`): fullwidth Latin letters and
    #: digits become ASCII and halfwidth kana and Hangul their usual form,
    #: while fullwidth punctuation in CJK text (，！（）) is kept: there it is
    #: the correct form, not a compatibility variant. Replaces ftfy's
    #: ``fix_character_width``, which folds every width form.
    fold_width: bool = True
    #: Encodings tried with strict decoding when a page declares nothing and
    #: the bytes are not UTF-8, before the statistical detector is asked.
    #: Empty by default: charset-normalizer knows more than a fixed list.
    fallback_encodings: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CanonicalConfig:
    """Which canonical rules apply. Every field is the name of one rule.

    The defaults are the documented canonical form (README, "Canonical form");
    turning a rule off gives a different, still idempotent, form.
    """

    #: A BOM at the start says how the bytes were encoded, not what the text is.
    remove_bom: bool = True
    #: CR LF, CR, U+2028, NEL, VT and FF become LF; U+2029 a blank line. Every
    #: later rule and every reader then sees one line break.
    line_endings: bool = True
    #: C0/C1 control characters carry no text; TAB becomes a space so that
    #: "a\tb" stays two words.
    remove_controls: bool = True
    #: Soft hyphens, zero-width spaces, word joiners: invisible, and they split
    #: words for every tokenizer and search index that does not know them.
    remove_invisibles: bool = True
    #: Bidi marks, embeddings and isolates steer display only; they break
    #: tokens and string equality. (Logical order is not changed.)
    remove_bidi_controls: bool = True
    #: ZWJ/ZWNJ survive only between letters of a script that needs them
    #: (:data:`JOINER_SCRIPTS`) and, for ZWJ, inside emoji sequences.
    remove_stray_joiners: bool = True
    #: NBSP and all other Unicode spaces become U+0020, and runs collapse:
    #: they are layout, and they make equal text compare unequal.
    normalize_spaces: bool = True
    #: Keep at most 30 combining marks after a base (counted in the canonical
    #: decomposition, as UAX #15's Stream-Safe Text Format counts them) and
    #: drop the rest. No writing system stacks more; longer runs are "Zalgo"
    #: noise or an attack, and NFC reorders a run of mixed marks in quadratic
    #: time (a million marks would take hours).
    cap_combining_marks: bool = True
    #: NFC: the composed form the web and most models use; NFKC is *not*
    #: applied because it destroys distinctions (superscripts, ligatures of
    #: scripts that need them, fullwidth forms in CJK text).
    nfc: bool = True
    #: Spaces at the start and end of a line are layout.
    trim_lines: bool = True
    #: Paragraphs are separated by exactly one blank line; no blank lines at
    #: the start or the end.
    collapse_blank_lines: bool = True
    #: Curly quotes become ASCII quotes. Off by default: typographic quotes
    #: are information (apostrophe vs. closing quote, „German“ and «French»
    #: conventions, quotes MT models were trained with), and they are already
    #: one code point each, so keeping them costs no canonicality.
    uncurl_quotes: bool = False
    #: Unicode dashes (‐ ‑ ‒ – — ― −) become "-". Off by default: an en dash
    #: in a range and an em dash in a sentence are not hyphens.
    ascii_dashes: bool = False

    def with_(self, **changes: bool) -> CanonicalConfig:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """Settings of the boilerplate stage. Every default says why it is what it is."""

    #: Off: every block is content (the page is still split into blocks).
    enabled: bool = True
    #: A block counts as repeated chrome of a source group when it appears in
    #: at least ``repeat_min_fraction`` of the group's documents (and in two at
    #: least): a template line is on most pages of a site. Half, because the
    #: seeds' icon strip is on two pages of four.
    repeat_min_fraction: float = 0.5
    #: ...or, in a large group, in at least this many documents: a template
    #: line need not be on half of a big crawl's pages, while ten pages of one
    #: host quoting the same short sentence is rare. See :func:`find_repeats`.
    repeat_min_documents: int = 10
    #: Blocks longer than this (in words) are never counted as repeats: a long
    #: repeated paragraph is more likely syndicated content than chrome.
    repeat_max_words: int = 60
    #: Two documents of a source whose content shingles (:func:`content_sketch`)
    #: overlap this much (Jaccard) are copies of one page: they count once as
    #: evidence of repeated chrome. 0.8 tolerates edits and a different teaser
    #: or two, and stays far above two articles of one site, which share a
    #: few long template lines at most.
    duplicate_min_similarity: float = 0.8
    #: Lines of at least this many words are a page's content lines for
    #: duplicate detection: site chrome is mostly shorter.
    duplicate_min_words: int = 8
    #: Probability of being content below which the model calls a block
    #: boilerplate. 0.5 is the calibrated decision point of the logistic model.
    threshold: float = 0.5
    #: When no block reaches ``threshold``, the page's best blocks are kept down
    #: to half the best probability, but never below this.
    min_threshold: float = 0.05
    #: When the model keeps less than this share of the text of the page's
    #: main-content container, the container's text is kept instead: the
    #: container is an independent extraction, and a model that keeps under a
    #: third of it has missed an article of unusual shape more often than the
    #: container is wrong (see ``fall_back_to_container``).
    fallback_share: float = 0.3
    #: ...when the container holds at least this many code points: a short
    #: container is no evidence of an article the model missed.
    fallback_min_chars: int = 300
    #: HTML larger than this (in code points) is cut before parsing, and the
    #: page gets ``truncated: True`` in its metadata. 8 Mi is far above real
    #: article pages (the median is ~100 k) and keeps a page under a second.
    max_html_chars: int = 8 * 1024 * 1024
    #: At most this many blocks per page; later blocks are dropped and the page
    #: is marked ``truncated``. Bounds the classifier and the output size.
    max_blocks: int = 20_000
    #: Elements nested deeper than this are read as text of their ancestor at
    #: this depth (libxml2 itself stops at 256). The walk is iterative, so
    #: depth never raises ``RecursionError``; this bounds per-block work.
    max_depth: int = 200
    #: Block texts (lines) longer than this many code points are never chrome
    #: phrases, breadcrumbs or icon strips; cheap rules only look at short text.
    max_rule_chars: int = 400


@dataclass(frozen=True, slots=True)
class SegmentConfig:
    """Settings of the language-segment stage.

    The evidence weight, switching costs, stopword and chrome bonuses, the
    pooling of short pieces and the default prior were tuned on the
    development set of ``bench/lid_mixed.py`` by halves (chosen on one half,
    checked on the other; the values kept are good on both). The letter and
    hint bonuses were set by hand: the set has neither hints nor many
    distinctive letters.
    """

    #: Candidate languages (ISO 639-1). ``None``: every language langid knows,
    #: narrowed per piece to those that write its script. Narrow it when the
    #: corpus is known: fewer candidates, fewer confusions.
    languages: tuple[str, ...] | None = None
    #: Weight of langid's log-likelihoods. Naive Bayes counts every byte
    #: n-gram as independent evidence, but overlapping n-grams are not, so its
    #: raw log-likelihoods are several times overconfident.
    evidence_weight: float = 0.25
    #: Cost (in nats) of switching language between two pieces of one script
    #: with only words, commas or another script between them.
    switch_soft: float = 6.0
    #: … across a sentence end: sentences of a paragraph usually share a language.
    switch_sentence: float = 3.0
    #: … across a breadcrumb or title separator, bracket, quote or colon.
    switch_struct: float = 2.0
    #: … across a line break: lines are often chrome of another language.
    switch_line: float = 1.5
    #: Bonus (nats) per occurrence of a letter only one candidate writes
    #: (``letters`` in a language pack), capped by ``letter_cap`` per piece.
    letter_bonus: float = 1.5
    #: Most occurrences of distinctive letters counted per piece: a long
    #: sentence already carries its own evidence.
    letter_cap: int = 3
    #: Bonus when a whole piece is a chrome phrase of a candidate
    #: (``lang_packs/<lang>/chrome.txt``): "होम" is Hindi site chrome even
    #: though langid's n-grams lean Nepali. It must outweigh the two line
    #: switches (``switch_line``) that a chrome line between lines of another
    #: language of its script costs: with 1.5, "Related posts" or "Most read"
    #: between two Turkish lines was Turkish. 4 was the best of 1.5, 2, 2.5,
    #: 3, 3.5, 4, 5 on each half of lid-mixed (short chrome 0.936 -> 0.943
    #: and 0.925 -> 0.929, character accuracy 0.9938 -> 0.9940 and 0.9861 ->
    #: 0.9862; 5 the same as 4).
    chrome_bonus: float = 4.0
    #: Bonus per word of a piece in one candidate's ``stopwords.txt`` and no
    #: other candidate's, at most ``letter_cap`` words per piece: the lists
    #: differ in size, and a long list would otherwise outvote a short one on
    #: every long sentence. 2.5 was the best value on each half of the
    #: development set (character accuracy 0.992 and 0.985, from 0.986 and
    #: 0.979 with every listed word counting 1.0).
    stopword_bonus: float = 2.5
    #: Pieces of at most this many characters are *short*: crumbs, menu items.
    short_chars: int = 20
    #: Share of the evidence of the other short pieces of the same script that
    #: each short piece receives: a page's chrome is in one site language, so
    #: its crumbs and menu items pool their (individually weak) evidence.
    short_pool: float = 0.35
    #: Most pieces of one script decoded one by one; beyond, consecutive
    #: pieces are decoded together in windows. Bounds the time of
    #: pathological texts; real pages have a few hundred pieces at most.
    max_pieces: int = 5000
    #: Pieces of another script this short (in characters) inside running
    #: text take the language around them (see ``_absorb_strays``).
    stray_letters: int = 2
    #: Bonus for the language of the page's ``<html lang>``, given to unsure
    #: pieces (``unsure_confidence``): a site's declared language is usually
    #: the language of its chrome. 2 was the best of 1, 2 on each half of
    #: the extraction-multilingual pages (letters labelled with the page's
    #: language: 0.9849 without, 0.9865 / 0.9873 with 1 / 2 on half A;
    #: 0.9708, 0.9720 / 0.9724 on half B).
    html_lang_bonus: float = 2.0
    #: Bonus for the languages of the chrome that repeats across the source,
    #: given to unsure pieces: a site's chrome is in its site language. 1 was
    #: the best character accuracy of 1, 2, 3 on each half of lid-mixed
    #: grouped into pseudo-sources (``bench/lid_mixed.py``; 0.9938 -> 0.9948
    #: and 0.9861 -> 0.9874, short chrome 0.936 -> 0.983 and 0.925 -> 0.965,
    #: averaged over six draws). 2 labels more short chrome right (0.983
    #: and 0.987) but costs character accuracy and boundary F1 on both halves.
    source_lang_bonus: float = 1.0
    #: Pieces whose posterior (of their label, after a first decoding
    #: without the hints) is below this are *unsure*: only they take the
    #: page's hints, and the chain is decoded again. A sure sentence in
    #: another language than the site's keeps its label.
    unsure_confidence: float = 0.9
    #: Prior of languages without a ``segment.json`` prior, relative to 0:
    #: langid knows 97 languages, many rare on the web; a piece with little
    #: evidence should not go to Volapük or Walloon.
    default_prior: float = -3.0

    #: Temperature of the posteriors that ``confidence`` reports: the
    #: potentials (evidence, priors, switching costs) are divided by it
    #: before the forward-backward pass. The labels do not change (the
    #: Viterbi path is the same at any positive scale); only how sure they
    #: say they are. ``bench/lid_mixed.py`` fits it on each half of its
    #: development set and scores the other: the fits did not agree on
    #: a better value than 1 (see the README).
    confidence_temperature: float = 1.0
    #: A short piece (at most ``short_chars``) with no other piece of its
    #: script on the page to take context from, whose confidence is below
    #: this, is ``und``: "CNN" on a Burmese page or "BBC NEWS" alone carry
    #: too little evidence for any language, and a wrong label is worse than
    #: none. Pieces with neighbours of their script keep the label the
    #: decoding gives them with that context. On the development set of
    #: ``bench/lid_mixed.py`` this costs 0.001 of short-chrome accuracy
    #: (0.2 applied to every short stand-alone piece cost 0.02).
    min_confidence: float = 0.3

    def __post_init__(self) -> None:
        if self.languages is not None:
            # Imported here: the script tables are the segmenter's, and the
            # ground floor imports no stage unless a language list needs checking.
            from normalize.scripts import validate_languages

            validate_languages(self.languages)


@dataclass(frozen=True, slots=True)
class TranslateConfig:
    """Settings of the translation stage; ``target=None`` means no translation."""

    #: Language to translate into (ISO 639-1, as in the packs' metadata).
    target: str | None = None
    #: Translate boilerplate segments too. Off: navigation and footers are
    #: rarely wanted in another language, and they are most of the sentences
    #: of a scraped page.
    translate_boilerplate: bool = False
    #: Packs folder; ``None`` uses ``$NORMALIZE_PACKS_DIR``, else the user
    #: data folder (see :func:`normalize.packs.packs_root`).
    packs_dir: str | None = None
    #: Upper bound on the tokens CTranslate2 decodes at once. CTranslate2
    #: sorts a call's sentences by length and cuts them into batches of this
    #: size; larger batches amortise the per-step cost better, until memory
    #: or padding waste grows. Argos uses 32, tuned for interactive use.
    max_batch_tokens: int = 2048
    #: Batches decoded in parallel per translator. One: the pipeline already
    #: runs one worker process per core.
    inter_threads: int = 1
    #: Threads per batch. One: on a 2-core machine CTranslate2's default (all
    #: cores) is several times slower, as the threads fight over the cores
    #: with the other workers; set it to the core count for a single worker.
    intra_threads: int = 1
    #: Where CTranslate2 runs: ``auto`` (a GPU when CTranslate2 sees one,
    #: else the CPU), ``cpu``, or ``cuda`` (an error when there is no GPU,
    #: rather than a silent fall back to a much slower run). ``auto`` by
    #: default: a GPU translates batches many times faster, and the packs'
    #: int8 models run on both.
    device: str = "auto"
    #: Beam size, length penalty: Argos's decoding settings, so that the
    #: output is the output of ``argostranslate.translate.translate()``.
    beam_size: int = 4
    length_penalty: float = 0.2
    #: Longest piece of text translated as one sentence (characters). Text
    #: without sentence punctuation is cut at spaces into pieces this long:
    #: models are trained on sentences, and slow down and drop words on
    #: longer input.
    max_sentence_chars: int = 500
    #: Longest piece given to a model, in its own tokens: a longer sentence
    #: is cut at clause marks, else between words, and its parts translated
    #: apart, rather than being cut off by the model (CTranslate2 silently
    #: truncates input and output). 150: a long real sentence is 60 to 100
    #: subword tokens, and the packs' models are trained on sentences.
    max_input_tokens: int = 150
    #: Translate every piece not in the target language from this language,
    #: whatever it was labelled (``--source-lang``): for a corpus known to be
    #: in one language that the identifier confuses with a close one.
    source_lang: str | None = None
    #: When a sentence's language has no pack, an installed pack's source
    #: language of the same script is used if the language identifier gives
    #: it at least this posterior probability among that script's languages
    #: (or it is the document's or its source's dominant language). 0.05:
    #: within the identifier's uncertainty on short text; on the hi/mr/ne
    #: sentences of the lid-mixed dev set it takes in every Hindi sentence
    #: labelled Marathi or Nepali (cross-validated on both halves).
    alternative_min_posterior: float = 0.05


@dataclass(frozen=True, slots=True)
class Config:
    """Settings for a run. Every field has a default that suits scraped web text."""

    decode: DecodeConfig = field(default_factory=DecodeConfig)
    canonical: CanonicalConfig = field(default_factory=CanonicalConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    translate: TranslateConfig = field(default_factory=TranslateConfig)
    #: Put boilerplate back into ``text``. Off: downstream users want the
    #: article; the boilerplate stays in ``segments`` either way.
    keep_boilerplate: bool = False
    #: Documents larger than this (in bytes, before decoding) become an error
    #: record instead of being processed: one pathological page must not stall
    #: or exhaust a run. 16 MiB is far above any real article page.
    max_bytes: int = 16 * 1024 * 1024
    #: Wall-clock seconds one document may take (all stages but translation)
    #: before it becomes an error record (``code: timeout``). Enforced with a
    #: timer signal, so only where normalize runs in a main thread (the CLI
    #: and its workers always do); ``0`` switches it off.
    max_seconds: float = 60.0

    def with_(self, **changes: Any) -> Config:
        """A copy with top-level fields replaced."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Settings of a corpus run: how it reads, schedules and writes, around :class:`Config`.

    The CLI maps its flags onto one ``RunConfig``; the readers, the writers and
    both engines read only this object (no keyword arguments, no options
    object beside it). Environment variables are read in one place,
    :meth:`from_environment`.

    >>> run = RunConfig(batch_size=64)
    >>> run.batch_size, run.pipeline.max_bytes == Config().max_bytes
    (64, True)
    """

    #: The per-document pipeline's settings.
    pipeline: Config = field(default_factory=Config)
    #: Documents per batch. Cross-document evidence (chrome repeated across a
    #: source) is gathered within one batch, so this changes the output; 256
    #: documents hold several pages of most sites while keeping memory flat.
    batch_size: int = 256
    #: Worker processes (local) or actors (Ray); ``0``: every core this
    #: process may use. The output does not depend on it.
    jobs: int = 0
    #: ``local`` (worker processes) or ``ray`` (a Ray cluster).
    engine: str = "local"
    #: JSONL field holding the document (text or HTML).
    text_field: str = "text"
    #: JSONL field holding the document id; ``FILE:LINE`` when absent.
    id_field: str = "id"
    #: Output path, ``-`` for standard output; a folder for ``format="text"``.
    output: str = "-"
    #: Output format: ``jsonl`` records, ``parquet`` (the record's Arrow schema) or
    #: ``text`` (one ``.txt`` per document). An output file's extension
    #: (``.parquet``, ``.jsonl.gz``, ``.jsonl.zst``) says it as well.
    format: str = "jsonl"
    #: With ``-o DIR/``: close a shard once it holds this many bytes (on
    #: disk, compressed) and start the next; ``None``: 200 MB for a folder,
    #: one file otherwise. 200 MB shards are what datatrove and ``datasets``
    #: read in parallel without holding much in memory.
    shard_size: int | None = None
    #: How records carry their segments: ``full`` (default: nothing is
    #: lost), ``offsets`` (no segment text: a fraction of the size) or
    #: ``none`` (see ``document.SEGMENT_MODES``).
    segments: str = "full"
    #: Also write the run's statistics (the summary's figures) to this JSON file.
    stats: str | None = None
    #: Continue an interrupted run from its checkpoint.
    resume: bool = False
    #: No progress bar or summary on standard error.
    quiet: bool = False
    #: Address of a Ray cluster (``$RAY_ADDRESS``); ``None`` starts a local one.
    ray_address: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], **fields: Any) -> RunConfig:
        """A run's settings with those that come from the environment filled in.

        The one place where normalize reads environment variables for a run:
        ``RAY_ADDRESS`` (the Ray cluster to join) and ``NORMALIZE_PACKS_DIR``
        (the translation packs folder, also read by ``normalize packs``).

        >>> run = RunConfig.from_environment({"RAY_ADDRESS": "auto"}, jobs=2)
        >>> run.ray_address, run.jobs, run.pipeline.translate.packs_dir
        ('auto', 2, None)
        """
        run = cls(**fields)
        packs_dir = environ.get("NORMALIZE_PACKS_DIR") or None
        if packs_dir and run.pipeline.translate.packs_dir is None:
            pipeline = dataclasses.replace(
                run.pipeline,
                translate=dataclasses.replace(run.pipeline.translate, packs_dir=packs_dir),
            )
            run = dataclasses.replace(run, pipeline=pipeline)
        return dataclasses.replace(run, ray_address=environ.get("RAY_ADDRESS") or None)

    def workers(self) -> int:
        """The number of worker processes: ``jobs``, or every core this process may use."""
        if self.jobs > 0:
            return self.jobs
        try:
            return len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not on Linux
            return os.cpu_count() or 1
