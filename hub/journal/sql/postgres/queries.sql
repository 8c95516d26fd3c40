-- Named queries of the PostgreSQL journal. Each "-- name:" starts one query.

-- name: migrations_table
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_us bigint NOT NULL);

-- name: applied_migrations
SELECT version, name FROM schema_migrations ORDER BY version;

-- name: record_migration
INSERT INTO schema_migrations (version, name, applied_us) VALUES ($1, $2, $3);

-- name: migration_lock
SELECT pg_advisory_xact_lock(724217);

-- name: dedup_lookup
SELECT d.key, d.message_id, d.content_hash, m.state
FROM dedup d JOIN messages m ON m.id = d.message_id
WHERE d.key = ANY($1::text[]);

-- name: input_lookup
SELECT id FROM inputs WHERE channel = $1 AND name = $2 AND sha256 = $3;

-- name: input_messages
SELECT id, state FROM messages WHERE input_id = $1 ORDER BY input_index;

-- name: accept_batch
-- A whole group commit as one statement: one round trip, atomic on its own (no BEGIN/COMMIT),
-- each table's rows passed as column arrays. Foreign keys are checked at the end of the
-- statement, so the order of the parts does not matter. $39 says whether to wake dispatchers.
WITH new_inputs AS (
    INSERT INTO inputs (id, channel, name, sha256, size, format, raw, received_us)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],
                         $6::text[], $7::bytea[], $8::bigint[])
), new_messages AS (
    INSERT INTO messages (id, input_id, input_index, state, format, kind, uetr, reference,
        amount, currency, channel, sender, submitted_by, dedup_key, canonical, diagnostics,
        route, connector, event_count, last_hash, created_us, updated_us, callback_url)
    SELECT id, input_id, input_index, state, format, kind, uetr, reference, amount, currency,
        channel, sender, submitted_by, dedup_key, canonical::jsonb, diagnostics::jsonb,
        route::jsonb, connector, event_count, last_hash, $38, $38, callback_url
    FROM unnest($9::text[], $10::text[], $11::integer[], $12::text[], $13::text[], $14::text[],
                $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
                $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[],
                $27::integer[], $28::text[], $29::text[])
        AS t(id, input_id, input_index, state, format, kind, uetr, reference, amount, currency,
             channel, sender, submitted_by, dedup_key, canonical, diagnostics, route, connector,
             event_count, last_hash, callback_url)
), new_events AS (
    INSERT INTO events (message_id, n, at_us, type, state, actor, data, prev_hash, hash)
    SELECT message_id, n, $38, type, state, actor, data::jsonb, prev_hash, hash
    FROM unnest($30::text[], $31::integer[], $32::text[], $33::text[], $34::text[],
                $35::text[], $36::text[], $37::text[])
        AS t(message_id, n, type, state, actor, data, prev_hash, hash)
), new_dedup AS (
    INSERT INTO dedup (key, message_id, content_hash)
    SELECT * FROM unnest($40::text[], $41::text[], $42::text[])
), new_outbox AS (
    INSERT INTO outbox (message_id, connector, format, payload, idempotency_key, state, next_us,
        created_us)
    SELECT message_id, connector, format, payload, idempotency_key, 'queued', next_us, $38
    FROM unnest($43::text[], $44::text[], $45::text[], $46::bytea[], $47::text[], $48::bigint[])
        AS t(message_id, connector, format, payload, idempotency_key, next_us)
)
SELECT pg_notify('hub_outbox', '') WHERE $39::boolean;

-- name: insert_event
INSERT INTO events (message_id, n, at_us, type, state, actor, data, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: insert_outbox
INSERT INTO outbox (message_id, connector, format, payload, idempotency_key, state, next_us,
    created_us)
VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7);

-- name: notify_outbox
SELECT pg_notify('hub_outbox', '');

-- name: get_message
SELECT * FROM messages WHERE id = $1;

-- name: list_messages
SELECT * FROM messages
WHERE ($1::text IS NULL OR state = $1) AND updated_us >= $2 AND seq > $3
ORDER BY seq LIMIT $4;

-- name: events_of
SELECT * FROM events WHERE message_id = $1 ORDER BY n;

-- name: events_between
SELECT * FROM events WHERE at_us >= $1 AND at_us < $2 ORDER BY message_id, n;

-- name: all_events
SELECT * FROM events ORDER BY message_id, n;

-- name: claim
-- One statement, one round trip: rows whose lease ran out (their holder died) first, then due
-- rows, skipping those another process holds right now. Each part walks its own partial index
-- in order, so a long backlog costs no more than a short one.
WITH expired AS (
    SELECT id FROM outbox WHERE state = 'claimed' AND claimed_until_us < $3
    ORDER BY claimed_until_us
    FOR UPDATE SKIP LOCKED
    LIMIT $4
), due AS (
    SELECT id FROM outbox WHERE state = 'queued' AND next_us <= $3
    ORDER BY next_us, id
    FOR UPDATE SKIP LOCKED
    LIMIT $4
)
UPDATE outbox o SET state = 'claimed', claimed_by = $1, claimed_until_us = $2,
    attempts = o.attempts + 1
FROM messages m
WHERE m.id = o.message_id
    AND o.id IN (SELECT id FROM (SELECT id FROM expired UNION ALL SELECT id FROM due) AS next
                 LIMIT $4)
RETURNING o.id, o.message_id, o.connector, o.format, o.payload, o.idempotency_key, o.attempts,
    o.next_us, m.canonical, m.route, m.state;

-- name: heads_for_update
SELECT id, state, event_count, last_hash FROM messages WHERE id = ANY($1::text[])
ORDER BY id FOR UPDATE;

-- name: heads_of
SELECT id, state, event_count, last_hash FROM messages WHERE id = ANY($1::text[]);

-- name: settle_batch
-- A dispatcher's verdicts as one statement. A message moves only if nobody appended an event
-- since its head was read ($8, optimistic); only the messages that moved get their events and
-- outbox changes. Returns the ids settled; the caller tries the others again.
WITH heads AS (
    UPDATE messages m SET state = h.state, event_count = h.event_count,
        last_hash = h.last_hash, updated_us = $9,
        external_ref = COALESCE(h.external_ref, m.external_ref),
        route = COALESCE(h.route::jsonb, m.route), connector = COALESCE(h.connector, m.connector)
    FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::integer[])
        AS h(id, state, event_count, last_hash, external_ref, route, connector, read_count)
    WHERE m.id = h.id AND m.event_count = h.read_count
    RETURNING m.id
), new_events AS (
    INSERT INTO events (message_id, n, at_us, type, state, actor, data, prev_hash, hash)
    SELECT message_id, n, $9, type, state, actor, data::jsonb, prev_hash, hash
    FROM unnest($10::text[], $11::integer[], $12::text[], $13::text[], $14::text[],
                $15::text[], $16::text[], $17::text[])
        AS e(message_id, n, type, state, actor, data, prev_hash, hash)
    WHERE e.message_id IN (SELECT id FROM heads)
), outbox_done AS (
    UPDATE outbox o SET state = d.state, claimed_by = NULL, claimed_until_us = NULL,
        last_error = d.error, next_us = d.next_us, attempts = o.attempts - d.unclaim
    FROM unnest($18::bigint[], $19::text[], $20::text[], $21::text[], $22::bigint[],
                $23::integer[])
        AS d(id, message_id, state, error, next_us, unclaim)
    WHERE o.id = d.id AND d.message_id IN (SELECT id FROM heads)
), new_outbox AS (
    INSERT INTO outbox (message_id, connector, format, payload, idempotency_key, state, next_us,
        created_us)
    SELECT message_id, connector, format, payload, idempotency_key, 'queued', next_us, $9
    FROM unnest($24::text[], $25::text[], $26::text[], $27::bytea[], $28::text[], $29::bigint[])
        AS r(message_id, connector, format, payload, idempotency_key, next_us)
    WHERE r.message_id IN (SELECT id FROM heads)
)
SELECT heads.id, wake.woken FROM heads
LEFT JOIN (SELECT pg_notify('hub_outbox', '') AS woken WHERE $30::boolean) wake ON true;

-- name: update_head
UPDATE messages SET state = $2, event_count = $3, last_hash = $4, updated_us = $5,
    external_ref = COALESCE($6, external_ref), route = COALESCE($7, route),
    connector = COALESCE($8, connector)
WHERE id = $1;

-- name: update_canonical
UPDATE messages SET canonical = $2, diagnostics = $3, version = version + 1, amount = $4,
    currency = $5, reference = $6
WHERE id = $1;

-- name: outbox_done
UPDATE outbox SET state = $2, claimed_by = NULL, claimed_until_us = NULL, last_error = $3,
    next_us = $4
WHERE id = $1;

-- name: outbox_requeue_message
UPDATE outbox SET state = 'queued', attempts = 0, next_us = $2, last_error = NULL
WHERE message_id = $1 AND state = 'dead';

-- name: outbox_stats
SELECT count(*) AS depth, min(created_us) AS oldest_us FROM outbox
WHERE state IN ('queued', 'claimed');

-- name: state_counts
SELECT state, count(*) AS n FROM messages GROUP BY state;

-- name: find_by_uetr
SELECT id FROM messages WHERE uetr = $1 ORDER BY seq;

-- name: find_by_reference
SELECT id FROM messages WHERE reference = $1 ORDER BY seq;

-- name: find_by_external_ref
SELECT id FROM messages WHERE external_ref = $1 ORDER BY seq;

-- name: insert_key
INSERT INTO api_keys (id, hash, role, name, created_us) VALUES ($1, $2, $3, $4, $5);

-- name: key_by_hash
SELECT id, role, name, created_us, revoked_us FROM api_keys WHERE hash = $1;

-- name: list_keys
SELECT id, role, name, created_us, revoked_us FROM api_keys ORDER BY created_us;

-- name: revoke_key
UPDATE api_keys SET revoked_us = $2 WHERE id = $1 AND revoked_us IS NULL;

-- name: count_keys
SELECT count(*) AS n FROM api_keys WHERE revoked_us IS NULL;

-- name: next_counter
INSERT INTO counters (name, value) VALUES ($1, 1)
ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
RETURNING value;

-- name: record_control_number
INSERT INTO control_numbers (partner, kind, direction, number, at_us)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING number;

-- name: try_lease
SELECT pg_try_advisory_lock(hashtext($1)) AS held;

-- name: release_lease
SELECT pg_advisory_unlock(hashtext($1));

-- name: find_by_outbox_key
SELECT DISTINCT message_id AS id FROM outbox WHERE idempotency_key = $1;

-- name: input_by_name
SELECT id FROM inputs WHERE channel = $1 AND name = $2 LIMIT 1;

-- name: insert_approval
INSERT INTO approvals (id, action, target, payload, reason, proposed_by, proposed_us, state)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending');

-- name: get_approval
SELECT * FROM approvals WHERE id = $1;

-- name: list_approvals
SELECT * FROM approvals WHERE ($1 = '' OR state = $1) ORDER BY proposed_us LIMIT $2;

-- name: decide_approval
UPDATE approvals SET state = $2, decided_by = $3, decided_us = $4, result = $5
WHERE id = $1 AND state = 'pending' RETURNING id;

-- name: pending_for_target
SELECT id FROM approvals WHERE target = $1 AND state = 'pending';

-- name: callback_events
SELECT e.seq, e.message_id, e.n, e.at_us, e.type, e.state, m.callback_url, m.uetr, m.reference
FROM events e JOIN messages m ON m.id = e.message_id
WHERE e.seq > $1 AND e.at_us < $3 AND m.callback_url IS NOT NULL
ORDER BY e.seq LIMIT $2;

-- name: max_event_seq
SELECT coalesce(max(seq), 0) AS seq FROM events WHERE seq > $1 AND at_us < $2;

-- name: set_counter
INSERT INTO counters (name, value) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET value = $2;

-- name: get_counter
SELECT value FROM counters WHERE name = $1;

-- name: insert_callback
INSERT INTO callbacks (message_id, event_n, url, body, state, next_us, created_us)
VALUES ($1, $2, $3, $4, 'pending', $5, $5) ON CONFLICT DO NOTHING;

-- name: due_callbacks
SELECT id, message_id, event_n, url, body, attempts FROM callbacks
WHERE state = 'pending' AND next_us <= $1 ORDER BY next_us, id LIMIT $2;

-- name: callback_result
UPDATE callbacks SET state = $2, attempts = attempts + 1, next_us = $3, last_error = $4
WHERE id = $1;

-- name: dead_callbacks
SELECT id, message_id, event_n, url, attempts, last_error FROM callbacks
WHERE state = 'dead' ORDER BY id;

-- name: requeue_callbacks
UPDATE callbacks SET state = 'pending', attempts = 0, next_us = $1 WHERE state = 'dead';

-- name: limit_used
SELECT used FROM limit_usage WHERE scope = $1 AND currency = $2 AND day = $3 FOR UPDATE;

-- name: limit_add
INSERT INTO limit_usage (scope, currency, day, used) VALUES ($1, $2, $3, $4)
ON CONFLICT (scope, currency, day) DO UPDATE SET used = limit_usage.used + $4;

-- name: limit_hold
INSERT INTO limit_holds (message_id, scope, currency, day, amount)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING;

-- name: limit_holds_of
SELECT scope, currency, day, amount FROM limit_holds WHERE message_id = $1;

-- name: limit_unhold
DELETE FROM limit_holds WHERE message_id = $1;

-- name: outbox_release_waiting
UPDATE outbox SET state = 'queued' WHERE state = 'waiting' AND next_us <= $1;

-- name: outbox_waiting_count
SELECT count(*) AS n FROM outbox WHERE state = 'waiting';

-- name: outbox_unclaim_attempt
UPDATE outbox SET attempts = attempts - 1 WHERE id = $1;

-- name: dispatched_summary
SELECT connector, count(*) AS n, min(updated_us) AS oldest_us FROM messages
WHERE state = 'DISPATCHED' GROUP BY connector;

-- name: dispatched_before
SELECT id, connector, updated_us FROM messages
WHERE state = 'DISPATCHED' AND connector = $1 AND updated_us < $2
ORDER BY updated_us LIMIT $3;

-- chain pending transactions

-- name: chain_tx_nonce_held
SELECT key FROM chain_pending
WHERE connector = $1 AND nonce = $2 AND outcome IS NULL AND key <> $3;

-- name: chain_tx_record
INSERT INTO chain_pending (connector, key, nonce, tx_hash, signed_blob, meta, created_us,
    updated_us)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (connector, key) DO UPDATE SET nonce = EXCLUDED.nonce, tx_hash = EXCLUDED.tx_hash,
    signed_blob = EXCLUDED.signed_blob, meta = EXCLUDED.meta, outcome = NULL, result = NULL,
    updated_us = EXCLUDED.updated_us
WHERE chain_pending.outcome = 'void'
RETURNING key;

-- name: chain_tx_get
SELECT key, nonce, tx_hash, signed_blob, meta, result FROM chain_pending
WHERE connector = $1 AND key = $2;

-- name: chain_tx_finish
UPDATE chain_pending SET outcome = $3, result = $4, updated_us = $5
WHERE connector = $1 AND key = $2 AND outcome IS NULL
RETURNING key;

-- name: chain_tx_pending
SELECT key, nonce, tx_hash, signed_blob, meta, result FROM chain_pending
WHERE connector = $1 AND outcome IS NULL ORDER BY nonce;

-- name: gateway_open_sends
SELECT m.id, m.external_ref, m.canonical,
    (SELECT o.idempotency_key FROM outbox o WHERE o.message_id = m.id
     AND o.connector = m.connector ORDER BY o.id DESC LIMIT 1) AS idempotency_key
FROM messages m
WHERE m.state IN ('DISPATCHED', 'DELIVERED') AND m.connector = $1
    AND m.external_ref IS NOT NULL
ORDER BY m.seq LIMIT $2;

-- edi outbound control numbers

-- name: reserve_counter
INSERT INTO counters (name, value) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET value = counters.value + $2
RETURNING value;

-- name: edi_outbound_insert
INSERT INTO edi_outbound (partner, family, interchange, grp, txn, message_id, at_us)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING;

-- name: edi_outbound_by_interchange
SELECT grp, txn, message_id FROM edi_outbound
WHERE partner = $1 AND family = $2 AND interchange = $3 ORDER BY at_us, message_id;

-- name: edi_outbound_by_group
SELECT grp, txn, message_id FROM edi_outbound
WHERE partner = $1 AND family = $2 AND grp = $3 ORDER BY at_us, message_id;
