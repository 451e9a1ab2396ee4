/*
 * sql_embed.h - the SQL crm-tools carries inside its binary: numbered
 * migrations (crm-tools/migrations/NNN_*.sql) and the demo seed
 * (crm-tools/seed.sql), generated at build time by embed-sql.sh.
 */
#ifndef CRM_SQL_EMBED_H
#define CRM_SQL_EMBED_H

struct crm_sql_file {
	int version; /* NNN of NNN_name.sql */
	const char *name; /* file name, for logs and schema_migrations */
	const char *sql; /* whole file, NUL-terminated */
};

extern const struct crm_sql_file crm_migrations[];
extern const int crm_nmigrations;
extern const char crm_seed_sql[];

#endif
