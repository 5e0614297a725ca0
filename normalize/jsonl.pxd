# The C types of normalize/jsonl.py for Cython's pure-Python mode: setup.py
# compiles that module with these declarations; interpreted, this file is
# not read.
cimport cython
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.bytearray cimport PyByteArray_Resize

cdef bint compiled
cdef double _FIXED_BELOW
cdef Py_ssize_t _MOST_PER_CHARACTER
cdef Py_ssize_t _SEGMENT_GUESS


@cython.locals(shown=str)
cdef str four_places(double x)


@cython.locals(n=Py_ssize_t, i=Py_ssize_t, at=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t,
               written=dict, shown=str)
cpdef bytes record_line(str head, str text, str middle, object segments, bint segment_text,
                        str tail)


@cython.locals(found=str)
cdef str _confidence(object key, double conf, dict written)


@cython.locals(size=Py_ssize_t)
cdef Py_ssize_t _reserve(bytearray buf, Py_ssize_t at, Py_ssize_t need) except -1


cdef Py_ssize_t _grow(bytearray buf, Py_ssize_t size) except -1


@cython.locals(k=Py_ssize_t, p="unsigned char *")
cdef Py_ssize_t _put_bytes(bytearray buf, Py_ssize_t at, bytes part) except -1


@cython.locals(p="unsigned char *", magnitude=size_t, rest=size_t, digits=Py_ssize_t,
               end=Py_ssize_t, i=Py_ssize_t)
cdef Py_ssize_t _put_int(bytearray buf, Py_ssize_t at, Py_ssize_t value) except -1


@cython.locals(p="unsigned char *", ch=Py_UCS4, code=Py_ssize_t)
cdef Py_ssize_t _put_json(bytearray buf, Py_ssize_t at, str s, bint quoted) except -2


cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    # Its bytes (an ASCII string's are its UTF-8).
    const unsigned char *PyUnicode_DATA(object o)

cdef inline bint _is_ascii(str s) noexcept


@cython.locals(n=Py_ssize_t, i=Py_ssize_t, start=Py_ssize_t, data="const unsigned char *",
               code=Py_ssize_t)
cdef Py_ssize_t _put_ascii(unsigned char *p, Py_ssize_t at, str s, bint quoted) noexcept


@cython.locals(short=int)
cdef inline Py_ssize_t _put_ascii_code(unsigned char *p, Py_ssize_t at, Py_ssize_t code,
                                       bint quoted) noexcept


cdef int _short_escape(Py_ssize_t code) noexcept


@cython.locals(k=int, digit=int)
cdef Py_ssize_t _put_escape(unsigned char *p, Py_ssize_t at, Py_ssize_t code) noexcept
