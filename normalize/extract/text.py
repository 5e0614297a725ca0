"""Text to blocks: already-extracted text as a page of line blocks.

Extracted text puts one visible block of the page per line, so every line is
a block.
"""

from __future__ import annotations

from normalize.config import BoilerplateConfig
from normalize.document import Block, Page


def text_page(text: str, *, config: BoilerplateConfig) -> Page:
    """Split already-canonical ``text`` into line blocks.

    Paragraphs are separated by a blank line and lines within a paragraph by
    "\\n"; every line is a block because extracted text puts one visible
    block of the page per line.

    >>> p = text_page("a\\nb\\n\\nc", config=BoilerplateConfig())
    >>> [(b.start, b.end, p.block_text(b)) for b in p.blocks]
    [(0, 2, 'a'), (2, 5, 'b'), (5, 6, 'c')]
    """
    blocks: list[Block] = []
    pos, n = 0, len(text)
    truncated = False
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        while end < n and text[end] == "\n":
            end += 1
        if len(blocks) >= config.max_blocks - 1 and end < n:
            # The rest of the page becomes one last block: nothing is lost,
            # and ``truncated`` in the metadata says why it is one block.
            blocks.append(Block(pos, n))
            truncated = True
            break
        blocks.append(Block(pos, end))
        pos = end
    return Page(text=text, blocks=tuple(blocks), metadata={"truncated": True} if truncated else {})
