-- 009_identified.sql - a caller from another number who gives a customer's
-- phone and name is "identified" as them, not verified: knowing a name and
-- a number proves nothing.  The call keeps that customer apart from the
-- verified one (a second factor: a confirmation code or a VIN's last
-- characters) so crm-tools can allow the low-risk reads and refuse the rest.
ALTER TABLE calls ADD COLUMN identified_customer_id bigint REFERENCES customers(id);
