-- 004_caller_id.sql - a caller may say they are not the customer whose
-- phone they call from (deny_caller_id): the call then drops its caller-ID
-- identity for good, and a booking creates a new customer, who may have no
-- phone of their own on file (the shared phone stays with its owner).
ALTER TABLE calls ADD COLUMN caller_id_denied boolean NOT NULL DEFAULT false;
ALTER TABLE customers ALTER COLUMN phone DROP NOT NULL;
