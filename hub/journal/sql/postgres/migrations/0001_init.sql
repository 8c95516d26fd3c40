-- The journal: inputs as received, messages with their current state, an append-only
-- hash-chained event log, the outbox the dispatcher claims from, dedup keys and API keys.
-- Times are epoch microseconds (bigint) in both dialects so behaviour is identical.

CREATE TABLE inputs (
    id           text PRIMARY KEY,
    channel      text NOT NULL,
    name         text,
    sha256       text NOT NULL,
    size         bigint NOT NULL,
    format       text NOT NULL,
    raw          bytea NOT NULL,
    received_us  bigint NOT NULL
);
CREATE UNIQUE INDEX inputs_channel_name_sha ON inputs (channel, name, sha256) WHERE name IS NOT NULL;

CREATE TABLE messages (
    seq           bigserial UNIQUE,
    id            text PRIMARY KEY,
    input_id      text NOT NULL REFERENCES inputs (id),
    input_index   integer NOT NULL,
    state         text NOT NULL,
    format        text NOT NULL,
    kind          text NOT NULL,
    uetr          text,
    reference     text,
    amount        text,
    currency      text,
    channel       text NOT NULL,
    sender        text,
    submitted_by  text,
    dedup_key     text NOT NULL,
    canonical     jsonb NOT NULL,
    diagnostics   jsonb NOT NULL,
    route         jsonb,
    connector     text,
    external_ref  text,
    version       integer NOT NULL DEFAULT 1,
    event_count   integer NOT NULL,
    last_hash     text NOT NULL,
    created_us    bigint NOT NULL,
    updated_us    bigint NOT NULL
);
CREATE INDEX messages_state_seq ON messages (state, seq);
CREATE INDEX messages_uetr ON messages (uetr) WHERE uetr IS NOT NULL;
CREATE INDEX messages_reference ON messages (reference) WHERE reference IS NOT NULL;
CREATE INDEX messages_external_ref ON messages (external_ref) WHERE external_ref IS NOT NULL;

CREATE TABLE events (
    seq          bigserial PRIMARY KEY,
    message_id   text NOT NULL REFERENCES messages (id),
    n            integer NOT NULL,
    at_us        bigint NOT NULL,
    type         text NOT NULL,
    state        text NOT NULL,
    actor        text NOT NULL,
    data         jsonb NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL,
    UNIQUE (message_id, n)
);
CREATE INDEX events_at ON events (at_us);

CREATE TABLE dedup (
    key          text PRIMARY KEY,
    message_id   text NOT NULL,
    content_hash text NOT NULL
);

CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    message_id       text NOT NULL REFERENCES messages (id),
    connector        text NOT NULL,
    format           text NOT NULL,
    payload          bytea NOT NULL,
    idempotency_key  text NOT NULL,
    state            text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_us          bigint NOT NULL,
    claimed_by       text,
    claimed_until_us bigint,
    last_error       text,
    created_us       bigint NOT NULL
);
-- The claim scans only claimable rows (ARCHITECTURE §8).
CREATE INDEX outbox_queued ON outbox (next_us, id) WHERE state = 'queued';
CREATE INDEX outbox_claimed ON outbox (claimed_until_us) WHERE state = 'claimed';
CREATE INDEX outbox_message ON outbox (message_id);

CREATE TABLE api_keys (
    id          text PRIMARY KEY,
    hash        text NOT NULL UNIQUE,
    role        text NOT NULL,
    name        text NOT NULL,
    created_us  bigint NOT NULL,
    revoked_us  bigint
);

CREATE TABLE control_numbers (
    partner    text NOT NULL,
    kind       text NOT NULL,
    direction  text NOT NULL,
    number     text NOT NULL,
    at_us      bigint NOT NULL,
    PRIMARY KEY (partner, kind, direction, number)
);

CREATE TABLE counters (
    name   text PRIMARY KEY,
    value  bigint NOT NULL
);
