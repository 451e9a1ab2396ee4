-- 012_call_figures.sql - the figures the admin API reads per call: how
-- long the caller waited for the greeting's first word, and for each
-- reply after they stopped speaking (voice to voice), as the agent
-- measured them (call_end).  The stats (call_stats) take percentiles over
-- these; filters of the call list go by outcome and day.
ALTER TABLE calls ADD COLUMN first_word_ms int;
ALTER TABLE calls ADD COLUMN v2v_ms int[];
CREATE INDEX calls_outcome ON calls (outcome, started_at DESC);
