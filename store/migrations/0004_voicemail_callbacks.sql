-- Voicemail messages left in IVR voicemail nodes, indexed by box, so the
-- back office finds them without walking the recordings directory.
CREATE TABLE voicemails (
    id          INTEGER PRIMARY KEY,
    call_id     TEXT NOT NULL,
    box         TEXT NOT NULL,
    ani         TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    heard       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX voicemails_box ON voicemails (box, created_at);

-- Callbacks asked for in IVR callback nodes: a promise to the customer that
-- must survive a restart, so it lives here until an agent has called back.
CREATE TABLE callbacks (
    id         INTEGER PRIMARY KEY,
    call_id    TEXT NOT NULL,
    queue      TEXT NOT NULL,
    number     TEXT NOT NULL,
    due_at     INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'queued', 'done', 'failed')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX callbacks_open ON callbacks (status, due_at);
