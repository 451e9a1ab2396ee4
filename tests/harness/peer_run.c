/*
 * peer_run.c - start and stop the python3 vendor peers of tests/peers/ for
 * the engine tests (tts_vendor_test, stt_deepgram_test).  The scripts use
 * the standard library and Debian's python3-websockets; the interpreter is
 * $FD_PYTHON, else /usr/bin/python3 (Debian's, which has the package, even
 * when a pyenv python3 comes first on PATH), else python3.  Scripts are
 * found relative to the working directory (the repo root under make) or to
 * the test binary (build/test/..).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness/peer_run.h"

#define START_MS 8000 /* python start-up on a loaded CI box */

static int find_script(const char *script, char *path, size_t len);
static const char *python(void);

int
peer_tls_init(struct peer *p)
{
	char cmd[1024];

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	snprintf(p->dir, sizeof(p->dir), "/tmp/fdpeer.XXXXXX");
	if (mkdtemp(p->dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(p->cert, sizeof(p->cert), "%s/cert.pem", p->dir);
	snprintf(p->key, sizeof(p->key), "%s/key.pem", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/peer.log", p->dir);
	snprintf(cmd, sizeof(cmd),
	    "openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
	    "-subj /CN=localhost "
	    "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
	    "-keyout %s -out %s >/dev/null 2>&1",
	    p->key, p->cert);
	if (system(cmd) != 0) {
		fprintf(stderr,
		    "peer: openssl could not make a certificate "
		    "(is the openssl package installed?)\n");
		return -1;
	}
	return 0;
}

int
peer_start(struct peer *p, const char *script, const char *const *args)
{
	const char *argv[48];
	char path[PATH_MAX], buf[128] = "";
	struct pollfd pfd;
	size_t n = 0, got = 0;
	int fds[2], i;
	ssize_t r;

	p->port = 0;
	if (find_script(script, path, sizeof(path)) != 0) {
		fprintf(stderr, "peer: cannot find tests/peers/%s\n", script);
		return -1;
	}
	argv[n++] = python();
	argv[n++] = path;
	argv[n++] = "--cert";
	argv[n++] = p->cert;
	argv[n++] = "--key";
	argv[n++] = p->key;
	argv[n++] = "--log";
	argv[n++] = p->log;
	for (i = 0; args && args[i] && n < sizeof(argv) / sizeof(argv[0]) - 1;
	     i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return -1;
	if ((p->pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (p->pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (got < sizeof(buf) - 1 && strchr(buf, '\n') == NULL) {
		buf[got] = '\0';
		if (poll(&pfd, 1, START_MS) <= 0)
			break;
		if ((r = read(fds[0], buf + got, sizeof(buf) - 1 - got)) <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
	}
	close(fds[0]);
	if (sscanf(buf, "PORT %d", &p->port) != 1 || p->port <= 0) {
		fprintf(stderr, "peer: %s did not start (said '%s')\n", script,
		    buf);
		peer_stop(p);
		return -1;
	}
	return 0;
}

void
peer_stop(struct peer *p)
{
	int i, st;

	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			p->pid = -1;
			return;
		}
		usleep(10000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &st, 0);
	p->pid = -1;
}

void
peer_tls_fini(struct peer *p)
{
	peer_stop(p);
	unlink(p->cert);
	unlink(p->key);
	unlink(p->log);
	rmdir(p->dir);
}

char *
peer_log_read(const struct peer *p)
{
	FILE *f;
	char *s;
	long n;

	if ((f = fopen(p->log, "r")) == NULL)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return strdup("");
	}
	n = (long)fread(s, 1, (size_t)n, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

void
peer_log_clear(const struct peer *p)
{
	int fd;

	if ((fd = open(p->log, O_WRONLY | O_TRUNC)) >= 0)
		close(fd);
}

static int
find_script(const char *script, char *path, size_t len)
{
	char exe[PATH_MAX], *s;
	ssize_t n;

	snprintf(path, len, "tests/peers/%s", script);
	if (access(path, R_OK) == 0)
		return 0;
	/* build/test/foo_test -> ../../tests/peers/ */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return -1;
	exe[n] = '\0';
	if ((s = strrchr(exe, '/')) != NULL)
		*s = '\0';
	if ((size_t)snprintf(path, len, "%.3000s/../../tests/peers/%.200s", exe,
	        script) >= len)
		return -1;
	return access(path, R_OK) == 0 ? 0 : -1;
}

static const char *
python(void)
{
	const char *s = getenv("FD_PYTHON");

	if (s && s[0])
		return s;
	if (access("/usr/bin/python3", X_OK) == 0)
		return "/usr/bin/python3";
	return "python3";
}
