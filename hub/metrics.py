"""Every Prometheus metric of the hub, declared once against an injected registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                   10, 30)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.accepted = Counter(
            "hub_messages_accepted_total", "Messages journalled, by channel, format and state",
            ["channel", "format", "state"], registry=r)
        self.duplicates = Counter(
            "hub_messages_duplicate_total", "Submissions answered as duplicates", ["channel"],
            registry=r)
        self.rejected = Counter(
            "hub_messages_rejected_total", "Inputs refused at the door, by channel and code",
            ["channel", "format", "code"], registry=r)
        self.dispatched = Counter(
            "hub_messages_dispatched_total", "Send attempts by connector and outcome",
            ["connector", "outcome"], registry=r)
        self.status_in = Counter(
            "hub_status_updates_total", "Status updates applied to messages, by source and state",
            ["source", "state"], registry=r)
        self.stage_seconds = Histogram(
            "hub_stage_seconds", "Time spent per pipeline stage", ["stage"],
            buckets=LATENCY_BUCKETS, registry=r)
        self.journal_commit_seconds = Histogram(
            "hub_journal_commit_seconds", "Journal transaction latency by operation",
            ["operation"], buckets=LATENCY_BUCKETS, registry=r)
        self.journal_batch_size = Histogram(
            "hub_journal_batch_size", "Messages per accept transaction",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512), registry=r)
        self.outbox_depth = Gauge(
            "hub_outbox_depth", "Outbox rows waiting to be sent", registry=r)
        self.outbox_oldest_age = Gauge(
            "hub_outbox_oldest_age_seconds", "Age of the oldest unsent outbox row", registry=r)
        self.messages_by_state = Gauge(
            "hub_messages_state", "Messages currently in each state", ["state"], registry=r)
        self.connector_up = Gauge(
            "hub_connector_up", "1 when the connector reports healthy", ["connector"],
            registry=r)
        self.circuit_open = Gauge(
            "hub_connector_circuit_open", "1 when the connector's circuit is open",
            ["connector"], registry=r)
        self.send_seconds = Histogram(
            "hub_connector_send_seconds", "Connector send latency", ["connector"],
            buckets=LATENCY_BUCKETS, registry=r)
        self.routing_reloads = Counter(
            "hub_routing_table_reloads_total", "Routing table reloads by result", ["result"],
            registry=r)
        self.repair_queue = Gauge(
            "hub_repair_queue_size", "Messages waiting in the repair queue", registry=r)
        self.inbound_files = Counter(
            "hub_inbound_items_total", "Items taken from inbound links, by channel and result",
            ["channel", "result"], registry=r)
        self.repair_oldest_age = Gauge(
            "hub_repair_queue_oldest_age_seconds", "Age of the oldest message in REPAIR",
            registry=r)
        self.unacknowledged = Gauge(
            "hub_unacknowledged_messages", "Messages sent and not yet acknowledged, by connector",
            ["connector"], registry=r)
        self.unacknowledged_oldest_age = Gauge(
            "hub_unacknowledged_oldest_age_seconds",
            "Age of the oldest message sent and not acknowledged, by connector", ["connector"],
            registry=r)
        self.screening_hits = Counter(
            "hub_screening_hits_total", "Messages held by screening, by list", ["list"],
            registry=r)
        self.screening_errors = Counter(
            "hub_screening_errors_total", "Screenings that could not decide (held)", ["reason"],
            registry=r)
        self.limit_usage = Gauge(
            "hub_limit_usage_ratio", "Intraday debit used / limit, by scope and currency",
            ["scope", "currency"], registry=r)
        self.limit_queued = Gauge(
            "hub_limit_queue_size", "Payments waiting for liquidity", registry=r)
        self.recon_unmatched = Gauge(
            "hub_recon_unmatched_entries", "Statement entries that match no message", registry=r)
        self.recon_unconfirmed = Gauge(
            "hub_recon_unconfirmed_messages",
            "Messages sent and past their value date with no statement entry", registry=r)
        self.approvals_pending = Gauge(
            "hub_approvals_pending", "Four-eyes proposals waiting for a second person",
            registry=r)
        self.callbacks = Counter(
            "hub_callbacks_total", "Callbacks to originators, by outcome", ["outcome"],
            registry=r)
        self.ready = Gauge("hub_ready", "1 once the hub can do work", registry=r)
