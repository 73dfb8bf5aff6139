-- Event history for reports. seq is the bus sequence number, which restarts
-- with the process, so rows are keyed by their own id.
CREATE TABLE events (
    id       INTEGER PRIMARY KEY,
    seq      INTEGER NOT NULL DEFAULT 0,
    ts       INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    call_id  TEXT NOT NULL DEFAULT '',
    queue    TEXT NOT NULL DEFAULT '',
    agent_id TEXT NOT NULL DEFAULT '',
    data     TEXT -- JSON object
);
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_call ON events (call_id) WHERE call_id <> '';
CREATE INDEX events_agent ON events (agent_id, ts) WHERE agent_id <> '';

-- Agent state intervals, derived from agent.state events by the EventWriter.
-- to_ts is NULL while the agent is still in that state.
CREATE TABLE agent_states (
    id       INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL,
    state    TEXT NOT NULL,
    reason   TEXT NOT NULL DEFAULT '',
    from_ts  INTEGER NOT NULL,
    to_ts    INTEGER
);
CREATE INDEX agent_states_agent ON agent_states (agent_id, from_ts);
CREATE INDEX agent_states_open ON agent_states (agent_id) WHERE to_ts IS NULL;
