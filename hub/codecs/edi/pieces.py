"""An interchange cut into segment texts at its terminator, without the line breaks that
writers put after each terminator (they are not data in X12 or EDIFACT)."""

from __future__ import annotations

from operator import methodcaller

_strip_lines = methodcaller("strip", "\r\n")


def segment_texts(text: str, terminator: str) -> list[str]:
    """The texts between terminators, each stripped of line breaks at both ends, and the text
    after the last terminator (the last item, possibly empty)."""
    if "\n" not in text and "\r" not in text:
        return text.split(terminator)
    for brk in ("\n", "\r\n") if terminator not in "\r\n" else ():
        # every line break right after a terminator: dropping them is the same as stripping
        # each piece, without copying every piece
        after = terminator + brk
        lines = text.count("\n")
        if lines == text.count(after) and text.count("\r") == (lines if brk == "\r\n" else 0):
            pieces = text.replace(after, terminator).split(terminator)
            break
    else:
        pieces = text.split(terminator)
        pieces[:-1] = map(_strip_lines, pieces[:-1])
    return pieces
