-- The appointments a call booked, found by index: the call record
-- (get_call, the dashboard) read every appointment of the shop for each
-- call it showed.
CREATE INDEX appointments_source_call ON appointments (source_call_sid)
    WHERE source_call_sid IS NOT NULL;
