"""ISO 3166-1 alpha-2 country codes, as the FIN network checks them (error code T73).

The table is the ISO 3166-1 list (249 codes, as published in 2025) plus XK, which the BIC
directory and FIN accept for Kosovo although ISO has not assigned it. A test holds the ISO part
equal to pycountry's table where that package is installed.
"""

from __future__ import annotations

ISO_3166 = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI
BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN
CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW
"""
FIN_EXTRA = "XK"  # Kosovo: in the BIC directory, not (yet) in ISO 3166-1

COUNTRIES: frozenset[str] = frozenset(ISO_3166.split()) | {FIN_EXTRA}


def _pattern(codes: frozenset[str]) -> str:
    """The codes as a regex, one character class per first letter ("A[DEF...]|B[...]"): a
    flat alternation of 250 literals would be tried one by one."""
    firsts = sorted({c[0] for c in codes})
    return "(?:" + "|".join(f"{f}[{''.join(sorted(c[1] for c in codes if c[0] == f))}]"
                            for f in firsts) + ")"


COUNTRY_PATTERN = _pattern(COUNTRIES)  # for patterns that must hold a valid code
