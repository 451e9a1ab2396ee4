/*
 * peer_run.h - start and stop a local vendor peer (a python3 script in
 * tests/peers/) for the vendor engine tests: a throwaway self-signed TLS
 * certificate made with the openssl CLI (package openssl), the script run
 * as a child that prints "PORT n" when it listens, and a log file the
 * script appends one JSON line per request or connection to.
 */
#ifndef FD_PEER_RUN_H
#define FD_PEER_RUN_H

#include <stddef.h>
#include <sys/types.h>

struct peer {
	pid_t pid;
	int port;
	char dir[64]; /* temp dir: cert.pem, key.pem, peer.log */
	char cert[128];
	char key[128];
	char log[128];
};

/* Make the temp dir and the certificate (CN localhost, SAN localhost and
 * 127.0.0.1).  0 or -1 with a message on stderr. */
int peer_tls_init(struct peer *p);
/* Run tests/peers/<script> with --cert --key --log and the extra args
 * (NULL-terminated); wait for its port.  0 or -1. */
int peer_start(struct peer *p, const char *script, const char *const *args);
/* Kill the script (SIGTERM, then SIGKILL) and reap it. */
void peer_stop(struct peer *p);
/* Remove the temp dir and its files. */
void peer_tls_fini(struct peer *p);
/* Whole log file as a string (caller frees), "" if none. */
char *peer_log_read(const struct peer *p);
/* Truncate the log. */
void peer_log_clear(const struct peer *p);

#endif
