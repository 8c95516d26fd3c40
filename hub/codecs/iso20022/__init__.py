"""ISO 20022 family: pacs.008/009/002/004, camt.056/029, pain.001 with the head.001 AppHdr.

Safe XML parsing, XSD validation against the operator's schema folder, rail profiles (CBPR+,
T2, CHAPS, Fedwire) and the mapping to and from the canonical model.
"""

from hub.codecs.iso20022 import codes as _codes  # noqa: F401  (registers the error codes)
from hub.codecs.iso20022.codec import Envelope, Iso20022Codec

CODEC = Iso20022Codec()

__all__ = ["CODEC", "Envelope", "Iso20022Codec"]
