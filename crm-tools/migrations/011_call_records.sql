-- 011_call_records.sql - what a call record holds beyond its transcript:
-- the gateway's recording of the call (stereo WAV; the mixed track is the
-- same name with .mixed.wav), its length and size; per call, what it used
-- of each paid service (telephony minutes, STT seconds, TTS characters,
-- LLM tokens) and what that cost at the configured prices (pricing.*,
-- zero for local engines), written by call_end; per transcript turn, when
-- it was said (ms since the call started), the recogniser's confidence,
-- and for an agent turn whether the caller cut it off and what of it the
-- caller heard.
ALTER TABLE calls ADD COLUMN IF NOT EXISTS recording_path text;
ALTER TABLE calls ADD COLUMN recording_duration_s double precision;
ALTER TABLE calls ADD COLUMN recording_bytes bigint;
ALTER TABLE calls ADD COLUMN telephony_min numeric(10,2);
ALTER TABLE calls ADD COLUMN stt_s numeric(10,1);
ALTER TABLE calls ADD COLUMN tts_chars bigint;
ALTER TABLE calls ADD COLUMN llm_tokens bigint;
ALTER TABLE calls ADD COLUMN telephony_usd numeric(12,6);
ALTER TABLE calls ADD COLUMN stt_usd numeric(12,6);
ALTER TABLE calls ADD COLUMN tts_usd numeric(12,6);
ALTER TABLE calls ADD COLUMN llm_usd numeric(12,6);
ALTER TABLE calls ADD COLUMN cost_usd numeric(12,6);

ALTER TABLE call_turns ADD COLUMN start_ms bigint;
ALTER TABLE call_turns ADD COLUMN end_ms bigint;
ALTER TABLE call_turns ADD COLUMN confidence real;
ALTER TABLE call_turns ADD COLUMN barged_in boolean NOT NULL DEFAULT false;
ALTER TABLE call_turns ADD COLUMN heard_text text;
