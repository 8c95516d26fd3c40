-- Chain transactions signed and journalled before submission (hub/connectors/nonces.py), so a
-- restart or another hub process looks the hash up instead of paying again. One row per
-- connector and idempotency key; while pending (outcome NULL) no two rows of a connector hold
-- the same nonce. A void row (outcome 'void') may be replaced by a newly signed transaction.

CREATE TABLE chain_pending (
    connector    text NOT NULL,
    key          text NOT NULL,
    nonce        bigint NOT NULL,
    tx_hash      text NOT NULL,
    signed_blob  text NOT NULL,
    meta         text NOT NULL,
    outcome      text,
    result       text,
    created_us   bigint NOT NULL,
    updated_us   bigint NOT NULL,
    PRIMARY KEY (connector, key)
);
CREATE UNIQUE INDEX chain_pending_nonce ON chain_pending (connector, nonce)
    WHERE outcome IS NULL;
