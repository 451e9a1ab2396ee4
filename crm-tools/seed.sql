-- seed.sql - demo data for "Otto's Auto": customers with phones
-- +15551230001.., their vehicles (VINs with valid check digits), a few
-- appointments on the next weekdays (so some slots are taken) and repair
-- orders in several stages (for "where is my car?").  Loaded by crm-tools at
-- start when the customers table is empty (crm.seed) or by the seed_demo
-- tool.  Safe to run twice: every insert skips rows that already exist.
-- Services and resources come from the business config, synced before this.

INSERT INTO customers (phone, first_name, last_name, email, consent_sms) VALUES
    ('+15551230001', 'John',      'Smith',     'john.smith@example.com',    true),
    ('+15551230002', 'Maria',     'Garcia',    'maria.garcia@example.com',  true),
    ('+15551230003', 'James',     'Johnson',   'jjohnson@example.com',      false),
    ('+15551230004', 'Patricia',  'Williams',  'pat.williams@example.com',  true),
    ('+15551230005', 'Robert',    'Brown',     'rbrown@example.com',        false),
    ('+15551230006', 'Linda',     'Jones',     'linda.jones@example.com',   true),
    ('+15551230007', 'Michael',   'Miller',    'mmiller@example.com',       true),
    ('+15551230008', 'Elizabeth', 'Davis',     'liz.davis@example.com',     false),
    ('+15551230009', 'David',     'Martinez',  'dmartinez@example.com',     true),
    ('+15551230010', 'Susan',     'Anderson',  'susan.anderson@example.com', true)
ON CONFLICT (phone) DO NOTHING;

INSERT INTO vehicles (customer_id, vin, make, model, year, plate, color)
SELECT c.id, v.vin, v.make, v.model, v.year, v.plate, v.color
FROM (VALUES
    ('+15551230001', '2HGFC2F56KH512345', 'Honda',     'Civic',     2019, '7ABC123', 'blue'),
    ('+15551230001', '1HGCM82633A004352', 'Honda',     'Accord',    2003, '3XYZ789', 'silver'),
    ('+15551230002', '4T1B11HKXLU023456', 'Toyota',    'Camry',     2020, '8DEF456', 'white'),
    ('+15551230003', '1FTEW1EP2JFA34567', 'Ford',      'F-150',     2018, '5GHJ234', 'black'),
    ('+15551230004', '3GCUYDED7MG145678', 'Chevrolet', 'Silverado', 2021, '9KLM567', 'red'),
    ('+15551230005', '5YJ3E1EA5NF156789', 'Tesla',     'Model 3',   2022, 'EV12345', 'white'),
    ('+15551230006', '1N4AL3AP2HC167890', 'Nissan',    'Altima',    2017, '4NPR678', 'gray'),
    ('+15551230007', '4S4BSANC3K3178901', 'Subaru',    'Outback',   2019, '6STU901', 'green'),
    ('+15551230008', '5UXTY5C06L9B89012', 'BMW',       'X3',        2020, '2VWX345', 'black'),
    ('+15551230009', '5NPLM4AG6MH090123', 'Hyundai',   'Elantra',   2021, '1YZA678', 'silver'),
    ('+15551230010', '1C4HJXEG6JW101234', 'Jeep',      'Wrangler',  2018, '8BCD012', 'yellow'),
    ('+15551230010', '3VWD17AJXGM312345', 'Volkswagen','Jetta',     2016, '5EFG345', 'blue')
) AS v (phone, vin, make, model, year, plate, color)
JOIN customers c ON c.phone = v.phone
ON CONFLICT (vin) DO NOTHING;

-- appointments on the next weekdays (n = 1 is the next Monday..Friday)
WITH d AS (
    SELECT day::date AS day, row_number() OVER (ORDER BY day) AS n
    FROM generate_series(current_setting('frontdesk.seed_anchor')::date + 1, current_setting('frontdesk.seed_anchor')::date + 14, interval '1 day') AS day
    WHERE extract(isodow FROM day) < 6
), a (phone, vin, service, bay, n, at, conf) AS (VALUES
    ('+15551230001', '2HGFC2F56KH512345', 'diagnostic',          1, 1, time '09:00', 'JSDG7'),
    ('+15551230002', '4T1B11HKXLU023456', 'oil change',          2, 1, time '09:00', 'MGQ4T'),
    ('+15551230003', '1FTEW1EP2JFA34567', 'tire rotation',       1, 1, time '10:00', 'JJT3R'),
    ('+15551230004', '3GCUYDED7MG145678', 'state inspection',    1, 2, time '14:00', 'PWS9N'),
    ('+15551230005', '5YJ3E1EA5NF156789', 'battery replacement', 2, 3, time '08:00', 'RBB6X')
), r AS (
    SELECT id, row_number() OVER (ORDER BY id) AS bay FROM resources WHERE kind = 'bay' AND active
)
INSERT INTO appointments (customer_id, vehicle_id, service_id, resource_id, during,
                          status, confirmation, idempotency_key, notes)
SELECT c.id, v.id, s.id, r.id,
       tstzrange((d.day + a.at)::timestamptz,
                 (d.day + a.at)::timestamptz + make_interval(mins => s.duration_min)),
       'booked', a.conf, 'seed:' || a.conf, 'demo booking'
FROM a
JOIN customers c ON c.phone = a.phone
JOIN vehicles v ON v.vin = a.vin
JOIN services s ON s.name = a.service
JOIN r ON r.bay = a.bay
JOIN d ON d.n = a.n
ON CONFLICT DO NOTHING;

INSERT INTO orders (number, customer_id, vehicle_id, description, stage, expected_ready,
                    price_cents, deposit_cents, created_at)
SELECT o.number, c.id, v.id, o.descr, o.stage,
       (current_setting('frontdesk.seed_anchor')::date + o.ready_days + time '17:00')::timestamptz,
       o.price, o.deposit, current_setting('frontdesk.seed_anchor')::date + time '09:00' - make_interval(days => o.age_days)
FROM (VALUES
    ('RO-1001', '+15551230001', '2HGFC2F56KH512345', 'replace front brake pads and rotors', 'in_repair',      1,  48500, 10000, 1),
    ('RO-1002', '+15551230002', '4T1B11HKXLU023456', 'replace water pump',                  'awaiting_parts', 3,  62000, 20000, 2),
    ('RO-1003', '+15551230003', '1FTEW1EP2JFA34567', 'transmission fluid service',          'ready',          0,  21000,     0, 1),
    ('RO-1004', '+15551230004', '3GCUYDED7MG145678', 'check engine light',                  'diagnosing',     2,  12000,  5000, 0),
    ('RO-1005', '+15551230005', '5YJ3E1EA5NF156789', 'cabin air filter',                    'completed',      -2,  6500,     0, 5),
    ('RO-1006', '+15551230006', '1N4AL3AP2HC167890', 'noise from the suspension',           'received',       2,      0,  5000, 0),
    ('RO-1007', '+15551230010', '3VWD17AJXGM312345', 'replace timing belt',                 'quality_check',  1,  89000, 30000, 3)
) AS o (number, phone, vin, descr, stage, ready_days, price, deposit, age_days)
JOIN customers c ON c.phone = o.phone
JOIN vehicles v ON v.vin = o.vin
ON CONFLICT (number) DO NOTHING;
