-- EDI interchanges the hub sends: which control numbers carried which message, so that the
-- partner's 997/999/TA1 or CONTRL finds the messages it answers. Numbers are kept without
-- leading zeros (ISA13 000000042 and GS06 42 are the same number).

CREATE TABLE edi_outbound (
    partner      text NOT NULL,
    family       text NOT NULL,
    interchange  text NOT NULL,
    grp          text NOT NULL,
    txn          text NOT NULL,
    message_id   text NOT NULL,
    at_us        bigint NOT NULL,
    PRIMARY KEY (partner, family, interchange, grp, txn, message_id)
);
CREATE INDEX edi_outbound_group ON edi_outbound (partner, family, grp);

-- One sequence per family for everything the hub sends (acknowledgements and payment
-- interchanges), started above every number already sent to any partner.
INSERT INTO counters (name, value)
SELECT 'control:*:isa', COALESCE(MAX(value), 0) FROM counters WHERE name LIKE 'control:%:isa'
ON CONFLICT (name) DO NOTHING;
INSERT INTO counters (name, value)
SELECT 'control:*:unb', COALESCE(MAX(value), 0) FROM counters WHERE name LIKE 'control:%:unb'
ON CONFLICT (name) DO NOTHING;
