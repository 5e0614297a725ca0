# The C types of normalize/extract/walk.py for Cython's pure-Python mode:
# setup.py compiles that module with these declarations; interpreted, this
# file is not read.
cimport cython


@cython.final
cdef class RawBlock:
    cdef public list parts
    cdef public Py_ssize_t link_chars, n_links, last_link
    cdef public bint link_head
    cdef public str tag
    cdef public frozenset flags
    cdef public tuple near, path


@cython.final
cdef class TagInfo:
    cdef readonly str tag
    cdef readonly bint skip, is_block, page_level, is_link, is_br, is_noscript
    cdef readonly Py_ssize_t struct


@cython.locals(low=str, struct=object)
cpdef TagInfo tag_info(object tag)


@cython.final
cdef class _Frame:
    cdef bint is_block
    cdef Py_ssize_t flags, number, link, own
    cdef str cls, ident, prop


@cython.final
cdef class _Walk:
    cdef list raws
    cdef RawBlock cur
    cdef list parts, frames
    cdef Py_ssize_t top
    cdef list block_ids, block_tags
    cdef Py_ssize_t brs
    cdef dict names, value_hints

    @cython.locals(out=frozenset)
    cdef frozenset names_of(self, Py_ssize_t mask)

    @cython.locals(bits=object)
    cdef Py_ssize_t value_mask(self, str value) except -1

    @cython.locals(own=Py_ssize_t)
    cdef Py_ssize_t attrs_mask(self, str cls, str ident, str prop) except -1

    cdef Py_ssize_t own_of(self, _Frame frame) except -1

    @cython.locals(frame=_Frame)
    cdef void push(self, bint is_block, Py_ssize_t flags, Py_ssize_t number, Py_ssize_t link,
                   Py_ssize_t own, str cls, str ident, str prop) except *

    @cython.locals(parent=_Frame)
    cdef void skip(self) except *

    cdef void close(self) except *

    cdef void space(self, str text) except *

    @cython.locals(frame=_Frame, cur=RawBlock, parts=list, near=list, i=Py_ssize_t, f=_Frame,
                   link=Py_ssize_t, n=Py_ssize_t, own=Py_ssize_t)
    cdef void add(self, str text) except *


@cython.final
cdef class BlockHints:
    cdef _Walk state
    cdef readonly dict values

    @cython.locals(values=tuple, mask=Py_ssize_t)
    cpdef frozenset get(self, Py_ssize_t number, frozenset default)


@cython.locals(words=list, out=str)
cpdef str collapse_spaces(str text)


@cython.locals(state=_Walk, frames=list, tag_infos=dict, block_values=dict, ids=Py_ssize_t,
               depth=Py_ssize_t, info=TagInfo, parent=_Frame, frame=_Frame, items=list,
               name=str, value=str, hidden=bint, own=Py_ssize_t, struct=Py_ssize_t,
               link=Py_ssize_t, text=str, tail=str, cls=str, ident=str, prop=str,
               own_hints=BlockHints)
cpdef tuple walk(object body, Py_ssize_t max_depth, Py_ssize_t max_blocks, dict noscripts)


@cython.locals(score=dict, chars=dict, links=dict, enclosing=dict, richest=dict, k=Py_ssize_t,
               r=RawBlock, t=str, n=Py_ssize_t, path=tuple, m=Py_ssize_t, i=Py_ssize_t,
               level=Py_ssize_t, s=double, in_bad=bint, pair=tuple, ld=double, hints=frozenset,
               best_score=double, cont_ld=double, sibling_score=double, own=double,
               above=double, feats=list, f=dict, in_container=bint, page_level=frozenset)
cpdef list block_features(list raws, list texts, BlockHints own_hints)


cpdef Py_ssize_t commas(str text) except -1


cpdef Py_ssize_t prose_length(str text) except -1
