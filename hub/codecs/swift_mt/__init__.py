"""SWIFT MT (FIN) codec family: envelope, field grammar, message specs, network rules, mapping.

    envelope.py        lossless blocks 1-5/S, RJE and DOS-PCC framings, ACK/NAK
    notation.py        SWIFT field notation ("6!n3!a15d") -> parser and writer
    fields.py          field formats as data (SR2025)
    specs.py           message structures as data
    syntax.py          field grammar checks with SWIFT error codes
    parties.py         50F/59F party identifier and numbered lines (countries.py: ISO 3166)
    headers.py         block 1/2/3/5 faults with SWIFT's H- and U-codes
    rules.py           network validated rules, one named predicate each
    rejects.py         reject/return guideline text of MT 199/299 field 79
    check.py           runs all checks on one message
    to_canonical.py    MT -> canonical model
    from_canonical.py  canonical model -> MT
    codec.py           the Codec (detect, decode, encode, validate)
"""

from hub.codecs.swift_mt.codec import CODEC, SwiftMtCodec, write_envelope

__all__ = ["CODEC", "SwiftMtCodec", "write_envelope"]
