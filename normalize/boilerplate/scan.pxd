# The C types of normalize/boilerplate/scan.py for Cython's pure-Python mode:
# setup.py compiles that module with these declarations; interpreted, this
# file is not read.
cimport cython
from libc.string cimport memmove
from cpython.object cimport PyObject_GenericSetAttr
from libc.math cimport exp as c_exp, log1p as c_log1p

cdef bint compiled


@cython.locals(table=list, n=Py_ssize_t, k=Py_ssize_t, _j=Py_ssize_t, c=cython.uint)
cpdef list crc_table(Py_ssize_t tables=*)


@cython.locals(n=Py_ssize_t, li=Py_ssize_t, lo=Py_ssize_t, hi=Py_ssize_t, p=Py_ssize_t,
               w=Py_ssize_t, at=Py_ssize_t, reduce_at=Py_ssize_t, byte=cython.uint,
               crc=cython.uint, s1=cython.ulonglong, s2=cython.ulonglong, ones=cython.uint,
               a=Py_ssize_t, length=Py_ssize_t, k=Py_ssize_t, x=cython.uint,
               wide=cython.ulonglong, m=cython.ulonglong, s1_a=cython.ulonglong,
               ad_lo=cython.ulonglong, ad_hi=cython.ulonglong, h=cython.ulonglong,
               j=Py_ssize_t, slot=Py_ssize_t, q=Py_ssize_t, r=Py_ssize_t, seen=bint,
               b=Py_ssize_t, ws=Py_ssize_t, span=Py_ssize_t)
cpdef Py_ssize_t shingle_sketch(const unsigned char[::1] data, const Py_ssize_t[::1] starts,
                                Py_ssize_t n_lines, Py_ssize_t shingle_words, Py_ssize_t size,
                                const cython.uint[::1] table, Py_ssize_t[::1] ring,
                                cython.ulonglong[::1] hashes, Py_ssize_t[::1] spans) except -1


@cython.locals(m=Py_ssize_t, n=Py_ssize_t, k=Py_ssize_t, a=Py_ssize_t, b=Py_ssize_t,
               i=Py_ssize_t, j=Py_ssize_t, at=Py_ssize_t, h=cython.ulonglong, s=double,
               whole=double, out=list)
cpdef list shared_pairs(const cython.ulonglong[::1] hashes, const Py_ssize_t[::1] order,
                        const Py_ssize_t[::1] docs, const double[::1] sizes, Py_ssize_t lo,
                        Py_ssize_t hi, double min_similarity, double sketch_size,
                        Py_ssize_t[::1] shared)


@cython.locals(n=Py_ssize_t, m=Py_ssize_t, n1=Py_ssize_t, n2=Py_ssize_t, k=Py_ssize_t,
               i=Py_ssize_t, u=Py_ssize_t, at=Py_ssize_t, z=double, ctx_p=double, wide=double,
               prev=double, after=double, f=dict, p1=list, out=list, column=dict, t=Py_ssize_t,
               seen=list, seen_cols=list)
cpdef list content_probabilities(list names, const Py_ssize_t[::1] cols1,
                                 const double[::1] weights1, const Py_ssize_t[::1] cols2,
                                 const double[::1] weights2, const Py_ssize_t[::1] context,
                                 list feats, double[::1] rows)


@cython.locals(e=double)
cdef double _sigmoid(double z) except? -1.0
cdef double _exp(double x) except? -1.0
cdef double _log1p(double x) except? -1.0


@cython.locals(n=Py_ssize_t, i=Py_ssize_t, f=dict)
cpdef add_context(list feats, list probs)


@cython.locals(j=Py_ssize_t, lo=Py_ssize_t, hi=Py_ssize_t, m=Py_ssize_t, s=double)
cdef double _mean_around(list probs, Py_ssize_t i, Py_ssize_t n, Py_ssize_t width)


cpdef object structural_reason(dict f, object log13)


@cython.locals(n=Py_ssize_t, i=Py_ssize_t, line=object, k=object, prev_key=object,
               reason=object, out=list)
cpdef list forced_reasons(list lines, object repeated, Py_ssize_t title_index,
                          str title_key, list feats, list structure,
                          object max_rule_chars, object phrases, object log13)
cpdef str model_reason(dict f)


@cython.locals(n=Py_ssize_t, i=Py_ssize_t, f=dict, out=list)
cpdef list container_blocks(list feats, list forced)


@cython.locals(n=Py_ssize_t, i=Py_ssize_t, p=double, low=double, rescue=bint, why=object, out=list)
cpdef list verdicts(list feats, list forced, list probs, Py_ssize_t title_index,
                    double threshold, object rescue_threshold)


@cython.locals(n=Py_ssize_t, i=Py_ssize_t, p=double, best=double, found=bint)
cpdef object best_free(list probs, list forced, Py_ssize_t title_index)


cdef object _block(type block, object start, object end, object kind, object reason,
                   object features)


@cython.locals(out=list, n=Py_ssize_t, pos=Py_ssize_t, nl=Py_ssize_t, end=Py_ssize_t)
cpdef tuple line_blocks(type block, str text, Py_ssize_t max_blocks, str content)


@cython.locals(n=Py_ssize_t, i=Py_ssize_t)
cpdef tuple span_blocks(type block, list starts, list ends, list feats, str content)


@cython.locals(n=Py_ssize_t, out=list, start=Py_ssize_t, end=Py_ssize_t)
cpdef list block_texts(str text, tuple blocks)


@cython.locals(n=Py_ssize_t, i=Py_ssize_t, out=list, f=dict, reason=object)
cpdef tuple marked_blocks(type block, tuple blocks, list verdicts, list feats, list probs,
                          str boilerplate, str content)


# The tests of a character are inline (as kernels' code_at is): the line loops call
# them for each character, and a call cost as much as the test. (Cython warns that a
# declaration should not be inline; in pure-Python mode the .pxd is where it can be.)
cdef inline bint _is_space(cython.uint o) noexcept
cdef inline bint _is_word(cython.uint o) noexcept
cdef inline bint _is_gp_word(cython.uint o) noexcept
cdef inline bint _is_sent_end(cython.uint o) noexcept
cdef inline bint _is_closer(cython.uint o) noexcept


@cython.locals(m=Py_ssize_t, k=Py_ssize_t)
cdef bint _has(str text, Py_ssize_t p, Py_ssize_t n, str s)


@cython.locals(p=Py_ssize_t)
cdef bint _ends_sentence(str text, Py_ssize_t end)


@cython.locals(o=cython.uint, c=Py_UCS4)
cpdef bint ascii_words(str text) except -1


@cython.locals(n=Py_ssize_t, m=Py_ssize_t, n_words=Py_ssize_t, sent=Py_ssize_t,
               commas=Py_ssize_t, digits=Py_ssize_t, caps=Py_ssize_t, nav=Py_ssize_t,
               nav_from=Py_ssize_t, p=Py_ssize_t, o=cython.uint, url=bint, prev_word=bint,
               end=bint, out=bytearray, buf=cython.uchar[::1], c=Py_UCS4, prev=cython.uint,
               prev2=cython.uint, tail=cython.ulonglong, low64=cython.ulonglong,
               collapse=bint, upper=bint, other=Py_ssize_t, folded=str)
cdef tuple _ascii_line(str text, const unsigned char[::1] classes, Py_ssize_t lo, Py_ssize_t hi)
cpdef tuple ascii_line(str text)


cdef inline bint _is_stop(cython.uint o) noexcept
cdef inline bint _is_any_closer(cython.uint o) noexcept


@cython.locals(p=Py_ssize_t)
cdef bint _ends_any_sentence(str text, Py_ssize_t end)


@cython.locals(n=Py_ssize_t, p=Py_ssize_t, o=cython.uint, f=cython.uint, prev=cython.uint,
               prev2=cython.uint, last=cython.uint, tail=cython.ulonglong,
               low64=cython.ulonglong, out=bytearray, buf=cython.uchar[::1], m=Py_ssize_t,
               n_words=Py_ssize_t, sent=Py_ssize_t, commas=Py_ssize_t, digits=Py_ssize_t,
               caps=Py_ssize_t, nav=Py_ssize_t, nav_from=Py_ssize_t, in_word=bint, url=bint,
               end=bint, joined=str, c=Py_UCS4)
cpdef tuple unicode_line(str text, const unsigned char[::1] flags)


# Counts that are divided are doubles: with cdivision, a C int over a C int truncates.
@cython.locals(n=Py_ssize_t, last_pos=double, i=Py_ssize_t, j=Py_ssize_t, m=Py_ssize_t,
               nw=double, count=Py_ssize_t, n_prose=Py_ssize_t, first=Py_ssize_t,
               last=Py_ssize_t, lo=Py_ssize_t, hi=Py_ssize_t, width=Py_ssize_t,
               ahead=Py_ssize_t, here=Py_ssize_t, no_stoplist=double, sd=double, ref=double,
               rel=double, pr=double, total=double, dist=double, ctx_prose=double, base=tuple,
               bases=list,
               sds=list, long_sd=list, rels=list, prose=list, prose_idx=list, upto=list,
               feats=list)
cpdef list text_features(list lines, list stops, double log11, double log13)


@cython.locals(n_sets=Py_ssize_t, n_langs=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, s=Py_ssize_t,
               k=Py_ssize_t, c=Py_ssize_t, error=str)
cpdef stop_lang_counts(const cython.uint[::1] ids, Py_ssize_t n, const Py_ssize_t[::1] set_starts,
                       const Py_ssize_t[::1] set_langs, Py_ssize_t[::1] counts,
                       Py_ssize_t[::1] per_set)


@cython.locals(m=Py_ssize_t, i=Py_ssize_t, end=Py_ssize_t, count=Py_ssize_t, out=list,
               total=Py_ssize_t, width=Py_ssize_t)
cpdef list stop_counts(const cython.uint[::1] ids, list n_words,
                       const unsigned char[::1] column)



@cython.locals(out=bytearray, o=cython.uint)
cpdef bytes key_classes(object is_edge)


cdef inline Py_ssize_t _key_index(cython.uint o) noexcept


@cython.locals(out=bytearray, buf=cython.uchar[::1], m=Py_ssize_t, o=cython.uint, c=Py_UCS4)
cdef str _lowered(str key)


@cython.locals(n=Py_ssize_t, lo=Py_ssize_t, hi=Py_ssize_t, p=Py_ssize_t, o=cython.uint,
               collapse=bint, upper=bint, key=str, nw=Py_ssize_t, n_sent=Py_ssize_t,
               n_comma=Py_ssize_t, n_digit=Py_ssize_t, n_caps=Py_ssize_t, n_nav=object,
               end=bint, url=bint, other=Py_ssize_t)
cpdef tuple ascii_analysis(str text, const unsigned char[::1] classes)


@cython.locals(key=str, nw=Py_ssize_t, folded=str, base=tuple, end=bint)
cpdef object line_analysis(str text, const unsigned char[::1] classes)


cpdef tuple base_features(Py_ssize_t n, Py_ssize_t nw, bint end, Py_ssize_t n_sent,
                          Py_ssize_t n_comma, Py_ssize_t n_digit, Py_ssize_t n_caps, bint url,
                          object n_nav)


cdef inline bint _splits(cython.uint o) noexcept


cdef inline cython.uint _folded(cython.uint o) noexcept


cpdef bint icon_labels(str text) except -1


@cython.locals(n=Py_ssize_t, n_toks=Py_ssize_t, m=Py_ssize_t, k=Py_ssize_t, a=Py_ssize_t,
               p=Py_ssize_t, o=cython.uint, c=Py_UCS4, need=double,
               h1=cython.ulonglong, h2=cython.ulonglong, t1=cython.ulonglong, t2=cython.ulonglong,
               head=cython.ulonglong, tail=cython.ulonglong, roll=cython.ulonglong,
               first=cython.ulonglong, low64=cython.ulonglong,
               hc1=Py_ssize_t, hc2=Py_ssize_t, tc1=Py_ssize_t, tc2=Py_ssize_t,
               hn1=Py_ssize_t, hn2=Py_ssize_t, tn1=Py_ssize_t, tn2=Py_ssize_t)
cdef bint _icon_strip(str text) except -1
