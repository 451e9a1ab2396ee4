-- Times of the call record (when the call started and ended, when a turn
-- was said, when a tool ran) as ISO 8601 with the offset, so an API client
-- knows the instant: "2026-11-23T09:30:05-05:00".  Bookings keep fd_local
-- (the shop's wall time, which is what a caller and the agent speak in).
CREATE FUNCTION fd_stamp(t timestamptz) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN o.off < interval '0' THEN '-' ELSE '+' END
        || to_char(abs(extract(epoch FROM o.off))::int / 3600, 'FM00') || ':'
        || to_char(abs(extract(epoch FROM o.off))::int % 3600 / 60, 'FM00')
    FROM (SELECT (t AT TIME ZONE current_setting('TimeZone'))
                 - (t AT TIME ZONE 'UTC') AS off) AS o $$;
