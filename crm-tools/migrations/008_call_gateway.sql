-- 008_call_gateway.sql - which gateway answered a call, and which run of
-- it (a fresh id each start): when a gateway starts again it closes the
-- calls its earlier run left open (gateway_restarted), and only those, so
-- several gateways never close each other's calls.
ALTER TABLE calls ADD COLUMN gateway text;
ALTER TABLE calls ADD COLUMN gateway_boot text;
CREATE INDEX calls_open_by_gateway ON calls (gateway) WHERE ended_at IS NULL;
