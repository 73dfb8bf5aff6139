-- One row per call, written at arrival and closed by EndCall or RecoverOpenCalls.
-- Times are unix milliseconds (UTC); NULL means the call never reached that step.
CREATE TABLE calls (
    id           TEXT PRIMARY KEY,
    sip_call_id  TEXT NOT NULL DEFAULT '',
    ani          TEXT NOT NULL DEFAULT '',
    dnis         TEXT NOT NULL DEFAULT '',
    trunk        TEXT NOT NULL DEFAULT '',
    flow         TEXT NOT NULL DEFAULT '',
    ivr_digits   TEXT NOT NULL DEFAULT '',
    queue        TEXT NOT NULL DEFAULT '',
    agent_id     TEXT NOT NULL DEFAULT '',
    arrived_at   INTEGER NOT NULL,
    queued_at    INTEGER,
    offered_at   INTEGER,
    answered_at  INTEGER,
    ended_at     INTEGER,
    hangup_side  TEXT NOT NULL DEFAULT ''
        CHECK (hangup_side IN ('', 'caller', 'agent', 'switch')),
    hangup_cause TEXT NOT NULL DEFAULT '',
    disposition  TEXT NOT NULL DEFAULT ''
        CHECK (disposition IN ('', 'answered', 'abandoned', 'timeout', 'no_agents',
                               'rejected', 'self_served', 'failed', 'callback')),
    wait_ms      INTEGER NOT NULL DEFAULT 0,
    talk_ms      INTEGER NOT NULL DEFAULT 0,
    data         TEXT -- JSON object of attached variables
);
CREATE INDEX calls_arrived ON calls (arrived_at);
CREATE INDEX calls_queue ON calls (queue, arrived_at);
CREATE INDEX calls_agent ON calls (agent_id, arrived_at);
-- Startup recovery looks only at calls left open.
CREATE INDEX calls_open ON calls (id) WHERE ended_at IS NULL;
