-- Named queries of the SQLite journal. Each "-- name:" starts one query.

-- name: migrations_table
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_us bigint NOT NULL);

-- name: applied_migrations
SELECT version, name FROM schema_migrations ORDER BY version;

-- name: record_migration
INSERT INTO schema_migrations (version, name, applied_us) VALUES (?1, ?2, ?3);

-- name: migration_lock
SELECT 1;

-- name: dedup_lookup
SELECT d.key, d.message_id, d.content_hash, m.state
FROM dedup d JOIN messages m ON m.id = d.message_id
WHERE d.key IN (SELECT value FROM json_each(?1));

-- name: input_lookup
SELECT id FROM inputs WHERE channel = ?1 AND name = ?2 AND sha256 = ?3;

-- name: input_messages
SELECT id, state FROM messages WHERE input_id = ?1 ORDER BY input_index;

-- name: insert_input
INSERT INTO inputs (id, channel, name, sha256, size, format, raw, received_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);

-- name: insert_message
INSERT INTO messages (seq, id, input_id, input_index, state, format, kind, uetr, reference,
    amount, currency, channel, sender, submitted_by, dedup_key, canonical, diagnostics, route,
    connector, event_count, last_hash, created_us, updated_us, callback_url)
VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM messages), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
    ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?21, ?22);

-- name: insert_event
INSERT INTO events (message_id, n, at_us, type, state, actor, data, prev_hash, hash)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);

-- name: insert_dedup
INSERT INTO dedup (key, message_id, content_hash) VALUES (?1, ?2, ?3);

-- name: insert_outbox
INSERT INTO outbox (message_id, connector, format, payload, idempotency_key, state, next_us,
    created_us)
VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7);

-- name: notify_outbox
SELECT 1;

-- name: get_message
SELECT * FROM messages WHERE id = ?1;

-- name: list_messages
SELECT * FROM messages
WHERE (?1 IS NULL OR state = ?1) AND updated_us >= ?2 AND seq > ?3
ORDER BY seq LIMIT ?4;

-- name: events_of
SELECT * FROM events WHERE message_id = ?1 ORDER BY n;

-- name: events_between
SELECT * FROM events WHERE at_us >= ?1 AND at_us < ?2 ORDER BY message_id, n;

-- name: all_events
SELECT * FROM events ORDER BY message_id, n;

-- name: claim
UPDATE outbox SET state = 'claimed', claimed_by = ?1, claimed_until_us = ?2,
    attempts = attempts + 1
WHERE id IN (
    SELECT id FROM outbox
    WHERE (state = 'queued' AND next_us <= ?3)
    ORDER BY next_us, id
    LIMIT ?4)
RETURNING id, message_id, connector, format, payload, idempotency_key, attempts, next_us;

-- name: claimed_messages
-- The messages of claimed rows, read apart: SQLite plans a subquery inside RETURNING as a scan
-- of the whole table, whatever index there is (3.40: one scan per row and column).
SELECT id, canonical, route, state FROM messages WHERE id IN (SELECT value FROM json_each(?1));

-- name: reclaim_expired
UPDATE outbox SET state = 'queued', claimed_by = NULL, claimed_until_us = NULL
WHERE state = 'claimed' AND claimed_until_us < ?1;

-- name: heads_for_update
SELECT id, state, event_count, last_hash FROM messages WHERE id IN (SELECT value FROM json_each(?1))
ORDER BY id;

-- name: update_head
UPDATE messages SET state = ?2, event_count = ?3, last_hash = ?4, updated_us = ?5,
    external_ref = COALESCE(?6, external_ref), route = COALESCE(?7, route),
    connector = COALESCE(?8, connector)
WHERE id = ?1;

-- name: update_canonical
UPDATE messages SET canonical = ?2, diagnostics = ?3, version = version + 1, amount = ?4,
    currency = ?5, reference = ?6
WHERE id = ?1;

-- name: outbox_done
UPDATE outbox SET state = ?2, claimed_by = NULL, claimed_until_us = NULL, last_error = ?3,
    next_us = ?4
WHERE id = ?1;

-- name: outbox_requeue_message
UPDATE outbox SET state = 'queued', attempts = 0, next_us = ?2, last_error = NULL
WHERE message_id = ?1 AND state = 'dead';

-- name: outbox_stats
-- One part per state, so each walks its own partial index (an IN over both scans the table).
SELECT sum(n) AS depth, min(oldest) AS oldest_us FROM (
    SELECT count(*) AS n, min(created_us) AS oldest FROM outbox WHERE state = 'queued'
    UNION ALL
    SELECT count(*), min(created_us) FROM outbox WHERE state = 'claimed');

-- name: state_counts
SELECT state, count(*) AS n FROM messages GROUP BY state;

-- name: find_by_uetr
SELECT id FROM messages WHERE uetr = ?1 ORDER BY seq;

-- name: find_by_reference
SELECT id FROM messages WHERE reference = ?1 ORDER BY seq;

-- name: find_by_external_ref
SELECT id FROM messages WHERE external_ref = ?1 ORDER BY seq;

-- name: insert_key
INSERT INTO api_keys (id, hash, role, name, created_us) VALUES (?1, ?2, ?3, ?4, ?5);

-- name: key_by_hash
SELECT id, role, name, created_us, revoked_us FROM api_keys WHERE hash = ?1;

-- name: list_keys
SELECT id, role, name, created_us, revoked_us FROM api_keys ORDER BY created_us;

-- name: revoke_key
UPDATE api_keys SET revoked_us = ?2 WHERE id = ?1 AND revoked_us IS NULL;

-- name: count_keys
SELECT count(*) AS n FROM api_keys WHERE revoked_us IS NULL;

-- name: next_counter
INSERT INTO counters (name, value) VALUES (?1, 1)
ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
RETURNING value;

-- name: record_control_number
INSERT INTO control_numbers (partner, kind, direction, number, at_us)
VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING RETURNING number;

-- name: try_lease
SELECT 1 AS held, ?1 AS lease;

-- name: release_lease
SELECT ?1 AS lease;

-- name: find_by_outbox_key
SELECT DISTINCT message_id AS id FROM outbox WHERE idempotency_key = ?1;

-- name: input_by_name
SELECT id FROM inputs WHERE channel = ?1 AND name = ?2 LIMIT 1;

-- name: insert_approval
INSERT INTO approvals (id, action, target, payload, reason, proposed_by, proposed_us, state)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending');

-- name: get_approval
SELECT * FROM approvals WHERE id = ?1;

-- name: list_approvals
SELECT * FROM approvals WHERE (?1 = '' OR state = ?1) ORDER BY proposed_us LIMIT ?2;

-- name: decide_approval
UPDATE approvals SET state = ?2, decided_by = ?3, decided_us = ?4, result = ?5
WHERE id = ?1 AND state = 'pending' RETURNING id;

-- name: pending_for_target
SELECT id FROM approvals WHERE target = ?1 AND state = 'pending';

-- name: callback_events
SELECT e.seq, e.message_id, e.n, e.at_us, e.type, e.state, m.callback_url, m.uetr, m.reference
FROM events e JOIN messages m ON m.id = e.message_id
WHERE e.seq > ?1 AND e.at_us < ?3 AND m.callback_url IS NOT NULL
ORDER BY e.seq LIMIT ?2;

-- name: max_event_seq
SELECT coalesce(max(seq), 0) AS seq FROM events WHERE seq > ?1 AND at_us < ?2;

-- name: set_counter
INSERT INTO counters (name, value) VALUES (?1, ?2)
ON CONFLICT (name) DO UPDATE SET value = ?2;

-- name: get_counter
SELECT value FROM counters WHERE name = ?1;

-- name: insert_callback
INSERT INTO callbacks (message_id, event_n, url, body, state, next_us, created_us)
VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5) ON CONFLICT DO NOTHING;

-- name: due_callbacks
SELECT id, message_id, event_n, url, body, attempts FROM callbacks
WHERE state = 'pending' AND next_us <= ?1 ORDER BY next_us, id LIMIT ?2;

-- name: callback_result
UPDATE callbacks SET state = ?2, attempts = attempts + 1, next_us = ?3, last_error = ?4
WHERE id = ?1;

-- name: dead_callbacks
SELECT id, message_id, event_n, url, attempts, last_error FROM callbacks
WHERE state = 'dead' ORDER BY id;

-- name: requeue_callbacks
UPDATE callbacks SET state = 'pending', attempts = 0, next_us = ?1 WHERE state = 'dead';

-- name: limit_used
SELECT used FROM limit_usage WHERE scope = ?1 AND currency = ?2 AND day = ?3;

-- name: limit_add
INSERT INTO limit_usage (scope, currency, day, used) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (scope, currency, day) DO UPDATE SET used = limit_usage.used + ?4;

-- name: limit_hold
INSERT INTO limit_holds (message_id, scope, currency, day, amount)
VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING;

-- name: limit_holds_of
SELECT scope, currency, day, amount FROM limit_holds WHERE message_id = ?1;

-- name: limit_unhold
DELETE FROM limit_holds WHERE message_id = ?1;

-- name: outbox_release_waiting
UPDATE outbox SET state = 'queued' WHERE state = 'waiting' AND next_us <= ?1;

-- name: outbox_waiting_count
SELECT count(*) AS n FROM outbox WHERE state = 'waiting';

-- name: outbox_unclaim_attempt
UPDATE outbox SET attempts = attempts - 1 WHERE id = ?1;

-- name: dispatched_summary
SELECT connector, count(*) AS n, min(updated_us) AS oldest_us FROM messages
WHERE state = 'DISPATCHED' GROUP BY connector;

-- name: dispatched_before
SELECT id, connector, updated_us FROM messages
WHERE state = 'DISPATCHED' AND connector = ?1 AND updated_us < ?2
ORDER BY updated_us LIMIT ?3;

-- chain pending transactions

-- name: chain_tx_nonce_held
SELECT key FROM chain_pending
WHERE connector = ?1 AND nonce = ?2 AND outcome IS NULL AND key <> ?3;

-- name: chain_tx_record
INSERT INTO chain_pending (connector, key, nonce, tx_hash, signed_blob, meta, created_us,
    updated_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
ON CONFLICT (connector, key) DO UPDATE SET nonce = excluded.nonce, tx_hash = excluded.tx_hash,
    signed_blob = excluded.signed_blob, meta = excluded.meta, outcome = NULL, result = NULL,
    updated_us = excluded.updated_us
WHERE chain_pending.outcome = 'void'
RETURNING key;

-- name: chain_tx_get
SELECT key, nonce, tx_hash, signed_blob, meta, result FROM chain_pending
WHERE connector = ?1 AND key = ?2;

-- name: chain_tx_finish
UPDATE chain_pending SET outcome = ?3, result = ?4, updated_us = ?5
WHERE connector = ?1 AND key = ?2 AND outcome IS NULL
RETURNING key;

-- name: chain_tx_pending
SELECT key, nonce, tx_hash, signed_blob, meta, result FROM chain_pending
WHERE connector = ?1 AND outcome IS NULL ORDER BY nonce;

-- name: gateway_open_sends
SELECT m.id, m.external_ref, m.canonical,
    (SELECT o.idempotency_key FROM outbox o WHERE o.message_id = m.id
     AND o.connector = m.connector ORDER BY o.id DESC LIMIT 1) AS idempotency_key
FROM messages m
WHERE m.state IN ('DISPATCHED', 'DELIVERED') AND m.connector = ?1
    AND m.external_ref IS NOT NULL
ORDER BY m.seq LIMIT ?2;

-- edi outbound control numbers

-- name: reserve_counter
INSERT INTO counters (name, value) VALUES (?1, ?2)
ON CONFLICT (name) DO UPDATE SET value = counters.value + ?2
RETURNING value;

-- name: edi_outbound_insert
INSERT INTO edi_outbound (partner, family, interchange, grp, txn, message_id, at_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING;

-- name: edi_outbound_by_interchange
SELECT grp, txn, message_id FROM edi_outbound
WHERE partner = ?1 AND family = ?2 AND interchange = ?3 ORDER BY at_us, message_id;

-- name: edi_outbound_by_group
SELECT grp, txn, message_id FROM edi_outbound
WHERE partner = ?1 AND family = ?2 AND grp = ?3 ORDER BY at_us, message_id;
