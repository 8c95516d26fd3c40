"""EDI codecs: ANSI X12 (820, 997, 999, TA1) and UN/EDIFACT (PAYMUL, PAYEXT, PAYORD, CONTRL).

    findings.py      structured findings (code, segment position, element) and error codes
    control.py       control numbers per trading partner (protocol + in-memory double)
    remittance.py    remittance lines shared by the 820 and the EDIFACT payment messages
    x12_syntax.py    ISA delimiters, tokenizer, ISA/GS/ST/SE/GE/IEA envelope checks
    x12_820.py       820 <-> canonical credit transfer
    x12_ack.py       997 / 999 / TA1 building and reading
    x12.py           the X12 codec (`CODEC`, `acknowledge`)
    edifact_syntax.py  UNA, release character, UNB/UNG/UNH/UNT/UNE/UNZ envelope checks
    edifact_payment.py PAYMUL / PAYEXT / PAYORD <-> canonical
    edifact_contrl.py  CONTRL building and reading
    edifact.py       the EDIFACT codec (`CODEC`, `acknowledge`)

The modules are pure: no I/O, no clock unless one is passed, control numbers come in as
envelope keyword arguments.
"""
