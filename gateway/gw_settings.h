/*
 * gw_settings.h - the owner's settings behind GET/PUT /api/v1/config:
 * read from the running config, checked field by field, written to the
 * settings file every daemon lays over its config (common/daemon.h
 * fd_settings_path) and reloads when it changes.
 */
#ifndef GW_SETTINGS_H
#define GW_SETTINGS_H

#include <stddef.h>
#include <jansson.h>

/* The settings now in force (fd_config), as the API shows them; NULL with
 * err on a config the business loader refuses. */
json_t *settings_current(char *err, size_t errlen);
/* Check body (a partial settings object: what it names replaces the
 * current value), then write the whole settings to the file.  0 with the
 * settings now written in *now (the daemons apply them as they reload);
 * or -1 with each problem appended to errors as {field, error}, or
 * (errors left empty) err saying why the file could not be written. */
int settings_put(
    const json_t *body, json_t *errors, json_t **now, char *err, size_t errlen);
/* The settings file ("" when none is configured). */
const char *settings_path(void);

#endif
