-- 014_text_delivery.sql - a text's delivery report becomes its job's
-- outcome.  A confirmation text is recorded `sent` when the carrier takes
-- it; its status callback later says `delivered` or `undelivered` (the
-- carrier's undelivered and failed), and that replaces `sent` on the
-- attempt and the job (undelivered: status failed; texts are never
-- retried).  A delivery report naming a job that is not a text changes
-- nothing: a call job's outcome stays the call's.

CREATE OR REPLACE FUNCTION fd_job_result(jid bigint, att int, outc text,
    sid text, det text, t timestamptz, max_attempts int, backoff_s int[])
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    j jobs;
    a job_attempts;
    report boolean := outc IN ('delivered', 'undelivered');
    upgrade boolean;
    wait int;
BEGIN
    SELECT * INTO j FROM jobs WHERE id = jid FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT * INTO a FROM job_attempts WHERE job_id = jid AND attempt = att
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN json_build_object('error', 'no_attempt');
    END IF;
    IF report AND j.kind <> 'confirmation_sms' THEN
        RETURN json_build_object('job', fd_job_json(j), 'duplicate', true,
            'ignored', 'a delivery report for a job that is not a text');
    END IF;
    upgrade := (a.outcome = 'answered' AND outc NOT IN ('answered', 'busy',
        'no_answer', 'failed', 'sent'))
        OR (report AND coalesce(a.outcome, 'sent') = 'sent');
    IF a.outcome IS NOT NULL AND NOT upgrade THEN
        RETURN json_build_object('job', fd_job_json(j), 'duplicate', true);
    END IF;
    UPDATE job_attempts SET outcome = outc, detail = coalesce(det, detail),
           call_sid = coalesce(sid, call_sid), finished_at = now()
     WHERE job_id = jid AND attempt = att;
    IF att <> j.attempt OR NOT (j.status IN ('claimed', 'dialing')
       OR (upgrade AND j.status IN ('done', 'failed'))) THEN
        -- an old attempt, or a job cancelled meanwhile: history only
        RETURN json_build_object('job', fd_job_json(j), 'duplicate', false,
            'recorded_only', true);
    END IF;
    IF outc IN ('busy', 'no_answer') AND att < max_attempts THEN
        wait := coalesce(backoff_s[least(att, array_length(backoff_s, 1))], 600);
        UPDATE jobs SET status = 'pending', outcome = outc,
               due_at = t + make_interval(secs => wait), claimed_by = NULL,
               lease_until = NULL, dial_at = NULL,
               call_sid = coalesce(sid, call_sid), updated_at = now()
         WHERE id = jid RETURNING * INTO j;
    ELSE
        UPDATE jobs SET status = CASE WHEN outc IN ('failed', 'undelivered')
                                 THEN 'failed' ELSE 'done' END,
               outcome = outc, lease_until = NULL,
               last_error = CASE WHEN outc IN ('failed', 'undelivered')
                            THEN det ELSE last_error END,
               call_sid = coalesce(sid, call_sid), finished_at = now(),
               updated_at = now()
         WHERE id = jid RETURNING * INTO j;
        IF j.kind = 'reminder' AND outc = 'confirmed' THEN
            UPDATE appointments SET status = 'confirmed', updated_at = now()
             WHERE id = j.appointment_id AND status = 'booked';
        END IF;
    END IF;
    RETURN json_build_object('job', fd_job_json(j), 'duplicate', false);
END $$;

-- The gateway's crash window: it records that it is about to send an
-- attempt's carrier request (placing_at) before the request, and the
-- carrier's call sid (fd_job_dialed) after the 201.  An attempt that comes
-- back with placing_at but no call sid may have reached the carrier: the
-- gateway asks the carrier for a call to that number since placing_at
-- before it sends the request again.
ALTER TABLE job_attempts ADD COLUMN placing_at timestamptz;
