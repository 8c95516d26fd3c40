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
case("t54_59F_unnumbered", fin(H103, swap(MT103, "59", [("59F", "/123\nJANE ROE\n3/US/NY")])),
     [("MT.T54", "field 59F line 2"), ("MT.T56", "field 59F line 3")],
     "59F lines are 1!n/33x (T54); the first numbered line must be 1/ (T56)")
case("t56_59F_2_without_3", fin(H103, swap(MT103, "59", [("59F", "/123\n1/JANE ROE\n2/MAIN ST")])),
     [("MT.T56", "field 59F line 3")], "59F: number 2 must not be used without number 3")
case("t56_59F_number_4", fin(H103, swap(MT103, "59", [("59F", "/123\n1/JANE ROE\n4/19800101")])),
     [("MT.T56", "field 59F line 3")], "59F numbers are 1, 2 and 3 only")
case("t73_59F_country", fin(H103, swap(MT103, "59", [("59F", "/123\n1/JANE ROE\n3/XX/NY")])),
     [("MT.T73", "field 59F line 3")], "59F: the first 3/ line starts with an ISO country code")

# --- field 50F (MT 103 field 50a option F, SR2025) --------------------------------------------
ACCT = "/DE89370400440532013000"


def f50(value: str) -> list[tuple[str, str]]:
    return swap(MT103, "50K", [("50F", value)])


case("f50_valid_address", fin(H103, f50(ACCT + "\n1/JOHN DOE\n2/MAIN STREET 1\n3/DE/BERLIN")),
     [], "50F: name, address, country and town")
case("f50_valid_birth", fin(H103, f50("CCPT/DE/X1234567\n1/JOHN DOE\n4/19800229\n5/DE/BONN")),
     [], "50F: passport number, date (a leap day) and place of birth")
case("f50_valid_identity_8", fin(H103, f50(ACCT + "\n1/JOHN DOE\n7/DE/1234567\n8/89")),
     [], "50F: 8 continues the national identity number of 7")
case("f50_valid_code_8", fin(H103, f50("NIDN/DE/123456789012345678901234567\n1/JOHN DOE\n8/89")),
     [], "50F: 8 continues a coded party identifier")
case("t54_50F_identifier", fin(H103, f50("CCPT/1A/123\n1/JOHN DOE")),
     [("MT.T54", "field 50F line 1")], "50F line 1 is /34x or 4!a/2!a/27x")
case("t55_50F_code", fin(H103, f50("PASS/DE/123\n1/JOHN DOE")),
     [("MT.T55", "field 50F line 1")], "50F party identifier code not in the list")
case("t73_50F_identifier_country", fin(H103, f50("CCPT/XX/123\n1/JOHN DOE")),
     [("MT.T73", "field 50F line 1")], "50F party identifier country not ISO 3166")
case("t54_50F_unnumbered", fin(H103, f50(ACCT + "\n1/JOHN DOE\nMAIN STREET 1")),
     [("MT.T54", "field 50F line 3")], "50F name and address lines are 1!n/33x")
case("t56_50F_first_not_1", fin(H103, f50(ACCT + "\n2/MAIN STREET 1\n3/DE/BERLIN")),
     [("MT.T56", "field 50F line 2")], "50F: the first line must start with number 1")
case("t56_50F_number_9", fin(H103, f50(ACCT + "\n1/JOHN DOE\n9/OTHER")),
     [("MT.T56", "field 50F line 3")], "50F numbers are 1 to 8")
case("t56_50F_order", fin(H103, f50(ACCT + "\n1/JOHN DOE\n3/DE/BERLIN\n2/MAIN STREET 1")),
     [("MT.T56", "field 50F line 4")], "50F: numbers must appear in numerical order")
case("t56_50F_2_without_3", fin(H103, f50(ACCT + "\n1/JOHN DOE\n2/MAIN STREET 1")),
     [("MT.T56", "field 50F line 3")], "50F: number 2 must not be used without number 3")
case("t56_50F_4_without_5", fin(H103, f50(ACCT + "\n1/JOHN DOE\n4/19800101")),
     [("MT.T56", "field 50F line 3")], "50F: number 4 must not be used without number 5")
case("t56_50F_5_without_4", fin(H103, f50(ACCT + "\n1/JOHN DOE\n5/DE/BONN")),
     [("MT.T56", "field 50F line 3")], "50F: number 5 must not be used without number 4")
case("t56_50F_repeated_4", fin(H103, f50(ACCT + "\n1/JOHN DOE\n4/19800101\n4/19800102")),
     [("MT.T56", "field 50F line 4"), ("MT.T56", "field 50F line 3")],
     "50F: numbers 4 to 8 must not be repeated (and 4 still needs 5)")
case("t50_50F_birth_date", fin(H103, f50(ACCT + "\n1/JOHN DOE\n4/19810229\n5/DE/BONN")),
     [("MT.T50", "field 50F line 3")], "50F: number 4 is a valid date YYYYMMDD")
case("t73_50F_place_of_birth", fin(H103, f50(ACCT + "\n1/JOHN DOE\n4/19800101\n5/XX/BONN")),
     [("MT.T73", "field 50F line 4")], "50F: number 5 starts with an ISO country code")
case("t56_50F_place_no_details", fin(H103, f50(ACCT + "\n1/JOHN DOE\n4/19800101\n5/DE")),
     [("MT.T56", "field 50F line 4")], "50F: number 5 is country code, '/' and details")
case("t56_50F_8_alone", fin(H103, f50(ACCT + "\n1/JOHN DOE\n8/MORE")),
     [("MT.T56", "field 50F line 3")],
     "50F: 8 only continues a coded identifier or the details of 6 or 7")
case("t73_50F_town_country", fin(H103, f50(ACCT + "\n1/JOHN DOE\n3/QQ/BERLIN")),
     [("MT.T73", "field 50F line 3")], "50F: the first 3/ line starts with an ISO country code")

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
M760_ISCO = [*swap(M760, "22A", [("22A", "ISCO")]),
             ("15C", ""), ("22D", "DGAR"), ("40C", "URDG"), ("22K", "PERF"), ("23B", "FIXD"),
             ("31E", "261231"), ("50", "APPLICANT LTD"), ("59", "BENEFICIARY SA"),
             ("32B", "EUR50000,"), ("77L", "LOCAL TERMS"), ("22Y", "STND"), ("40D", "EN")]
case("mt760_isco_valid", fin(H760, M760_ISCO), [],
     "MT 760 counter-undertaking: sequence C with 22K, 22Y and 40D")
case("c10_760_22y_no_22k", fin(H760, [f for f in M760_ISCO if f[0] != "22K"]),
     [("MT.760C10", "field 22Y line 1")], "MT 760 C10: sequence C 22Y needs 22K")
case("c11_760_dgar_41f", fin(H760, after(M760, "32B", [("41F", "BANKUS33")])),
     [("MT.760C11", "field 41F line 1")], "MT 760 C11: 41a only with 22D STBY")
case("c11_760_stby_valid", fin(H760, after(after(swap(M760, "22D", [("22D", "STBY")]), "32B", [
    ("41F", "BANKUS33")]), "77U", [("49", "WITHOUT")])), [],
     "MT 760 C11 satisfied: a standby may name where it is available")
case("t73_760_44j_country", fin(H760, after(M760, "77U", [("44J", "XX/ENGLISH LAW")])),
     [("MT.T73", "field 44J line 1")], "MT 760 44J starts with an ISO country code")
case("c25_192_empty", fin("{1:F01BANKDEFFAXXX0000000000}{2:I192BANKUS33XXXXN}",
                          swap(CANCEL, "79", [])), [("MT.C25", "field 79")], "MT n92 C1 C25")
case("c31_196_both", fin("{1:F01BANKDEFFAXXX0000000000}{2:I196BANKUS33XXXXN}",
                         [*ANSWER, ("79", "SEE BELOW"), ("32A", "250102EUR1,")]),
     [("MT.C31", "field 32A line 1")], "MT n96 C1 C31")
case("c06_910_neither", fin("{1:F01BANKDEFFAXXX0000000000}{2:I910BANKUS33XXXXN}", M900),
     [("MT.C06", "field 50a")], "MT 910 C1 C06")

# --- reject / return guideline in MT 199/299 field 79 --------------------------------------
H199 = "{1:F01BANKUS33AXXX0000000000}{2:I199BANKDEFFXXXXN}"
H299 = "{1:F01BANKUS33AXXX0000000000}{2:I299BANKDEFFXXXXN}"
REJT = "/REJT/59\n/AC04/ACCOUNT CLOSED\n/MREF/REF123\n/TREF/E2E-0001\n/CHGS/EUR5,\n/TEXT/CALL US"


def n99(head: str, text: str) -> str:
    return fin(head, [("20", "RJ0001"), ("21", "REF123"), ("79", text)])


case("mt199_rejt_valid", n99(H199, REJT), [], "MT 199 reject in the guideline layout")
case("mt299_retn_valid", n99(H299, "/RETN/32A\n/AM09/\n/MREF/FI0001"), [],
     "MT 299 return: line 1, reason and MREF only")
case("t80_no_mref", n99(H199, "/REJT/59\n/AC01/\n/TEXT/NO SUCH ACCOUNT"),
     [("MT.T80", "field 79 line 3")], "reject guideline: line 3 is /MREF/")
case("t80_reason_code", n99(H199, "/REJT/59\n/ACCOUNT/\n/MREF/REF123"),
     [("MT.T80", "field 79 line 2")], "reject guideline: reason code is 2!c2!n")
case("t80_no_field", n99(H199, "/REJT/\n/AC01/\n/MREF/REF123"),
     [("MT.T80", "field 79 line 1")], "reject guideline: the field that caused it, 2!n[1!a]")
case("t80_order", n99(H299, "/RETN/59\n/AC01/\n/MREF/REF123\n/TEXT/A\n/TREF/E2E"),
     [("MT.T80", "field 79 line 5")], "reject guideline: /TREF/ comes before /TEXT/")

# --- headers (FIN Error Codes H- and U-codes) -------------------------------------------------
valid = CASES["mt103_valid"][0]
B1 = "{1:F01BANKDEFFAXXX0000000000}"
B2 = "{2:I103BANKUS33XXXXN}"


def head(block1: str = B1, block2: str = B2) -> str:
    return valid.replace(B1, block1, 1).replace(B2, block2, 1)


case("truncated_block2", valid[:45], [("MT.H25", "message 1 line 1 col 30"),
                                       ("MT.BLOCK_MISSING", "message 1")],
     "input cut inside block 2")
case("h01_block1_length", head("{1:F01BANKDEFFAXXX000000000}"),
     [("MT.H01", "message 1 block 1")], "block 1 is 25 characters")
case("h02_application", head("{1:X01BANKDEFFAXXX0000000000}"),
     [("MT.H02", "message 1 block 1")], "application identifier F, A or L")
case("h03_service", head("{1:F02BANKDEFFAXXX0000000000}"),
     [("MT.H03", "message 1 block 1")], "service identifier 01, 03 or 21")
case("h10_lt_address", head("{1:F01BANKD3FFAXXX0000000000}"),
     [("MT.H10", "message 1 block 1")], "LT address: BIC8, terminal, branch")
case("h15_session", head("{1:F01BANKDEFFAXXX00A0000000}"),
     [("MT.H15", "message 1 block 1")], "session number is four digits")
case("h20_sequence", head("{1:F01BANKDEFFAXXX00000000A0}"),
     [("MT.H20", "message 1 block 1")], "input sequence number is six digits")
case("h25_block2_short", head(block2="{2:I103BANKUS33}"),
     [("MT.H25", "message 1 block 2")], "input block 2 holds type and a 12-character address")
case("h25_block2_missing", valid.replace(B2, "", 1),
     [("MT.H25", "message 1")], "a user message needs block 2")
case("h26_direction", head(block2="{2:X103BANKUS33XXXXN}"),
     [("MT.H26", "message 1 block 2")], "block 2 starts with I or O")
case("h30_message_type", head(block2="{2:I1O3BANKUS33XXXXN}"),
     [("MT.H30", "message 1 block 2")], "message type is three digits")
case("h40_priority", head(block2="{2:I103BANKUS33XXXXX}"),
     [("MT.H40", "message 1 block 2")], "priority S, N or U")
case("h50_destination", head(block2="{2:I103BANK5S33XXXXN}"),
     [("MT.H50", "message 1 block 2")], "destination is an LT address")
case("h80_delivery_monitoring", head(block2="{2:I103BANKUS33XXXXN5}"),
     [("MT.H80", "message 1 block 2")], "delivery monitoring 1, 2 or 3")
case("h81_obsolescence", head(block2="{2:I103BANKUS33XXXXN20}"),
     [("MT.H81", "message 1 block 2")], "obsolescence period is three digits")
case("u03_unbalanced_braces", valid.replace("{3:{121:", "{3:{121:{"),
     [("MT.U03", "message 1 line 1 col 51")], "a brace inside block 3")
case("u13_bad_uetr", valid.replace("8a562c67-ca16-48ba", "8a562c67-ca16-38ba"),
     [("MT.U13", "block 3 field 121")], "121 must be a UUID v4")
case("u00_unknown_tag", valid.replace("{3:{121:", "{3:{999:X}{121:"),
     [("MT.U00", "block 3 field 999")], "block 3 tags are the FIN user header fields")
case("u01_banking_priority", valid.replace("{3:{121:", "{3:{113:XX}{121:"),
     [("MT.U01", "block 3 field 113")], "banking priority is 4 characters")
case("u02_user_reference", valid.replace("{3:{121:", "{3:{108:ABCDEFGHIJKLMNOPQ}{121:"),
     [("MT.U02", "block 3 field 108")], "message user reference is 16x")
case("u08_validation_flag", valid.replace("{3:{121:", "{3:{119:COV}{121:"),
     [("MT.U08", "block 3 field 119")], "MT 103 validation flags are STP and REMIT")
case("u09_no_special_validation",
     n99(H199.replace("{2:I199BANKDEFFXXXXN}", "{2:I199BANKDEFFXXXXN}{3:{119:STP}}"), REJT),
     [("MT.U09", "block 3 field 119")], "MT 199 has no special validation to select")

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
