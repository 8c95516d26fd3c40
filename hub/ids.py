"""Random UUID v4 identifiers without a system call each.

`uuid.uuid4()` asks the kernel for 16 random bytes every time; on a busy hub that is two
system calls per accepted message. The same kernel randomness is read 4 KiB at a time and
handed out in 16-byte slices. The pool is dropped in a forked child so that two processes never
hand out the same bytes.
"""

from __future__ import annotations

import os
import threading
from uuid import UUID, SafeUUID

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


# the version nibble and the two variant bits of UUID.int: version 4, RFC 4122 variant
V4_MASK = (0xF << 76) | (0xC << 60)
V4_BITS = (0x4 << 76) | (0x8 << 60)
_SAFETY_UNKNOWN = SafeUUID.unknown  # read once: an Enum member lookup is a descriptor call


def uuid_from_text(text: str) -> UUID:
    """`UUID(text)`, with the usual 8-4-4-4-12 form read without UUID's general parsing (its
    prefix and brace handling, its keyword checks): a UETR is read from every payment.
    Raises ValueError where UUID(text) does."""
    digits = text.replace("-", "")
    if len(digits) != 32 or ":" in digits or "{" in digits:
        return UUID(text)  # "urn:uuid:", braces, or not a UUID at all: UUID decides
    return uuid_of(int(digits, 16))  # the int() and length check UUID(text) makes


def uuid_of(number: int) -> UUID:
    """UUID(int=number) for a number known to fit 128 bits, set as UUID.__init__ sets it."""
    value = object.__new__(UUID)
    object.__setattr__(value, "int", number)
    object.__setattr__(value, "is_safe", _SAFETY_UNKNOWN)
    return value
