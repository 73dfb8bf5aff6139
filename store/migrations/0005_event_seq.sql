-- Event numbers carry on across restarts (the bus starts after the highest
-- stored one, and the crash journal replays what is above it): both look up
-- MAX(seq) at start, which this keeps from scanning the whole history.
CREATE INDEX events_seq ON events (seq);
