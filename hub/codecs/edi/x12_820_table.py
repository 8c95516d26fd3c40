"""The X12 820 Payment Order/Remittance Advice as data: element dictionary and segment table.

Release: ASC X12 004010 and 005010 (X12.3 data element dictionary; 820 transaction set,
005010X218 implementation guide for TRN being required). Only the segments the hub maps are
given their elements; the others of the set are listed so that they are read, checked for
their place and reported as not mapped.

Field names are the canonical record keys read by `x12_820` (`amount`, `debtor.account`,
`{}.name` with the N1 role, `extra.x12.ref.{}` with the REF qualifier …).
"""

from __future__ import annotations

from hub.codecs.edi.grammar import UNBOUNDED, F, Grammar, Loop, Seg, dictionary

RELEASE = "X12 004010/005010 820"

ELEMENTS_004010 = dictionary("""
19   AN 2/30  City Name
26   ID 2/3   Country Code
66   ID 1/2   Identification Code Qualifier
67   AN 2/80  Identification Code
93   AN 1/60  Name
98   ID 2/3   Entity Identifier Code
100  ID 3/3   Currency Code
116  ID 3/15  Postal Code
127  AN 1/30  Reference Identification
128  ID 2/3   Reference Identification Qualifier
156  ID 2/2   State or Province Code
166  AN 1/55  Address Information
305  ID 1/2   Transaction Handling Code
309  ID 1/2   Location Qualifier
310  AN 1/30  Location Identifier
337  TM 4/8   Time
352  AN 1/80  Description
363  ID 3/3   Note Reference Code
373  DT 8/8   Date
374  ID 3/3   Date/Time Qualifier
426  ID 2/2   Adjustment Reason Code
478  ID 1/1   Credit/Debit Flag Code
481  ID 1/2   Trace Type Code
482  ID 2/2   Payment Action Code
506  ID 2/2   (DFI) ID Number Qualifier
507  AN 3/12  (DFI) Identification Number
508  AN 1/35  Account Number
509  AN 10/10 Originating Company Identifier
510  AN 9/9   Originating Company Supplemental Code
554  N0 1/6   Assigned Number
569  ID 1/3   Account Number Qualifier
591  ID 3/3   Payment Method Code
623  ID 2/2   Time Code
782  R 1/18   Monetary Amount
812  ID 1/10  Payment Format Code
1048 ID 3/3   Business Function Code
""")
ELEMENTS_005010 = {**ELEMENTS_004010, **dictionary("""
127  AN 1/50  Reference Identification
""")}

ANY = "*"
BPR01 = frozenset({"C", "D", "I", "P", "U", "X", "Z"})

BPR = Seg("BPR", "M", 1, (
    F(1, "305", "M", "x12.bpr01", codes=BPR01),
    F(2, "782", "M", "amount"),
    F(3, "478", "M", "x12.bpr03", codes=frozenset({"C", "D"})),
    F(4, "591", "M", "x12.bpr04"),
    F(5, "812", "O", "local_instrument"),
    F(6, "506", "O", "debtor_agent.qualifier"),
    F(7, "507", "O", "debtor_agent.id"),
    F(8, "569", "O", "x12.bpr08"),
    F(9, "508", "O", "debtor.account"),
    F(10, "509", "O", "x12.bpr10"),
    F(11, "510", "O", "x12.bpr11"),
    F(12, "506", "O", "creditor_agent.qualifier"),
    F(13, "507", "O", "creditor_agent.id"),
    F(14, "569", "O", "x12.bpr14"),
    F(15, "508", "O", "creditor.account"),
    F(16, "373", "O", "settlement_date"),
    F(17, "1048", "O"), F(18, "506", "O"), F(19, "507", "O"), F(20, "569", "O"),
    F(21, "508", "O"),
))
NTE = Seg("NTE", "O", UNBOUNDED, (F(1, "363", "O", default="PMT"),
                                 F(2, "352", "M", "remittance_text[]")))
TRN = Seg("TRN", "M", 1, (F(1, "481", "M", default="1"), F(2, "127", "M", "instruction_id"),
                          F(3, "509", "O", "x12.trn03"), F(4, "127", "O")))
CUR = Seg("CUR", "O", 1, (F(1, "98", "M", default="PR"), F(2, "100", "M", "currency")))
HEADER_REF = Seg("REF", "O", UNBOUNDED, (F(1, "128", "M"), F(2, "127", "O", "{}"),
                                        F(3, "352", "O")), roles={ANY: "extra.x12.ref.{}"})
HEADER_DTM = Seg("DTM", "O", UNBOUNDED, (F(1, "374", "M"), F(2, "373", "O", "{}"),
                                        F(3, "337", "O"), F(4, "623", "O")),
                 roles={ANY: "extra.x12.dtm.{}"})


def unmapped(tag: str, usage: str = "O", repeat: int = UNBOUNDED) -> Seg:
    return Seg(tag, usage, repeat, mapped=False)


PARTY = Loop("N1", "O", 200, (
    Seg("N1", "M", 1, (F(1, "98", "M"), F(2, "93", "O", "{}.name"),
                       F(3, "66", "O", "{}.identifier_scheme"),
                       F(4, "67", "O", "{}.identifier")),
        roles={"PR": "debtor", "PE": "creditor"}),
    unmapped("N2"),
    Seg("N3", "O", UNBOUNDED, (F(1, "166", "M", "{}.address.lines[]"),
                               F(2, "166", "O", "{}.address.lines[]"))),
    Seg("N4", "O", 1, (F(1, "19", "O", "{}.address.town_name"),
                       F(2, "156", "O", "{}.address.country_sub_division"),
                       F(3, "116", "O", "{}.address.post_code"),
                       F(4, "26", "O", "{}.address.country"),
                       F(5, "309", "O"), F(6, "310", "O"))),
    unmapped("REF"), unmapped("PER"), unmapped("RDM", repeat=1), unmapped("DTM", repeat=1),
))
ADJUSTMENT = Loop("ADX", "O", UNBOUNDED, (
    Seg("ADX", "M", 1, (F(1, "782", "M", "amount"), F(2, "426", "M", "reason"))),
    unmapped("NTE"), unmapped("PER"),
), collect="adjustments")
REMITTANCE = Loop("RMR", "O", UNBOUNDED, (
    Seg("RMR", "M", 1, (F(1, "128", "M", "doc_type"), F(2, "127", "M", "reference"),
                        F(3, "482", "O"), F(4, "782", "O", "amount"),
                        F(5, "782", "O", "invoice_amount"), F(6, "782", "O", "discount"),
                        F(7, "426", "O"), F(8, "782", "O"))),
    unmapped("NTE"),
    Seg("REF", "O", UNBOUNDED, (F(1, "128", "M", "qualifier"), F(2, "127", "M", "value"),
                                F(3, "352", "O")), collect="references"),
    Seg("DTM", "O", UNBOUNDED, (F(1, "374", "M"), F(2, "373", "M", "{}"), F(3, "337", "O"),
                                F(4, "623", "O")), roles={"003": "doc_date"}),
    ADJUSTMENT,
), collect="lines")
ENTITY = Loop("ENT", "O", UNBOUNDED, (
    Seg("ENT", "M", 1, (F(1, "554", "O", default="1"),)),
    Loop("NM1", "O", UNBOUNDED, (unmapped("NM1", "M", 1), unmapped("NX2"), unmapped("REF"),
                                 unmapped("PER"))),
    Loop("ENT_ADX", "O", UNBOUNDED, (unmapped("ADX", "M", 1), unmapped("NTE"),
                                     unmapped("PER"))),
    REMITTANCE,
))

STRUCTURE = Loop("820", "M", 1, (
    BPR, NTE, TRN, CUR, HEADER_REF, HEADER_DTM, PARTY, ENTITY,
))

# segments of the 820 standard the table leaves out; met anywhere, they are reported, not refused
OTHER_820 = frozenset({"PER", "N2", "RDM", "NM1", "IT1", "TXP", "DED", "LX", "RPA", "TXI",
                       "PAM", "RTT", "NX1", "SAC", "SLN", "QTY", "REF", "DTM", "NTE", "ADX"})

GRAMMARS = {"004010": Grammar("x12", STRUCTURE, ELEMENTS_004010),
            "005010": Grammar("x12", STRUCTURE, ELEMENTS_005010)}
