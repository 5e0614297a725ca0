"""Text to blocks: already-extracted text as a page of line blocks.

Extracted text puts one visible block of the page per line, so every line is
a block.
"""

from __future__ import annotations

from normalize.boilerplate.tokens import scan
from normalize.config import BoilerplateConfig
from normalize.document import CONTENT, Block, Page


def text_page(text: str, *, config: BoilerplateConfig) -> Page:
    """Split already-canonical ``text`` into line blocks.

    Paragraphs are separated by a blank line and lines within a paragraph by
    "\\n"; every line is a block because extracted text puts one visible
    block of the page per line.

    >>> p = text_page("a\\nb\\n\\nc", config=BoilerplateConfig())
    >>> [(b.start, b.end, p.block_text(b)) for b in p.blocks]
    [(0, 2, 'a'), (2, 5, 'b'), (5, 6, 'c')]
    """
    # The scanner's loop (compiled: each block made without its class's __init__).
    blocks, truncated = scan.line_blocks(Block, text, config.max_blocks, CONTENT)
    return Page(text=text, blocks=blocks, metadata={"truncated": True} if truncated else {})
