# The C types of normalize/jsonl.py for Cython's pure-Python mode: setup.py
# compiles that module with these declarations; interpreted, this file is
# not read.
cimport cython


@cython.locals(ch=Py_UCS4, quoted=str)
cpdef str escaped(str s)


@cython.locals(shown=str)
cdef str four_places(double x)


@cython.locals(parts=list, written=dict, start=Py_ssize_t, end=Py_ssize_t, shown=str,
               found=str, body=str, why=str, opened=str, closed=str)
cpdef str segments_json(object segments, bint text)
