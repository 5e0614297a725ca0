# The C types of normalize/kernels.py for Cython's pure-Python mode: setup.py
# compiles that module with these declarations; interpreted, this file is
# not read. Buffers are flat, row-major and contiguous.
cimport cython
from cpython.unicode cimport PyUnicode_READ, PyUnicode_KIND, PyUnicode_DATA


# Inline: a loop over characters reads them in place, where a call per character
# cost as much again as the read. (Cython warns that a declaration should not
# be inline; in pure-Python mode the .pxd is where a function can be.)
cdef inline Py_ssize_t code_at(str text, Py_ssize_t i) noexcept
cdef inline int text_kind(str text) noexcept
cdef inline const void* text_data(str text) noexcept
cdef inline Py_ssize_t read_at(int kind, const void* data, Py_ssize_t i) noexcept


@cython.locals(flags=int, nfc=int, marks=Py_ssize_t, code=Py_ssize_t, entry=int,
               trigger=int, mark=int, non_ascii=int, astral=int, spaces=int,
               line_space=int, blank_lines=int, breaks=Py_ssize_t, prev=Py_ssize_t,
               seen=Py_ssize_t, last=Py_ssize_t, kind=int, data="const void*", n=Py_ssize_t,
               i=Py_ssize_t, entries="const unsigned char*")
cpdef int canonical_flags(str text, bytes table, Py_ssize_t run) except -1


@cython.locals(mark=int, second=int, odd=int, entries="const unsigned char*", starter=Py_ssize_t,
               before=int, tail=int, kind=int, data="const void*", n=Py_ssize_t, i=Py_ssize_t,
               code=Py_ssize_t, bits=int, cls=int)
cpdef bint in_nfc(str text, bytes table, bytes pairs) except -1


@cython.locals(keys="const unsigned char*", key=Py_ssize_t, lo=Py_ssize_t, hi=Py_ssize_t,
               mid=Py_ssize_t, at=Py_ssize_t, found=Py_ssize_t)
cdef bint _composes(bytes pairs, Py_ssize_t first, Py_ssize_t second) noexcept


@cython.locals(i=Py_ssize_t, blocks_end=Py_ssize_t, half=Py_ssize_t, res=double,
               r0=double, r1=double, r2=double, r3=double,
               r4=double, r5=double, r6=double, r7=double)
cpdef double pairwise_sum(const double[::1] a, Py_ssize_t lo, Py_ssize_t n) except? -1


@cython.locals(i=Py_ssize_t, blocks_end=Py_ssize_t, half=Py_ssize_t, res=double,
               r0=double, r1=double, r2=double, r3=double,
               r4=double, r5=double, r6=double, r7=double)
cdef double _pairwise_sum(const double[::1] a, Py_ssize_t lo, Py_ssize_t n) noexcept


# The decoder: a chain's labels and their posteriors, in one work buffer.
cdef double LIKE_FLOOR

cpdef Py_ssize_t decode_work_size(Py_ssize_t n, Py_ssize_t k)


@cython.locals(history=Py_ssize_t, best=Py_ssize_t, at=Py_ssize_t, i=Py_ssize_t,
               j=Py_ssize_t, row=Py_ssize_t, peak=double, v=double)
cpdef Py_ssize_t decode_begin(const double[::1] scores, const double[::1] cost, Py_ssize_t n,
                              Py_ssize_t k, double temperature, double[::1] work,
                              Py_ssize_t[::1] ints) except -1


@cython.locals(i=Py_ssize_t, like=Py_ssize_t)
cpdef void decode_end(double[::1] work, Py_ssize_t n, Py_ssize_t k,
                      const Py_ssize_t[::1] ints, double[::1] conf) except *


@cython.locals(i=Py_ssize_t, j=Py_ssize_t, top=Py_ssize_t, label=Py_ssize_t,
               row=Py_ssize_t, prev=Py_ssize_t, floor=double, v=double)
cdef void _viterbi(const double[::1] scores, const double[::1] cost, Py_ssize_t n,
                   Py_ssize_t k, double[::1] work, Py_ssize_t best, Py_ssize_t history,
                   Py_ssize_t[::1] tops, Py_ssize_t tops_at, Py_ssize_t[::1] labels) noexcept


@cython.locals(i=Py_ssize_t, j=Py_ssize_t, t=Py_ssize_t, last=Py_ssize_t,
               at=Py_ssize_t, nxt=Py_ssize_t, f_from=Py_ssize_t, f_to=Py_ssize_t,
               b_from=Py_ssize_t, b_to=Py_ssize_t, fwd=Py_ssize_t, msg=Py_ssize_t,
               row=Py_ssize_t, first_sum=double, last_sum=double,
               f_jump=double, f_stay=double, b_jump=double, b_stay=double,
               f_sum=double, b_sum=double, stay=double)
cdef void _posteriors(double[::1] work, Py_ssize_t like, Py_ssize_t jump, Py_ssize_t n,
                      Py_ssize_t k, const Py_ssize_t[::1] labels, Py_ssize_t scratch,
                      double[::1] out) noexcept


@cython.locals(m=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, row=Py_ssize_t)
cpdef void pool_rows(double[::1] scores, Py_ssize_t n, Py_ssize_t k,
                     const unsigned char[::1] short, bint pool_on, double pool,
                     const double[::1] priors, double[::1] pooled) except *


@cython.locals(seen=Py_ssize_t, n=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, b=Py_ssize_t,
               state=Py_ssize_t, started=bint, row=Py_ssize_t, base=Py_ssize_t,
               states=Py_ssize_t, text=str, ch=Py_UCS4, code=Py_ssize_t, size=Py_ssize_t,
               byte=Py_ssize_t)
cpdef void loglik(list texts, const unsigned short[::1] nextmove,
                  const unsigned char[::1] emitting, const float[::1] table, Py_ssize_t k,
                  Py_ssize_t chunk, double[::1] acc, double[::1] out) except *


@cython.locals(j=Py_ssize_t, prev=Py_ssize_t, code=Py_ssize_t, ch=Py_UCS4)
cpdef bint needs_collapse(str key) except -1


@cython.locals(i=Py_ssize_t, j=Py_ssize_t, key=str, ch=Py_UCS4)
cpdef str phrase_key(str text, object is_edge, bytes nfc_table, bytes nfc_pairs)


@cython.locals(m=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, row=Py_ssize_t, code=Py_ssize_t,
               first=Py_ssize_t, last=Py_ssize_t, lo=Py_ssize_t, hi=Py_ssize_t,
               mid=Py_ssize_t, found=bint, ch=Py_UCS4, text=str)
cpdef void letter_bonuses(list texts, const Py_ssize_t[::1] codes, const Py_ssize_t[::1] cols,
                          double bonus, Py_ssize_t cap, Py_ssize_t k, Py_ssize_t[::1] hits,
                          double[::1] out) except *


# Word tables. The lookup of a word's column is inline in the loops that read
# words: a call copies the table's memoryview (over 200 bytes). (Cython warns
# that a declaration should not be inline; in pure-Python mode the .pxd is
# where a function can be.)
ctypedef unsigned long long u64
cdef u64 WORD_HASH_MULT, WORD_HASH_MASK
cdef Py_ssize_t WORD_TABLE_HEADER


@cython.locals(chars=Py_ssize_t, w=Py_ssize_t)
cpdef Py_ssize_t word_table_size(list words) except -1


@cython.locals(m=Py_ssize_t)
cpdef Py_ssize_t word_slots(Py_ssize_t n) except -1


@cython.locals(n=Py_ssize_t, m=Py_ssize_t, s=Py_ssize_t, starts=Py_ssize_t, chars=Py_ssize_t,
               at=Py_ssize_t, w=Py_ssize_t, word=str, ch=Py_UCS4)
cpdef void fill_word_table(list words, list cols, Py_ssize_t[::1] table) except *


@cython.locals(size=Py_ssize_t, m=Py_ssize_t, n=Py_ssize_t)
cpdef void check_word_table(const Py_ssize_t[::1] table) except *


@cython.locals(size=Py_ssize_t, room=Py_ssize_t, stop=Py_ssize_t, m=Py_ssize_t, i=Py_ssize_t,
               end=Py_ssize_t, lo=Py_ssize_t, h=u64, pos=Py_ssize_t, code=Py_ssize_t,
               col=Py_ssize_t, text=str, ch=Py_UCS4)
cpdef Py_ssize_t word_columns(list texts, str sep, const Py_ssize_t[::1] table, Py_ssize_t k,
                              unsigned int missing, unsigned int[::1] out) except -1


@cython.locals(h=u64, i=Py_ssize_t)
cdef u64 word_hash(str text, Py_ssize_t lo, Py_ssize_t hi) noexcept


@cython.locals(m=Py_ssize_t, n=Py_ssize_t, starts=Py_ssize_t, chars=Py_ssize_t, s=Py_ssize_t,
               _tries=Py_ssize_t, e=Py_ssize_t, a=Py_ssize_t, b=Py_ssize_t, i=Py_ssize_t,
               same=bint)
cdef inline Py_ssize_t probe_word(str text, Py_ssize_t lo, Py_ssize_t hi, u64 h,
                                  const Py_ssize_t[::1] table, Py_ssize_t size) noexcept


@cython.locals(col=Py_ssize_t)
cdef inline Py_ssize_t slot_column(Py_ssize_t s, const Py_ssize_t[::1] table,
                                   Py_ssize_t k) noexcept


@cython.locals(s=Py_ssize_t, col=Py_ssize_t)
cdef Py_ssize_t word_table_error(str text, Py_ssize_t lo, Py_ssize_t hi, u64 h,
                                 const Py_ssize_t[::1] table, Py_ssize_t size,
                                 Py_ssize_t k) except -2


@cython.locals(i=Py_ssize_t, j=Py_ssize_t, row=Py_ssize_t, col=Py_ssize_t, size=Py_ssize_t,
               m=Py_ssize_t, n=Py_ssize_t, words=Py_ssize_t,
               pos=Py_ssize_t, lo=Py_ssize_t, end=Py_ssize_t, s=Py_ssize_t, h=u64,
               ch=Py_UCS4, key=str, cols=object, found=bint)
cpdef void word_bonuses(list texts, object is_edge, bytes nfc_table, bytes nfc_pairs, dict phrases,
                        const Py_ssize_t[::1] stopwords, double chrome, double stopword,
                        Py_ssize_t cap, Py_ssize_t max_words, Py_ssize_t k,
                        Py_ssize_t[::1] hits, double[::1] out) except *


# Evidence rows kept across documents.
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, piece=str,
               where=object, row=object)
cpdef void piece_rows(str text, list pieces, Py_ssize_t short_chars, Py_ssize_t max_chars,
                      object context, object get, Py_ssize_t k, double[::1] out,
                      dict missing, unsigned char[::1] short) except *


@cython.locals(m=Py_ssize_t, j=Py_ssize_t, i=Py_ssize_t, piece=str)
cpdef void offer_rows(list todo, const double[::1] fresh, dict missing, Py_ssize_t k,
                      double[::1] out, Py_ssize_t max_chars, object context,
                      object offer) except *


cdef void copy_numbers(const double[::1] src, Py_ssize_t at, double[::1] out, Py_ssize_t to,
                       Py_ssize_t k) noexcept


cdef void copy_row(bytes row, double[::1] out, Py_ssize_t to, Py_ssize_t k) noexcept


cdef bytes row_bytes(const double[::1] src, Py_ssize_t at, Py_ssize_t k)


# The piece scanner. Its constants are C's (the module's CHAR_FLAGS names them).
cdef unsigned long long C_LETTER, C_MARK, C_SPACE, C_NEWLINE, C_STRUCT, C_DASH, C_STOP
cdef unsigned long long C_FULL_STOP, C_ITEM, C_APOSTROPHE, C_EMAIL, C_DOMAIN, C_URL_STOP
cdef unsigned long long SCRIPT_BITS, ONE
cdef Py_ssize_t FLAG_SHIFT, FIRST_SHIFT, NO_SCRIPT
cdef Py_ssize_t GAP_SOFT, GAP_SENTENCE, GAP_STRUCT, GAP_LINE, APART, PIECE_NUMBERS


# The scanner's helpers are C functions only: they read the text and tables
# scan_pieces has checked, at the positions it gives them.
@cython.locals(i=Py_ssize_t, end=Py_ssize_t, f=u64, prev=u64, structure=bint,
               sentence=bint, item=bint, urls=bint)
cdef Py_ssize_t gap_kind(str text, Py_ssize_t lo, Py_ssize_t hi, bint schemes, bint emails,
                         const unsigned short[::1] classes,
                         const unsigned long long[::1] info) noexcept


# Inline: called per word, a call copied the two tables' memoryviews.
@cython.locals(i=Py_ssize_t, x=u64, cont=u64)
cdef inline Py_ssize_t word_end(int kind, const void* data, Py_ssize_t pos, Py_ssize_t n,
                                u64 script, const unsigned short[::1] classes,
                                const unsigned long long[::1] info) noexcept


@cython.locals(i=Py_ssize_t)
cdef bint has_prefix(str text, Py_ssize_t pos, Py_ssize_t n, str prefix) noexcept


cdef Py_ssize_t run_end(str text, Py_ssize_t pos, Py_ssize_t n, u64 flag,
                        const unsigned short[::1] classes,
                        const unsigned long long[::1] info) noexcept


@cython.locals(start=Py_ssize_t, end=Py_ssize_t, at=Py_ssize_t, found=Py_ssize_t,
               label=Py_ssize_t)
cdef Py_ssize_t url_end(str text, Py_ssize_t pos, Py_ssize_t n, bint schemes, bint emails,
                        const unsigned short[::1] classes,
                        const unsigned long long[::1] info) noexcept


cpdef Py_ssize_t found_size(Py_ssize_t capacity) except -1


@cython.locals(n=Py_ssize_t, g=Py_ssize_t, count=Py_ssize_t, pos=Py_ssize_t,
               last_end=Py_ssize_t, cur_group=Py_ssize_t, apart_before=Py_ssize_t,
               apart=Py_ssize_t, x=u64, f=u64, first=u64, urls=bint, after_url=bint,
               carried=Py_ssize_t, start=Py_ssize_t,
               script=Py_ssize_t, bit=u64, end=Py_ssize_t, gap=Py_ssize_t, kind=Py_ssize_t,
               group=Py_ssize_t, room=Py_ssize_t, last=Py_ssize_t, at=Py_ssize_t,
               ch=Py_UCS4, width=int, data="const void*")
cpdef Py_ssize_t scan_pieces(str text, bint schemes, bint emails,
                             const unsigned short[::1] classes,
                             const unsigned long long[::1] info, const Py_ssize_t[::1] groups,
                             Py_ssize_t hani, Py_ssize_t jpan, Py_ssize_t other,
                             Py_ssize_t[::1] pending, Py_ssize_t[::1] found) except -2


@cython.locals(ch=Py_UCS4)
cpdef bint classified(str text, const unsigned short[::1] classes) except -1


# Spans: the runs of labelled pieces.
@cython.locals(n=Py_ssize_t, count=Py_ssize_t, last=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t,
               k=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, limit=Py_ssize_t,
               at=Py_ssize_t, url=Py_ssize_t, stop=Py_ssize_t, pos=Py_ssize_t,
               size=Py_ssize_t, urls=bint, stops=u64, ch=Py_UCS4, out=list, weighted=list)
cpdef list spans(str text, list pieces, bint schemes, bint emails,
                 const unsigned short[::1] classes, const unsigned long long[::1] info,
                 str none_lang, str none_script)


# Labels.
@cython.locals(n=Py_ssize_t, windows=Py_ssize_t, w=Py_ssize_t, i=Py_ssize_t)
cpdef void set_labels(list chain, const Py_ssize_t[::1] labels, const double[::1] conf,
                      tuple cands, Py_ssize_t size) except *


@cython.locals(n=Py_ssize_t, last=Py_ssize_t, i=Py_ssize_t, k=Py_ssize_t, start=Py_ssize_t,
               end=Py_ssize_t)
cpdef void absorb_strays(str text, list pieces, Py_ssize_t stray_letters,
                         const unsigned short[::1] classes,
                         const unsigned long long[::1] info) except *


# Letters.
@cython.locals(n=Py_ssize_t, ch=Py_UCS4, code=Py_ssize_t)
cpdef Py_ssize_t count_letters(str text) except -1


@cython.locals(n=Py_ssize_t)
cpdef void letter_totals(list segments, str skip, dict letters, dict confident) except *


# Segments and pieces: fields written in their slots (as CPython's member descriptors do).
from cpython.ref cimport Py_INCREF
cdef extern from "structmember.h":
    ctypedef struct PyMemberDef:
        int type
        Py_ssize_t offset
        int flags
    enum: T_OBJECT_EX
    enum: READONLY
cdef extern from "Python.h":
    ctypedef struct PyMemberDescrObject:
        PyMemberDef *d_member
cdef bint compiled

@cython.locals(out=list, offset=Py_ssize_t)
cpdef list slot_offsets(type cls, tuple names)

ctypedef PyMemberDescrObject* Descr

@cython.locals(d=cython.p_void)
cdef int _member_type(object descr) noexcept
@cython.locals(d=cython.p_void)
cdef int _member_flags(object descr) noexcept
@cython.locals(d=cython.p_void)
cdef Py_ssize_t _member_offset(object descr) noexcept

@cython.locals(slot=cython.p_char)
cdef void set_new_field(object obj, Py_ssize_t offset, str name, object value) noexcept


cdef object _segment(type segment, list at, str text, object start, object end, object lang,
                     object script, object conf, object kind, object reason)

@cython.locals(ends=list, kinds=list, reasons=list)
cpdef tuple block_table(tuple blocks, str boilerplate)


@cython.locals(nb=Py_ssize_t, last=Py_ssize_t, limit=Py_ssize_t, bi=Py_ssize_t,
               start=Py_ssize_t, end=Py_ssize_t, cut=Py_ssize_t, out=list, span=tuple, at=list)
cpdef list cut_segments(type segment, str text, list spans, list ends, list kinds,
                        list reasons)


@cython.locals(i=Py_ssize_t, f=Py_ssize_t, k=Py_ssize_t, out=list, at=list)
cpdef list make_pieces(type piece, Py_ssize_t count, const Py_ssize_t[::1] found,
                       tuple names, tuple groups, str lang)
