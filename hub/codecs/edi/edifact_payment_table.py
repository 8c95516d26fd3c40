"""PAYMUL, PAYEXT and PAYORD as data: D.96A data elements and message structures.

Release: UN/EDIFACT D.96A (UNTDED element formats, PAYMUL/PAYEXT/PAYORD message structures;
segment group numbers are PAYMUL's). Segments the hub does not map are listed so that they are
placed and checked, and reported as not mapped. One deviation: PAYMUL's heading DTM (M1 in
the directory) is read when present and written when the payment carries its document date.

Field names are the canonical record keys read by `edifact_payment` (`amount`,
`{}.account` with the FII role, `extra.edifact.rff.{}` with the RFF qualifier …).
"""

from __future__ import annotations

from hub.codecs.edi.grammar import F, Grammar, Loop, Seg, dictionary

RELEASE = "UN/EDIFACT D.96A"
MAX = 9999

ELEMENTS = dictionary("""
1000 an..35 Document/message name
1001 an..3  Document/message name, coded
1004 an..35 Document/message number
1050 an..6  Sequence number
1082 n..6   Line item number
1131 an..3  Code list qualifier
1153 an..3  Reference qualifier
1154 an..35 Reference number
1225 an..3  Message function, coded
1245 an..3  Status indicator, coded
1366 an..70 Document/message source
1373 an..3  Document/message status, coded
2005 an..3  Date/time/period qualifier
2379 an..3  Date/time/period format qualifier
2380 an..35 Date/time/period
3035 an..3  Party qualifier
3036 an..35 Party name
3039 an..35 Party id identification
3042 an..35 Street and number/p.o. box
3045 an..3  Party name format, coded
3055 an..3  Code list responsible agency, coded
3124 an..35 Name and address line
3164 an..35 City name
3192 an..35 Account holder name
3194 an..35 Account holder number
3207 an..3  Country, coded
3229 an..9  Country sub-entity identification
3251 an..9  Postcode identification
3432 an..70 Institution name
3433 an..11 Institution name identification
3434 an..17 Institution branch number
3436 an..70 Institution branch place
3453 an..3  Language, coded
4343 an..3  Response type, coded
4431 an..3  Payment guarantee, coded
4435 an..3  Payment channel, coded
4439 an..3  Payment conditions, coded
4440 an..70 Free text
4441 an..3  Free text, coded
4451 an..3  Text subject qualifier
4453 an..3  Text function, coded
4461 an..3  Payment means, coded
4465 an..3  Adjustment reason, coded
4471 an..3  Settlement, coded
5004 n..18  Monetary amount
5025 an..3  Monetary amount type qualifier
6066 n..18  Control value
6069 an..3  Control qualifier
6345 an..3  Currency, coded
7187 an..17 Process type identification
""")

ANY = "*"
CHARGES = frozenset({"13", "14", "15"})
DATE_FORMATS = frozenset({"102", "203", "204"})


def unmapped(tag: str, usage: str = "O", repeat: int = 1) -> Seg:
    return Seg(tag, usage, repeat, mapped=False)


def dtm(usage: str, repeat: int, roles: dict[str, str]) -> Seg:
    return Seg("DTM", usage, repeat, (F(1, "2005", "M", component=1),
                                     F(1, "2380", "M", "{}", component=2),
                                     F(1, "2379", "O", component=3, default="102",
                                       codes=DATE_FORMATS)), roles=roles)


def rff(usage: str, repeat: int, roles: dict[str, str]) -> Seg:
    return Seg("RFF", usage, repeat, (F(1, "1153", "M", component=1),
                                     F(1, "1154", "O", "{}", component=2)), roles=roles)


def moa(usage: str, repeat: int, roles: dict[str, str], currency: str = "O",
        collect: str = "") -> Seg:
    return Seg("MOA", usage, repeat, (F(1, "5025", "M", component=1),
                                     F(1, "5004", "M", "{}", component=2),
                                     F(1, "6345", currency, "{}.currency", component=3)),
               roles=roles, collect=collect)


def fii(roles: dict[str, str]) -> Seg:
    return Seg("FII", "M", 1, (
        F(1, "3035", "M"),
        F(2, "3194", "O", "{}.account", component=1), F(2, "3192", "O", "{}.holder", component=2),
        F(2, "3192", "O", component=3), F(2, "6345", "O", component=4),
        F(3, "3433", "O", "{}_bank.id", component=1),
        F(3, "1131", "O", "{}_bank.qualifier", component=2),
        F(3, "3055", "O", "{}_bank.agency", component=3),
        F(3, "3434", "O", "{}_bank.branch", component=4),
        F(3, "1131", "O", "{}_bank.branch_qualifier", component=5),
        F(3, "3055", "O", "{}_bank.branch_agency", component=6),
        F(3, "3432", "O", "{}_bank.name", component=7), F(3, "3436", "O", component=8),
        F(4, "3207", "O", "{}_bank.country")), roles=roles)


def nad(roles: dict[str, str]) -> Seg:
    return Seg("NAD", "M", 1, (
        F(1, "3035", "M"),
        F(2, "3039", "O", "{}.identifier", component=1), F(2, "1131", "O", component=2),
        F(2, "3055", "O", "{}.identifier_scheme", component=3),
        *(F(3, "3124", "O", "{}.unstructured[]", component=k) for k in range(1, 6)),
        *(F(4, "3036", "O", "{}.name_parts[]", component=k) for k in range(1, 6)),
        F(4, "3045", "O", component=6),
        *(F(5, "3042", "O", "{}.address.lines[]", component=k) for k in range(1, 5)),
        F(6, "3164", "O", "{}.address.town_name"),
        F(7, "3229", "O", "{}.address.country_sub_division"),
        F(8, "3251", "O", "{}.address.post_code"),
        F(9, "3207", "O", "{}.address.country")), roles=roles)


def party_group(name: str, usage: str, repeat: int, head: Seg) -> Loop:
    return Loop(name, usage, repeat, (head, unmapped("CTA"), unmapped("COM", repeat=5)))


BGM_FIELDS = {kind: (F(1, "1001", "M", component=1, default=code, codes=frozenset({code})),
                     F(2, "1004", "O", "message_id"), F(3, "1225", "O", default="9"),
                     F(4, "4343", "O"))
              for kind, code in (("PAYMUL", "452"), ("PAYEXT", "451"), ("PAYORD", "450"))}
PAI = Seg("PAI", "O", 1, tuple(F(1, ref, "O", f"pai.{k}", component=k)
                               for k, ref in enumerate(("4439", "4431", "4461", "1131", "3055",
                                                        "4435"), 1)))
FCA = Seg("FCA", "O", 1, (F(1, "4471", "M", "charges", codes=CHARGES),))
FTX_PMD = Seg("FTX", "O", 1, (F(1, "4451", "M"), F(2, "4453", "O"),
                              *(F(4, "4440", "O", "remittance_text[]", component=k)
                                for k in range(1, 6))), roles={"PMD": ""})
ADJUSTMENT = Loop("SG19", "O", 100, (
    Seg("AJT", "M", 1, (F(1, "4465", "M", "reason"), F(2, "1082", "O"))),
    moa("O", 1, {"8": "amount"}), unmapped("RFF"), unmapped("FTX"),
), collect="adjustments")
DOCUMENT = Loop("SG17", "O", MAX, (
    Seg("DOC", "M", 1, (F(1, "1001", "M", "doc_type", component=1),
                        F(1, "1131", "O", component=2), F(1, "3055", "O", component=3),
                        F(1, "1000", "O", component=4),
                        F(2, "1004", "M", "reference", component=1),
                        F(2, "1373", "O", component=2), F(2, "1366", "O", component=3),
                        F(2, "3453", "O", component=4))),
    moa("O", 5, {"12": "amount", "9": "invoice_amount", "52": "discount"}),
    dtm("O", 5, {"171": "doc_date"}),
    Seg("RFF", "O", 5, (F(1, "1153", "M", "qualifier", component=1),
                        F(1, "1154", "O", "value", component=2)), collect="references"),
    unmapped("NAD", repeat=2),
    Loop("SG18", "O", 5, (unmapped("CUX", "M"), unmapped("DTM"))),
    ADJUSTMENT,
    Loop("SG20", "O", 1000, (unmapped("DLI", "M"), unmapped("MOA", repeat=5),
                             unmapped("PIA", repeat=5), unmapped("DTM", repeat=5))),
), collect="lines")


def details(documents: bool) -> Loop:
    """Details of payment: PRC with free text, or with structured documents."""
    return Loop("SG16", "O", 1, (
        Seg("PRC", "M", 1, (F(1, "7187", "M", "prc", component=1),)),
        FTX_PMD,
        *((DOCUMENT,) if documents else ()),
        Loop("SG22", "O", 1, (unmapped("GIS", "M"), unmapped("MOA", repeat=5))),
    ))


OTHER_GROUPS = (
    Loop("SG14", "O", 3, (unmapped("INP", "M"), unmapped("FTX"), unmapped("DTM", repeat=2))),
    Loop("SG15", "O", 10, (unmapped("GIS", "M"), unmapped("MOA"), unmapped("LOC", repeat=2),
                           unmapped("NAD"), unmapped("RCS"), unmapped("FTX", repeat=10))),
)
CREDIT_ROLES = {"BF": "creditor", "I1": "intermediary"}
PAYMENT_RFF = {"CR": "instruction_id", ANY: "extra.edifact.rff.{}"}

C_LEVEL = Loop("SG11", "M", MAX, (
    Seg("SEQ", "M", 1, (F(1, "1245", "O"), F(2, "1050", "M", "seq", component=1))),
    moa("M", 1, {"9": "amount"}, currency="M"),
    dtm("O", 1, {}),
    rff("O", 3, PAYMENT_RFF),
    PAI, FCA,
    party_group("SG12", "O", 3, fii(CREDIT_ROLES)),
    party_group("SG13", "O", 3, nad({"BE": "creditor"})),
    *OTHER_GROUPS,
    details(documents=True),
), collect="payments")

B_LEVEL = Loop("SG4", "M", MAX, (
    Seg("LIN", "M", 1, (F(1, "1082", "M", "line"),)),
    dtm("O", 1, {"203": "requested_execution_date"}),
    rff("O", 2, {"AEK": "extra.edifact.order_reference"}),
    unmapped("BUS"),
    FCA,
    Loop("SG5", "O", 1, (moa("M", 1, {"9": "total"}, collect="totals"), unmapped("CUX"),
                         unmapped("DTM", repeat=2), unmapped("RFF"))),
    party_group("SG6", "M", 1, fii({"OR": "debtor"})),
    party_group("SG7", "O", 3, nad({"OY": "debtor"})),
    Loop("SG8", "O", 1, (unmapped("INP", "M"), unmapped("FTX"), unmapped("DTM", repeat=2))),
    Loop("SG9", "O", 10, (unmapped("GIS", "M"), unmapped("MOA"), unmapped("LOC", repeat=2),
                          unmapped("NAD"), unmapped("RCS"), unmapped("FTX", repeat=10))),
    Loop("SG10", "O", 1, (unmapped("PRC", "M"), unmapped("FTX", "M"))),
    C_LEVEL,
), collect="blocks")

PAYMUL = Loop("PAYMUL", "M", 1, (
    Seg("BGM", "M", 1, BGM_FIELDS["PAYMUL"]),
    dtm("O", 1, {"137": "extra.edifact.document_date"}),
    unmapped("BUS"),
    Loop("SG1", "O", 2, (rff("M", 1, {ANY: "extra.edifact.rff.{}"}), unmapped("DTM"))),
    Loop("SG2", "O", 5, (unmapped("FII", "M"), unmapped("CTA"), unmapped("COM", repeat=5))),
    Loop("SG3", "O", 3, (unmapped("NAD", "M"), unmapped("CTA"), unmapped("COM", repeat=5))),
    B_LEVEL,
    Seg("CNT", "O", 5, (F(1, "6069", "M", "qualifier", component=1),
                        F(1, "6066", "M", "value", component=2)), collect="counts"),
    Loop("SG23", "O", 5, (unmapped("AUT", "M"), unmapped("DTM"))),
    unmapped("FTX", repeat=5),
))


def single(kind: str) -> Loop:
    """PAYEXT / PAYORD: one payment, its segments at message level."""
    return Loop(kind, "M", 1, (
        Seg("BGM", "M", 1, BGM_FIELDS[kind]),
        dtm("O", 4, {"137": "extra.edifact.document_date",
                     "203": "requested_execution_date"}),
        unmapped("BUS"), PAI, FCA,
        Loop("SG1", "O", 5, (rff("M", 1, {"AEK": "extra.edifact.order_reference",
                                         **PAYMENT_RFF}), unmapped("DTM"))),
        Loop("SG2", "M", 1, (moa("M", 1, {"9": "amount"}, currency="M"), unmapped("CUX"),
                             unmapped("DTM"), unmapped("RFF"))),
        party_group("SG3", "O", 5, fii({"OR": "debtor", **CREDIT_ROLES})),
        party_group("SG4", "O", 6, nad({"OY": "debtor", "BE": "creditor"})),
        *OTHER_GROUPS,
        details(documents=kind == "PAYEXT"),
        Loop("SG23", "O", 5, (unmapped("AUT", "M"), unmapped("DTM"))),
    ))


OTHER_SEGMENTS = frozenset({"BUS", "INP", "GIS", "CUX", "AUT", "CTA", "COM", "DLI", "PIA",
                            "GEI", "FTX", "LOC", "RCS", "DTM", "RFF", "NAD", "FII", "MOA"})

GRAMMARS = {kind: Grammar("edifact", structure, ELEMENTS, decimal_fields=("5004",),
                          date_fields=("2380",))
            for kind, structure in (("PAYMUL", PAYMUL), ("PAYEXT", single("PAYEXT")),
                                    ("PAYORD", single("PAYORD")))}
