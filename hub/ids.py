"""Random UUID v4 identifiers without a system call each.

`uuid.uuid4()` asks the kernel for 16 random bytes every time; on a busy hub that is two
system calls per accepted message. The same kernel randomness is read 4 KiB at a time and
handed out in 16-byte slices. The pool is dropped in a forked child so that two processes never
hand out the same bytes.
"""

from __future__ import annotations

import os
import threading
from uuid import UUID

_POOL_BYTES = 4096
_lock = threading.Lock()
_pool = b""
_pos = 0


def _forget() -> None:
    global _pool, _pos
    _pool, _pos = b"", 0


os.register_at_fork(after_in_child=_forget)


def uuid4() -> UUID:
    """A version 4 UUID from the operating system's CSPRNG (what uuid.uuid4 uses)."""
    global _pool, _pos
    with _lock:
        if _pos + 16 > len(_pool):
            _pool, _pos = os.urandom(_POOL_BYTES), 0
        chunk = _pool[_pos:_pos + 16]
        _pos += 16
    return UUID(bytes=chunk, version=4)


def new_id() -> str:
    return str(uuid4())
