"""Log lines on standard error that nothing in a document can forge or hijack.

File names, JSONL ids, metadata and pack names reach log messages. A
terminal escape in one could redraw the screen; a newline could forge a log
line of its own. Every value put into a log message is escaped here
(control characters, DEL, C1 controls and the Unicode line separators
become ``\\xNN`` / ``\\uNNNN``), while letters of every script stay as they are.
"""

from __future__ import annotations

import logging
import re
import sys

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_control(text: str) -> str:
    r"""``text`` with control characters and line separators shown as escapes.

    >>> escape_control("doc\x1b[2J\nnormalize: forged line; हिन्दी")
    'doc\\x1b[2J\\x0anormalize: forged line; हिन्दी'
    """
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )


class EscapingFormatter(logging.Formatter):
    """A formatter that escapes every argument of a message (the format strings are ours)."""

    def format(self, record: logging.LogRecord) -> str:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                a if isinstance(a, int | float) else escape_control(str(a)) for a in args
            )
        elif not isinstance(record.msg, str):
            record.msg = escape_control(str(record.msg))
        return super().format(record)


def setup_logging(level: int) -> None:
    """Log ``normalize: MESSAGE`` lines to standard error, arguments escaped."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(EscapingFormatter("normalize: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
