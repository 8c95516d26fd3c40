"""Writes the hand-made MT cases: <name>.fin plus <name>.expected.json ([{code, location}]).

Each invalid case changes one thing in a valid base message; its expected finding is the one
the SR2025 rule or format named in `why` prescribes.
Run: python tests/vectors/swift_mt/make_cases.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
H103 = ("{1:F01BANKDEFFAXXX0000000000}{2:I103BANKUS33XXXXN}"
        "{3:{121:8a562c67-ca16-48ba-b074-65581be6f001}}")
H103_EEA = "{1:F01BANKDEFFAXXX0000000000}{2:I103BANKFRPPXXXXN}"


def fin(head: str, fields: list[tuple[str, str]]) -> str:
    body = "".join(f"\r\n:{t}:{v.replace(chr(10), chr(13) + chr(10))}" for t, v in fields)
    return head + "{4:" + body + "\r\n-}"


MT103 = [("20", "REF123"), ("23B", "CRED"), ("32A", "250102EUR1000,50"),
         ("50K", "/DE89370400440532013000\nJOHN DOE\nMAIN STREET 1"), ("57A", "BANKUS33XXX"),
         ("59", "/12345678\nJANE ROE\nNEW YORK"), ("70", "INVOICE 42"), ("71A", "SHA")]


def swap(fields: list[tuple[str, str]], tag: str, new: list[tuple[str, str]]) -> list:
    out = []
    for t, v in fields:
        out.extend(new if t == tag else [(t, v)])
    return out


def after(fields: list[tuple[str, str]], tag: str, new: list[tuple[str, str]]) -> list:
    out = []
    for t, v in fields:
        out.append((t, v))
        if t == tag:
            out.extend(new)
    return out


CASES: dict[str, tuple[str, list[dict[str, str]], str]] = {}


def case(name: str, text: str, expected: list[tuple[str, str]], why: str) -> None:
    CASES[name] = (text, [{"code": c, "location": loc} for c, loc in expected], why)


# --- valid, one per message type -------------------------------------------------------------
case("mt103_valid", fin(H103, MT103), [], "MT 103 with every mandatory field")
case("mt103_valid_lf", fin(H103, MT103).replace("\r\n", "\n"), [], "LF line endings decode")
case("mt202_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I202BANKUS33XXXXN}", [
    ("20", "FI0001"), ("21", "RELREF"), ("32A", "250102USD5000,"), ("57A", "CHASUS33"),
    ("58A", "/123456\nBANKUS33")]), [], "MT 202")
case("mt205_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I205BANKUS33XXXXN}", [
    ("20", "FI0002"), ("21", "RELREF"), ("32A", "250102USD5000,"), ("52A", "BANKDEFF"),
    ("58A", "BANKUS33")]), [], "MT 205")
COV_A = [("20", "COV0001"), ("21", "REF123"), ("32A", "250102EUR1000,50"), ("57A", "BANKUS33"),
         ("58A", "BANKFRPP")]
COV_B = [("50F", "/DE89370400440532013000\n1/JOHN DOE\n2/MAIN STREET 1\n3/DE/BERLIN"),
         ("59F", "/12345678\n1/JANE ROE\n3/US/NEW YORK")]
case("mt202cov_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I202BANKUS33XXXXN}{3:{119:COV}}",
                           COV_A + COV_B), [], "MT 202 COV")
case("mt205cov_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I205BANKUS33XXXXN}{3:{119:COV}}",
                           swap(COV_A, "57A", [("52A", "BANKDEFF")]) + COV_B), [], "MT 205 COV")
M760 = [("15A", ""), ("27", "1/1"), ("22A", "ISSU"), ("15B", ""), ("20", "GTEE01"),
        ("30", "250102"), ("22D", "DGAR"), ("40C", "URDG"), ("23B", "FIXD"), ("31E", "261231"),
        ("50", "APPLICANT LTD"), ("52A", "BANKDEFF"), ("59", "BENEFICIARY SA"),
        ("32B", "EUR50000,"), ("77U", "TERMS AND CONDITIONS")]
case("mt760_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I760BANKUS33XXXXN}", M760), [],
     "MT 760 SR2021 sequences A and B")
FREE = [("20", "FREE01"), ("21", "REF123"), ("79", "PLEASE CONFIRM RECEIPT")]
case("mt199_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I199BANKUS33XXXXN}", FREE), [], "MT 199")
case("mt299_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I299BANKUS33XXXXN}", FREE), [], "MT 299")
CANCEL = [("20", "CANC01"), ("21", "REF123"), ("11S", "103\n250102"),
          ("79", "PLEASE CANCEL, DUPLICATE")]
case("mt192_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I192BANKUS33XXXXN}", CANCEL), [],
     "MT 192")
case("mt292_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I292BANKUS33XXXXN}",
                        swap(CANCEL, "11S", [("11S", "202\n250102")])), [], "MT 292")
ANSWER = [("20", "ANSW01"), ("21", "CANC01"), ("76", "/CNCL/"), ("11R", "192\n250102")]
case("mt196_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I196BANKUS33XXXXN}", ANSWER), [],
     "MT 196")
case("mt296_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I296BANKUS33XXXXN}", ANSWER), [],
     "MT 296")
M900 = [("20", "DEB01"), ("21", "REF123"), ("25", "12345678"), ("32A", "250102EUR100,")]
case("mt900_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I900BANKUS33XXXXN}", M900), [], "MT 900")
case("mt910_valid", fin("{1:F01BANKDEFFAXXX0000000000}{2:I910BANKUS33XXXXN}",
                        [*M900, ("52A", "BANKFRPP")]), [], "MT 910")

# --- invalid: one per message type ----------------------------------------------------------
for mt, _head_type in (("mt202", "202"), ("mt205", "205"), ("mt199", "199"), ("mt299", "299"),
                      ("mt192", "192"), ("mt292", "292"), ("mt196", "196"), ("mt296", "296"),
                      ("mt900", "900"), ("mt910", "910"), ("mt760", "760"), ("mt202cov", "202"),
                      ("mt205cov", "205")):
    text = CASES[f"{mt}_valid"][0]
    case(f"{mt}_invalid_t26", text.replace(":20:", ":20:/", 1),
         [("MT.T26", "field 20 line 1")], "T26: a reference must not start with '/'")
case("mt103_invalid_missing_71A", fin(H103, [f for f in MT103 if f[0] != "71A"]),
     [("MT.T13", "field 71A")], "T13: mandatory field missing")

# --- field grammar --------------------------------------------------------------------------
case("t50_bad_date", fin(H103, swap(MT103, "32A", [("32A", "251302EUR1000,50")])),
     [("MT.T50", "field 32A line 1")], "T50: month 13")
case("t40_dot_decimal", fin(H103, swap(MT103, "32A", [("32A", "250102EUR1000.50")])),
     [("MT.T40", "field 32A line 1")], "T40: amounts use a decimal comma")
case("t52_bad_currency", fin(H103, swap(MT103, "32A", [("32A", "250102XYZ1000,50")])),
     [("MT.T52", "field 32A line 1")], "T52: not an ISO 4217 code")
case("c03_decimals", fin(H103, swap(MT103, "32A", [("32A", "250102JPY1000,5")])),
     [("MT.C03", "field 32A line 1")], "C03: JPY has no decimals")
case("t08_code_word", fin(H103, swap(MT103, "71A", [("71A", "XYZ")])),
     [("MT.T08", "field 71A line 1")], "T08: 71A is BEN, OUR or SHA")
case("t13_unknown_tag", fin(H103, after(MT103, "70", [("99Z", "HELLO")])),
     [("MT.T13", "field 99Z")], "T13: field not in MT 103")
case("charset_illegal", fin(H103, swap(MT103, "70", [("70", "INVOICE #42")])),
     [("MT.CHARSET", "field 70 line 1")], "'#' is not in the x character set")
case("line_too_long", fin(H103, swap(MT103, "70", [("70", "X" * 36)])),
     [("MT.LINE_LENGTH", "field 70 line 1")], "70 is 4*35x")
case("too_many_lines", fin(H103, swap(MT103, "70", [("70", "A\nB\nC\nD\nE")])),
     [("MT.LINES", "field 70 line 5")], "70 is 4*35x")
case("t56_59F_numbering", fin(H103, swap(MT103, "59", [("59F", "/123\nJANE ROE\n3/US/NY")])),
     [("MT.T56", "field 59F line 2"), ("MT.T56", "field 59F line 2")],
     "59F lines must start with 1/, 2/ or 3/")

# --- network rules, MT 103 --------------------------------------------------------------------
M = MT103
case("d75_missing_36", fin(H103, after(M, "32A", [("33B", "USD1100,")])),
     [("MT.D75", "field 33B line 1")], "C1 D75: 33B currency differs, 36 missing")
case("d75_valid", fin(H103, after(M, "32A", [("33B", "USD1100,"), ("36", "0,91")])), [],
     "C1 D75 satisfied")
case("d49_eea", fin(H103_EEA, M), [("MT.D49", "field 33B")], "C2 D49: DE to FR needs 33B")
case("d49_valid", fin(H103_EEA, after(M, "32A", [("33B", "EUR1000,50")])), [], "C2 satisfied")
case("e01_spri", fin(H103, swap(M, "23B", [("23B", "SPRI"), ("23E", "HOLD")])),
     [("MT.E01", "field 23E line 1")], "C3 E01: SPRI allows only SDVA, TELB, PHOB, INTC")
case("e01_valid", fin(H103, swap(M, "23B", [("23B", "SPRI"), ("23E", "SDVA")])), [],
     "C3 E01 satisfied")
case("e02_sstd", fin(H103, swap(M, "23B", [("23B", "SSTD"), ("23E", "SDVA")])),
     [("MT.E02", "field 23E line 1")], "C3 E02: SSTD allows no 23E")
case("e03_53d", fin(H103, swap(swap(M, "23B", [("23B", "SSTD")]), "57A", [
    ("53D", "/12345\nCORRESPONDENT"), ("57A", "BANKUS33XXX")])),
     [("MT.E03", "field 53D line 1")], "C4 E03: 53D not with SSTD")
case("e04_53b", fin(H103, swap(swap(M, "23B", [("23B", "SSTD")]), "57A", [
    ("53B", "\nLONDON"), ("57A", "BANKUS33XXX")])),
     [("MT.E04", "field 53B line 1")], "C5 E04: 53B needs a party identifier")
case("e05_54b", fin(H103, swap(swap(M, "23B", [("23B", "SPRI")]), "57A", [
    ("53A", "BANKGB2L"), ("54B", "/123"), ("57A", "BANKUS33XXX")])),
     [("MT.E05", "field 54B line 1")], "C6 E05: 54a option A only")
case("e06_55a", fin(H103, swap(M, "57A", [("55A", "BANKGB2L"), ("57A", "BANKUS33XXX")])),
     [("MT.E06", "field 55A line 1")], "C7 E06: 55a needs 53a and 54a")
case("e07_55b", fin(H103, swap(swap(M, "23B", [("23B", "SSTD")]), "57A", [
    ("53A", "BANKGB2L"), ("54A", "BANKUS33"), ("55B", "/123"), ("57A", "BANKUS33XXX")])),
     [("MT.E07", "field 55B line 1")], "C8 E07: 55a option A only")
case("c81_56_without_57", fin(H103, swap(M, "57A", [("56A", "BANKGB2L")])),
     [("MT.C81", "field 56A line 1")], "C9 C81: 56a needs 57a")
case("e16_spri_56", fin(H103, swap(swap(M, "23B", [("23B", "SPRI")]), "57A", [
    ("56A", "BANKGB2L"), ("57A", "BANKUS33XXX")])),
     [("MT.E16", "field 56A line 1")], "C10 E16: no 56a with SPRI")
case("e17_sstd_56d", fin(H103, swap(swap(M, "23B", [("23B", "SSTD")]), "57A", [
    ("56D", "INTERMEDIARY BANK"), ("57A", "BANKUS33XXX")])),
     [("MT.E17", "field 56D line 1")], "C11 E17: 56a A or C with SSTD")
case("e09_57b", fin(H103, swap(swap(M, "23B", [("23B", "SSTD")]), "57A", [("57B", "/123")])),
     [("MT.E09", "field 57B line 1")], "C12 E09: 57a A, C or D with SSTD")
case("e10_59_account", fin(H103, swap(swap(M, "23B", [("23B", "SSTD")]), "59", [
    ("59", "JANE ROE")])), [("MT.E10", "field 59 line 1")], "C13 E10: 59a account")
case("e18_chqb", fin(H103, swap(M, "23B", [("23B", "CRED"), ("23E", "CHQB")])),
     [("MT.E18", "field 59 line 1")], "C14 E18: no account with CHQB")
case("e13_our_71f", fin(H103, swap(swap(M, "71A", [("71A", "OUR"), ("71F", "EUR1,")]), "32A", [
    ("32A", "250102EUR1000,50"), ("33B", "EUR1001,50")])),
     [("MT.E13", "field 71F line 1")], "C15 E13: no 71F with OUR")
case("d50_sha_71g", fin(H103, swap(swap(M, "71A", [("71A", "SHA"), ("71G", "EUR1,")]), "32A", [
    ("32A", "250102EUR1000,50"), ("33B", "EUR999,50")])),
     [("MT.D50", "field 71G line 1")], "C15 D50: no 71G with SHA")
case("e15_ben_no_71f", fin(H103, swap(M, "71A", [("71A", "BEN")])),
     [("MT.E15", "field 71A line 1")], "C15 E15: BEN needs 71F")
case("e15_valid", fin(H103, swap(swap(M, "71A", [("71A", "BEN"), ("71F", "EUR1,")]), "32A", [
    ("32A", "250102EUR999,50"), ("33B", "EUR1000,50")])), [], "C15 E15 satisfied")
case("d51_71f_no_33b", fin(H103, swap(M, "71A", [("71A", "SHA"), ("71F", "EUR1,")])),
     [("MT.D51", "field 71F line 1")], "C16 D51: 71F needs 33B")
case("c02_71g_currency", fin(H103, swap(swap(M, "71A", [("71A", "OUR"), ("71G", "USD1,")]),
                                        "32A", [("32A", "250102EUR1000,50"),
                                                ("33B", "EUR999,50")])),
     [("MT.C02", "field 71G line 1")], "C17 C02: 71G in the 32A currency")
case("e44_teli", fin(H103, swap(M, "23B", [("23B", "CRED"), ("23E", "TELI")])),
     [("MT.E44", "field 23E line 1")], "E44: TELI needs 56a")
case("e45_tele", fin(H103, swap(swap(M, "23B", [("23B", "CRED"), ("23E", "TELE")]), "57A", [])),
     [("MT.E45", "field 23E line 1")], "E45: TELE needs 57a")
case("e46_repeated_23e", fin(H103, swap(M, "23B", [("23B", "CRED"), ("23E", "SDVA"),
                                                   ("23E", "SDVA")])),
     [("MT.E46", "field 23E line 1")], "E46: a 23E code once")

# --- network rules, other types ---------------------------------------------------------------
COV = "{1:F01BANKDEFFAXXX0000000000}{2:I202BANKUS33XXXXN}{3:{119:COV}}"
case("c68_cov_56_without_57", fin(COV, [*COV_A, COV_B[0], ("56A", "BANKGB2L"), COV_B[1]]),
     [("MT.C68", "field 56A line 1")], "MT 202 COV C2 C68")
case("c81_202", fin("{1:F01BANKDEFFAXXX0000000000}{2:I202BANKUS33XXXXN}", [
    ("20", "FI0001"), ("21", "RELREF"), ("32A", "250102USD5000,"), ("56A", "CHASUS33"),
    ("58A", "BANKUS33")]), [("MT.C81", "field 56A line 1")], "MT 202 C1 C81")
H760 = "{1:F01BANKDEFFAXXX0000000000}{2:I760BANKUS33XXXXN}"
case("e01_760_fixd_no_31e", fin(H760, [f for f in M760 if f[0] != "31E"]),
     [("MT.E01", "field 23B line 1")], "MT 760 C1 E01")
case("e02_760_cond_no_35g", fin(H760, swap(M760, "23B", [("23B", "COND")])),
     [("MT.E02", "field 23B line 1")], "MT 760 C2 E02")
case("e03_760_open_23f", fin(H760, after(swap(swap(M760, "31E", []), "23B", [("23B", "OPEN")]),
                                          "77U", [("23F", "EXTD")])),
     [("MT.E03", "field 23F line 1")], "MT 760 C3 E03")
case("c17_760_no_applicant", fin(H760, swap(M760, "50", [])),
     [("MT.C17", "field 22A line 1")], "MT 760 C4 C17")
case("c18_760_dgar_49", fin(H760, after(M760, "77U", [("49", "WITHOUT")])),
     [("MT.C18", "field 49 line 1")], "MT 760 C5 C18")
case("c19_760_isco_no_c", fin(H760, swap(M760, "22A", [("22A", "ISCO")])),
     [("MT.C19", "field 22A line 1")], "MT 760 C6 C19")
case("c81_760_57_without_56", fin(H760, after(M760, "59", [("57A", "BANKUS33")])),
     [("MT.C81", "field 57A line 1")], "MT 760 C7 C81")
case("c16_760_26e_no_23f", fin(H760, after(M760, "77U", [("26E", "1")])),
     [("MT.C16", "field 26E line 1")], "MT 760 C8 C16")
case("c20_760_58_without_49", fin(H760, after(M760, "77U", [("58A", "BANKUS33")])),
     [("MT.C20", "field 58A line 1")], "MT 760 C9 C20")
case("c25_192_empty", fin("{1:F01BANKDEFFAXXX0000000000}{2:I192BANKUS33XXXXN}",
                          swap(CANCEL, "79", [])), [("MT.C25", "field 79")], "MT n92 C1 C25")
case("c31_196_both", fin("{1:F01BANKDEFFAXXX0000000000}{2:I196BANKUS33XXXXN}",
                         [*ANSWER, ("79", "SEE BELOW"), ("32A", "250102EUR1,")]),
     [("MT.C31", "field 32A line 1")], "MT n96 C1 C31")
case("c06_910_neither", fin("{1:F01BANKDEFFAXXX0000000000}{2:I910BANKUS33XXXXN}", M900),
     [("MT.C06", "field 50a")], "MT 910 C1 C06")

# --- envelope -----------------------------------------------------------------------------
valid = CASES["mt103_valid"][0]
case("truncated_block2", valid[:45], [("MT.BLOCK_SYNTAX", "message 1 line 1 col 30"),
                                       ("MT.BLOCK_MISSING", "message 1")],
     "input cut inside block 2")
case("unbalanced_braces", valid.replace("{3:{121:", "{3:{121:{"),
     [("MT.BRACES", "message 1 line 1 col 51")], "a brace inside block 3")
case("bad_uetr", valid.replace("8a562c67-ca16-48ba", "8a562c67-ca16-38ba"),
     [("MT.UETR", "block 3 field 121")], "121 must be a UUID v4")

if __name__ == "__main__":
    for old in HERE.glob("*.fin"):
        old.unlink()
    for old in HERE.glob("*.expected.json"):
        old.unlink()
    for name, (text, expected, why) in CASES.items():
        (HERE / f"{name}.fin").write_bytes(text.encode("latin-1"))
        (HERE / f"{name}.expected.json").write_text(
            json.dumps({"why": why, "expected": expected}, indent=1) + "\n")
    print(len(CASES), "cases")
