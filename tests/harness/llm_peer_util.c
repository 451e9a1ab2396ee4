/*
 * llm_peer_util.c - tests only: the openai_peer.py process and its control
 * requests (llm_peer_util.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <curl/curl.h>

#include "tests/harness/llm_peer_util.h"

struct buf {
	char *s;
	size_t n;
};

static size_t
grab(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *q = realloc(b->s, b->n + size * n + 1);

	if (q == NULL)
		return 0;
	memcpy(q + b->n, p, size * n);
	b->s = q;
	b->n += size * n;
	b->s[b->n] = '\0';
	return size * n;
}

json_t *
llm_peer_call(int port, const char *path, const char *body)
{
	CURL *e = curl_easy_init();
	struct buf b = {NULL, 0};
	json_t *j = NULL;
	char url[128];

	if (e == NULL)
		return NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	if (body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, grab);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(e) == CURLE_OK && b.s)
		j = json_loads(b.s, 0, NULL);
	curl_easy_cleanup(e);
	free(b.s);
	return j;
}

int
llm_peer_start(const char *argv0, int *port, pid_t *pid)
{
	char path[600], line[64], *slash;
	const char *env = getenv("FD_OPENAI_PEER");
	int fd[2];
	FILE *f;

	*port = 0;
	snprintf(
	    path, sizeof(path), "%s", env ? env : "tests/peers/openai_peer.py");
	if (access(path, R_OK) != 0) {
		/* build/test/x -> tests/peers/openai_peer.py beside build */
		snprintf(path, sizeof(path), "%s", argv0);
		if ((slash = strstr(path, "build/test/")) != NULL ||
		    (slash = strstr(path, "build-san/test/")) != NULL)
			snprintf(slash, sizeof(path) - (size_t)(slash - path),
			    "tests/peers/openai_peer.py");
	}
	if (access(path, R_OK) != 0 || pipe(fd) != 0)
		return -1;
	if ((*pid = fork()) == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("python3", "python3", path, "--port", "0", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	if ((f = fdopen(fd[0], "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL ||
	    sscanf(line, "PORT %d", port) != 1)
		*port = 0;
	fclose(f);
	return *port > 0 ? 0 : -1;
}

void
llm_peer_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}
