-- Bank operations: four-eyes proposals, callbacks to originators, intraday limit usage.

CREATE TABLE approvals (
    id           text PRIMARY KEY,
    action       text NOT NULL,
    target       text NOT NULL,
    payload      text NOT NULL,
    reason       text NOT NULL,
    proposed_by  text NOT NULL,
    proposed_us  bigint NOT NULL,
    state        text NOT NULL,
    decided_by   text,
    decided_us   bigint,
    result       text
);
CREATE INDEX approvals_state ON approvals (state, proposed_us);

ALTER TABLE messages ADD COLUMN callback_url text;

CREATE TABLE callbacks (
    id           integer PRIMARY KEY AUTOINCREMENT,
    message_id   text NOT NULL,
    event_n      integer NOT NULL,
    url          text NOT NULL,
    body         blob NOT NULL,
    state        text NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    next_us      bigint NOT NULL,
    last_error   text,
    created_us   bigint NOT NULL,
    UNIQUE (message_id, event_n)
);
CREATE INDEX callbacks_due ON callbacks (next_us, id) WHERE state = 'pending';

-- Intraday debit usage per limit and day, in minor units; and what each message holds of it.
CREATE TABLE limit_usage (
    scope      text NOT NULL,
    currency   text NOT NULL,
    day        text NOT NULL,
    used       bigint NOT NULL,
    PRIMARY KEY (scope, currency, day)
);

CREATE TABLE limit_holds (
    message_id text NOT NULL,
    scope      text NOT NULL,
    currency   text NOT NULL,
    day        text NOT NULL,
    amount     bigint NOT NULL,
    PRIMARY KEY (message_id, scope)
);
