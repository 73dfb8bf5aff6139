-- Where each call's recording is (a stereo WAV: caller left, agent right),
-- so QA finds it from the call record.
ALTER TABLE calls ADD COLUMN recording TEXT NOT NULL DEFAULT '';
CREATE INDEX calls_recording ON calls (agent_id, arrived_at) WHERE recording <> '';
