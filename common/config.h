/*
 * config.h - libconfig loading driven by tables of options.
 *
 * Each daemon declares a table of { path, type, target, default, bounds,
 * env override }.  fd_cfg_apply() fills every target from the file, then the
 * environment, then the default, and validates bounds in one place.
 * Secrets (tokens, passwords) should name an env variable so they never
 * have to live in a file in the repository.
 */
#ifndef FD_CONFIG_H
#define FD_CONFIG_H

#include <stddef.h>
#include <libconfig.h>

/*
 * FD_CFG_SECTION is a row that sets nothing: { "gateway", FD_CFG_SECTION }
 * says this table names every key of that section, so fd_cfg_apply warns
 * (log_warnx, no failure) about any other key there, a likely typo.  Only
 * for sections one table owns whole: business, stt or tts are also read
 * by code outside the tables.
 */
enum fd_cfg_type {
	FD_CFG_INT,
	FD_CFG_BOOL,
	FD_CFG_DOUBLE,
	FD_CFG_STR,
	FD_CFG_SECTION
};

struct fd_cfg_opt {
	const char *path; /* "gateway.port" */
	enum fd_cfg_type type;
	void *ptr; /* int * (INT, BOOL), double *, char [cap] */
	size_t cap; /* STR only: size of the target buffer */
	const char *def; /* default as text ("8080", "true", "ipc://..") */
	double min, max; /* numbers: inclusive bounds unless both are 0 */
	const char *env; /* environment variable that overrides, or NULL */
};

#define FD_CFG_N(a) (sizeof(a) / sizeof((a)[0]))

/* Read file into cfg (config_init is done here).  file NULL: empty config. */
int fd_cfg_open(config_t *cfg, const char *file, char *err, size_t errlen);
/* Lay the settings in file over cfg (the owner's settings the admin API
 * writes over the installer's config): a group is merged member by
 * member, any other setting replaces the one of that name.  0, or -1
 * with a message (cfg may then be partly merged: discard it). */
int fd_cfg_merge_file(
    config_t *cfg, const char *file, char *err, size_t errlen);
/* Fill every option of the table; -1 with a message on the first bad one.
 * Warns about unknown keys in the table's FD_CFG_SECTION sections. */
int fd_cfg_apply(const config_t *cfg, const struct fd_cfg_opt *opts, size_t n,
    char *err, size_t errlen);

#endif
