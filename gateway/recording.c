/*
 * recording.c - call recordings (see recording.h): the per-call window of
 * 20 ms slots on the media threads, the writer thread that owns the
 * files, and the report of each closed recording on a thread of its own
 * (the gateway's tells crm-tools, which may be slow).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "strmap.h"
#include "proto/proto.h"
#include "mulaw.h"
#include "recording.h"
#include "workq.h"

#define REC_RING 128 /* slots a call holds before writing (2.56 s) */
#define REC_HOLD                                                               \
	40 /* a slot is written this many slots after
				   its time (800 ms): past the pacer's lead,
				   a cut and caller audio arriving late */
#define REC_CHUNK 25 /* slots per write (0.5 s) */
#define REC_QUEUE 8192 /* chunks waiting for the writer */
#define PCM_BYTES (REC_CHUNK * 3 * REC_FRAME * sizeof(int16_t))
#define PCM_POOL 256 /* chunk buffers kept for reuse */

#define HAS_IN 1
#define HAS_OUT 2

/* The files of one call: the writer thread's only. */
struct rec_file {
	char call_id[FD_CALL_ID_LEN];
	int fd[2]; /* stereo, mixed; -1 failed */
	uint32_t data[2]; /* PCM bytes written */
};

enum rec_job_kind { JOB_OPEN, JOB_DATA, JOB_CLOSE };

struct rec_job {
	struct workq_job j;
	enum rec_job_kind kind;
	struct rec_file *f;
	size_t slots; /* JOB_DATA: slots in pcm */
	int16_t *pcm; /* stereo (2 * REC_FRAME a slot) then
					   mixed (REC_FRAME a slot) */
};

struct report_job {
	struct workq_job j;
	char call_id[FD_CALL_ID_LEN];
	char path[PATH_MAX];
	double duration_s;
	long long bytes;
};

/* One call's window: the media threads'. */
struct rec {
	pthread_mutex_t mu; /* service thread (caller audio, our
					   frames) vs bus thread (cuts) */
	struct rec_file *f;
	uint64_t t0;
	uint64_t base; /* first slot not yet written */
	uint64_t end; /* one past the last caller slot */
	struct rec_job *chunk; /* being filled */
	int queue_full_logged;
	uint8_t has[REC_RING];
	uint8_t in[REC_RING][REC_FRAME], out[REC_RING][REC_FRAME];
};

static struct workq write_q, report_q;
/* A chunk's buffer goes back here once written, for the next chunk of any
 * call: malloc'd afresh, each would be new pages for the kernel to fault
 * in and zero, as the allocator gives freed ones back to it. */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static int16_t *pool[PCM_POOL];
static int npool;
static int16_t ulaw_pcm[256]; /* mu-law byte -> sample */
static int started;
static rec_report_fn report_fn;
#define REC_DIR_MAX 400 /* room for a file name after the dir */
static char rec_dir_path[REC_DIR_MAX];
static char open_dir[REC_DIR_MAX + 20];

static int16_t *pcm_get(void);
static void pcm_put(int16_t *pcm);
static void write_run(struct workq_job *j);
static void write_discard(struct workq_job *j);
static void report_run(struct workq_job *j);
static void report_discard(struct workq_job *j);
static void report(
    const char *call_id, const char *path, double dur, long long bytes);
static void recover(void);

/* Setup */

static int
mkdir_p(const char *path)
{
	char tmp[PATH_MAX], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(tmp, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

int
rec_start(const char *dir, const char *instance, rec_report_fn report_cb,
    char *err, size_t errlen)
{
	char real[PATH_MAX];
	int i;

	if (started) {
		snprintf(err, errlen, "recording already started");
		return -1;
	}
	if (mkdir_p(dir) != 0 || realpath(dir, real) == NULL) {
		snprintf(
		    err, errlen, "recording.dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (strlen(real) >= sizeof(rec_dir_path)) {
		snprintf(
		    err, errlen, "recording.dir %.60s...: path too long", real);
		return -1;
	}
	memcpy(rec_dir_path, real, strlen(real) + 1);
	/* each gateway instance recovers only its own open files */
	snprintf(open_dir, sizeof(open_dir), "%.*s/open/%08x", REC_DIR_MAX - 1,
	    rec_dir_path, fd_str_hash(instance));
	if (mkdir_p(open_dir) != 0) {
		snprintf(err, errlen, "recording dir %s: %s", open_dir,
		    strerror(errno));
		return -1;
	}
	if (workq_start(&write_q, 1, REC_QUEUE) != 0 ||
	    workq_start(&report_q, 1, 4096) != 0) {
		snprintf(err, errlen, "cannot start the recording threads");
		return -1;
	}
	for (i = 0; i < 256; i++)
		ulaw_pcm[i] = fd_ulaw_decode((uint8_t)i);
	report_fn = report_cb;
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
	recover();
	log_info(NULL, "recording calls into %s", rec_dir_path);
	return 0;
}

/* Wait (up to 5 s) until q has nothing waiting. */
static void
drain(struct workq *q)
{
	int i, busy = 1;

	for (i = 0; i < 500 && busy; i++) {
		pthread_mutex_lock(&q->mu);
		busy = q->n > 0;
		pthread_mutex_unlock(&q->mu);
		if (busy)
			usleep(10000);
	}
}

void
rec_stop(void)
{
	if (!started)
		return;
	/* what waits first (up to 5 s each): workq_stop drops it; the
	 * writer's last closes queue their reports */
	drain(&write_q);
	started = 0;
	workq_stop(&write_q);
	drain(&report_q);
	workq_stop(&report_q);
	pthread_mutex_lock(&pool_mu);
	while (npool > 0) {
		free(pool[--npool]);
		fd_metrics_pooled(-(long)PCM_BYTES);
	}
	pthread_mutex_unlock(&pool_mu);
}

int
rec_started(void)
{
	return __atomic_load_n(&started, __ATOMIC_ACQUIRE);
}

int
rec_path(const char *call_id, int mixed, char *buf, size_t len)
{
	if (call_id[0] == '\0' || !fd_call_id_valid(call_id) ||
	    rec_dir_path[0] == '\0')
		return -1;
	snprintf(buf, len, "%s/%s%s.wav", rec_dir_path, call_id,
	    mixed ? ".mixed" : "");
	return 0;
}

static void
part_path(const char *call_id, int mixed, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s.part.wav", open_dir, call_id,
	    mixed ? ".mixed" : "");
}

void
rec_wav_header(uint8_t h[REC_WAV_HDR], int channels, uint32_t data_bytes)
{
	uint32_t v[] = {36 + data_bytes, 16,
	    (uint32_t)(REC_RATE * 2 * channels), data_bytes};
	int i;

	memcpy(h,
	    "RIFF\0\0\0\0WAVEfmt \0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\20\0data\0\0\0\0",
	    REC_WAV_HDR);
	for (i = 0; i < 4; i++) {
		h[4 + i] = (uint8_t)(v[0] >> (8 * i));
		h[16 + i] = (uint8_t)(v[1] >> (8 * i));
		h[24 + i] = (uint8_t)((uint32_t)REC_RATE >> (8 * i));
		h[28 + i] = (uint8_t)(v[2] >> (8 * i));
		h[40 + i] = (uint8_t)(v[3] >> (8 * i));
	}
	h[22] = (uint8_t)channels;
	h[32] = (uint8_t)(2 * channels); /* block align */
}

/* The window (media threads) */

static int
push(struct workq_job *j)
{
	return started ? workq_push(&write_q, j) : -1;
}

static struct rec_job *
job_new(enum rec_job_kind kind, struct rec_file *f, int with_pcm)
{
	struct rec_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	if (with_pcm && (j->pcm = pcm_get()) == NULL) {
		free(j);
		return NULL;
	}
	j->j.run = write_run;
	j->j.discard = write_discard;
	j->kind = kind;
	j->f = f;
	return j;
}

struct rec *
rec_open(const char *call_id, uint64_t t0_us)
{
	struct rec_job *j;
	struct rec *r;

	if (!rec_started() || call_id[0] == '\0' || !fd_call_id_valid(call_id))
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->f = calloc(1, sizeof(*r->f))) == NULL ||
	    (j = job_new(JOB_OPEN, r->f, 0)) == NULL) {
		if (r)
			free(r->f);
		free(r);
		log_err(call_id, "recording: out of memory, not recorded");
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	snprintf(r->f->call_id, sizeof(r->f->call_id), "%s", call_id);
	r->f->fd[0] = r->f->fd[1] = -1;
	r->t0 = t0_us;
	if (push(&j->j) != 0) {
		write_discard(&j->j);
		free(r);
		log_err(call_id, "recording: writer queue full, not recorded");
		return NULL;
	}
	return r;
}

static int16_t *
pcm_get(void)
{
	int16_t *pcm = NULL;

	pthread_mutex_lock(&pool_mu);
	if (npool > 0)
		pcm = pool[--npool];
	pthread_mutex_unlock(&pool_mu);
	if (pcm)
		fd_metrics_pooled(-(long)PCM_BYTES);
	return pcm ? pcm : malloc(PCM_BYTES);
}

static void
pcm_put(int16_t *pcm)
{
	if (pcm == NULL)
		return;
	pthread_mutex_lock(&pool_mu);
	if (npool < PCM_POOL && rec_started()) {
		pool[npool++] = pcm;
		pcm = NULL;
		fd_metrics_pooled((long)PCM_BYTES);
	}
	pthread_mutex_unlock(&pool_mu);
	free(pcm);
}

/* Hand the filled chunk to the writer. */
static void
flush_chunk(struct rec *r)
{
	struct rec_job *j = r->chunk;

	if (j == NULL)
		return;
	r->chunk = NULL;
	if (push(&j->j) != 0) {
		if (!r->queue_full_logged)
			log_warnx(r->f->call_id,
			    "recording: writer behind, "
			    "audio dropped");
		r->queue_full_logged = 1;
		pcm_put(j->pcm);
		free(j);
	}
}

/* Decode and queue the slots before `upto`. */
static void
commit_to(struct rec *r, uint64_t upto)
{
	int16_t *st, *mx, a, b;
	size_t k;
	int i, sum;

	for (; r->base < upto; r->base++) {
		k = (size_t)(r->base % REC_RING);
		if (r->chunk == NULL &&
		    (r->chunk = job_new(JOB_DATA, r->f, 1)) == NULL) {
			r->has[k] = 0;
			continue; /* out of memory: a gap */
		}
		st = r->chunk->pcm + r->chunk->slots * 2 * REC_FRAME;
		mx = r->chunk->pcm + REC_CHUNK * 2 * REC_FRAME +
		    r->chunk->slots * REC_FRAME;
		for (i = 0; i < REC_FRAME; i++) {
			a = r->has[k] & HAS_IN ? ulaw_pcm[r->in[k][i]] : 0;
			b = r->has[k] & HAS_OUT ? ulaw_pcm[r->out[k][i]] : 0;
			st[2 * i] = a;
			st[2 * i + 1] = b;
			sum = a + b;
			mx[i] = (int16_t)(sum > 32767 ? 32767
			        : sum < -32768        ? -32768
			                              : sum);
		}
		r->has[k] = 0;
		if (++r->chunk->slots == REC_CHUNK)
			flush_chunk(r);
	}
}

static uint64_t
slot_of(const struct rec *r, uint64_t t)
{
	return t > r->t0 ? (t - r->t0) / REC_SLOT_US : 0;
}

/* Write what is older than the hold, and make room for slot s. */
static void
advance(struct rec *r, uint64_t s, uint64_t now)
{
	uint64_t ns = slot_of(r, now);

	if (ns > REC_HOLD && ns - REC_HOLD > r->base)
		commit_to(r, ns - REC_HOLD);
	if (s >= r->base + REC_RING)
		commit_to(r, s - REC_RING + 1);
}

void
rec_caller(struct rec *r, uint64_t frame_no, const uint8_t *ulaw, size_t len,
    uint64_t now_us)
{
	uint64_t s;
	size_t k, n;

	if (r == NULL || frame_no == 0)
		return;
	pthread_mutex_lock(&r->mu);
	for (s = frame_no - 1; len > 0; s++, ulaw += n, len -= n) {
		n = len < REC_FRAME ? len : REC_FRAME;
		advance(r, s, now_us);
		if (s < r->base)
			continue; /* later than the hold: lost */
		k = (size_t)(s % REC_RING);
		memcpy(r->in[k], ulaw, n);
		memset(r->in[k] + n, 0xff, REC_FRAME - n); /* silence */
		r->has[k] |= HAS_IN;
		if (s + 1 > r->end)
			r->end = s + 1;
	}
	pthread_mutex_unlock(&r->mu);
}

void
rec_agent(struct rec *r, uint64_t play_us, const uint8_t *ulaw, uint64_t now_us)
{
	uint64_t s;
	size_t k;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	s = slot_of(r, play_us + REC_SLOT_US / 2);
	advance(r, s, now_us);
	/* a frame rounded onto its predecessor's slot takes the next one */
	if (s >= r->base && (r->has[s % REC_RING] & HAS_OUT))
		advance(r, ++s, now_us);
	if (s >= r->base) {
		k = (size_t)(s % REC_RING);
		memcpy(r->out[k], ulaw, REC_FRAME);
		r->has[k] |= HAS_OUT;
	}
	pthread_mutex_unlock(&r->mu);
}

void
rec_cut(struct rec *r, uint64_t now_us)
{
	uint64_t s;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	/* the frame playing at now_us is sent again on a resume */
	for (s = slot_of(r, now_us); s < r->base + REC_RING; s++)
		if (s >= r->base)
			r->has[s % REC_RING] &= (uint8_t)~HAS_OUT;
	pthread_mutex_unlock(&r->mu);
}

void
rec_close(struct rec *r, uint64_t end_us)
{
	struct rec_job *j;
	uint64_t s, end;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	end = slot_of(r, end_us);
	/* what we sent that would have played after the end was not heard */
	for (s = end; s < r->base + REC_RING; s++)
		if (s >= r->base)
			r->has[s % REC_RING] &= (uint8_t)~HAS_OUT;
	commit_to(r, end > r->end ? end : r->end);
	flush_chunk(r);
	pthread_mutex_unlock(&r->mu);
	if ((j = job_new(JOB_CLOSE, r->f, 0)) == NULL || push(&j->j) != 0) {
		/* the files stay in open/ and are recovered at the next start */
		if (started)
			log_err(r->f->call_id,
			    "recording: cannot queue its "
			    "close");
		free(j);
		if (!started) {
			/* stopped: no job of the writer refers to it any more */
			if (r->f->fd[0] >= 0)
				close(r->f->fd[0]);
			if (r->f->fd[1] >= 0)
				close(r->f->fd[1]);
			free(r->f);
		}
	}
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* The writer thread */

static void
file_fail(struct rec_file *f, int i, const char *what)
{
	log_warn(f->call_id, "recording: %s", what);
	if (f->fd[i] >= 0)
		close(f->fd[i]);
	f->fd[i] = -1;
}

/* Bring file i's header up to date (a crash leaves a playable file). */
static void
patch_header(struct rec_file *f, int i)
{
	uint8_t h[REC_WAV_HDR];

	rec_wav_header(h, i == 0 ? 2 : 1, f->data[i]);
	/* both sizes in one write: bytes 4 (RIFF) to 43 (data) */
	if (f->fd[i] >= 0 &&
	    pwrite(f->fd[i], h + 4, REC_WAV_HDR - 4, 4) != REC_WAV_HDR - 4)
		file_fail(f, i, "header write failed");
}

static void
write_open(struct rec_file *f)
{
	uint8_t h[REC_WAV_HDR];
	char path[PATH_MAX];
	int i;

	for (i = 0; i < 2; i++) {
		part_path(f->call_id, i, path, sizeof(path));
		f->fd[i] =
		    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (f->fd[i] < 0) {
			log_warn(f->call_id, "recording: %s", path);
			continue;
		}
		rec_wav_header(h, i == 0 ? 2 : 1, 0);
		if (write(f->fd[i], h, REC_WAV_HDR) != REC_WAV_HDR)
			file_fail(f, i, "write failed");
	}
}

static void
write_data(struct rec_file *f, const struct rec_job *j)
{
	const int16_t *p[2] = {j->pcm, j->pcm + REC_CHUNK * 2 * REC_FRAME};
	size_t n[2] = {j->slots * 2 * REC_FRAME * sizeof(int16_t),
	    j->slots * REC_FRAME * sizeof(int16_t)};
	int i;

	for (i = 0; i < 2; i++) {
		if (f->fd[i] < 0)
			continue;
		/* a WAV holds 4 GB: over 18 hours of stereo */
		if ((uint64_t)f->data[i] + n[i] > 0xffffffffu - 64) {
			file_fail(f, i, "4 GB reached, recording stopped");
			continue;
		}
		if (write(f->fd[i], p[i], n[i]) != (ssize_t)n[i]) {
			file_fail(f, i, "write failed");
			continue;
		}
		f->data[i] += (uint32_t)n[i];
		patch_header(f, i);
	}
}

static void
write_close(struct rec_file *f)
{
	char part[PATH_MAX], final[PATH_MAX];
	int i, ok = 1;

	for (i = 0; i < 2; i++) {
		part_path(f->call_id, i, part, sizeof(part));
		if (f->fd[i] < 0 || close(f->fd[i]) != 0) {
			ok = i == 0 ? 0 : ok;
			unlink(part);
			continue;
		}
		f->fd[i] = -1;
		if (rec_path(f->call_id, i, final, sizeof(final)) != 0 ||
		    rename(part, final) != 0) {
			log_warn(f->call_id, "recording: rename %s", part);
			ok = i == 0 ? 0 : ok;
		}
	}
	if (!ok) {
		log_warnx(f->call_id, "recording failed, none kept");
		return;
	}
	rec_path(f->call_id, 0, final, sizeof(final));
	log_info(f->call_id, "recording %s: %.1f s, %u bytes", final,
	    f->data[0] / (double)(REC_RATE * 4), REC_WAV_HDR + f->data[0]);
	report(f->call_id, final, f->data[0] / (double)(REC_RATE * 4),
	    (long long)REC_WAV_HDR + f->data[0]);
}

static void
write_run(struct workq_job *wj)
{
	struct rec_job *j = (struct rec_job *)wj;

	switch (j->kind) {
	case JOB_OPEN:
		write_open(j->f);
		break;
	case JOB_DATA:
		write_data(j->f, j);
		break;
	case JOB_CLOSE:
		write_close(j->f);
		free(j->f);
		break;
	}
	pcm_put(j->pcm);
	free(j);
}

/* Shutdown with writes waiting: the files stay in open/ for recovery. */
static void
write_discard(struct workq_job *wj)
{
	struct rec_job *j = (struct rec_job *)wj;
	int i;

	if (j->kind == JOB_CLOSE) {
		for (i = 0; i < 2; i++)
			if (j->f->fd[i] >= 0)
				close(j->f->fd[i]);
		free(j->f);
	}
	pcm_put(j->pcm);
	free(j);
}

/* Reports to crm-tools */

static void
report(const char *call_id, const char *path, double dur, long long bytes)
{
	struct report_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		log_err(call_id, "recording: out of memory for its report");
		return;
	}
	j->j.run = report_run;
	j->j.discard = report_discard;
	snprintf(j->call_id, sizeof(j->call_id), "%s", call_id);
	snprintf(j->path, sizeof(j->path), "%s", path);
	j->duration_s = dur;
	j->bytes = bytes;
	if (workq_push(&report_q, &j->j) != 0)
		report_discard(&j->j);
}

/* A report that could not be made: the files go back to open/, so the
 * next start reports them. */
static void
report_later(struct report_job *j, const char *why)
{
	char final[PATH_MAX], part[PATH_MAX];
	int i;

	for (i = 0; i < 2; i++)
		if (rec_path(j->call_id, i, final, sizeof(final)) == 0) {
			part_path(j->call_id, i, part, sizeof(part));
			if (rename(final, part) != 0 && errno != ENOENT)
				log_warn(j->call_id, "recording: %s", final);
		}
	log_warnx(j->call_id,
	    "recording %s not reported (%s): the next start "
	    "reports it",
	    j->path, why);
	free(j);
}

static void
report_run(struct workq_job *wj)
{
	struct report_job *j = (struct report_job *)wj;

	if (report_fn &&
	    report_fn(j->call_id, j->path, j->duration_s, j->bytes) != 0) {
		report_later(j, "not taken");
		return;
	}
	free(j);
}

/* Stopping before it was reported. */
static void
report_discard(struct workq_job *wj)
{
	report_later((struct report_job *)wj, "stopping");
}

/* Recovery: a crashed run's open files */

/* Set the header of an open file from its size; its PCM bytes, or -1. */
static long long
repair(const char *path, int channels)
{
	uint8_t h[REC_WAV_HDR];
	struct stat st;
	long long data;
	int fd;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || st.st_size < REC_WAV_HDR) {
		close(fd);
		return -1;
	}
	data = (long long)st.st_size - REC_WAV_HDR;
	data -= data % (2 * channels); /* whole sample frames */
	if (data > 0xffffffffLL - 64)
		data = 0xffffffffLL - 64;
	rec_wav_header(h, channels, (uint32_t)data);
	if (pwrite(fd, h, REC_WAV_HDR, 0) != REC_WAV_HDR ||
	    ftruncate(fd, REC_WAV_HDR + data) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return data;
}

static void
recover(void)
{
	char part[PATH_MAX], final[PATH_MAX], sid[FD_CALL_ID_LEN];
	struct dirent *e;
	long long data;
	size_t n;
	int mixed;
	DIR *d;

	if ((d = opendir(open_dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n < 10 || strcmp(e->d_name + n - 9, ".part.wav") != 0)
			continue;
		n -= 9;
		mixed = n > 6 && strncmp(e->d_name + n - 6, ".mixed", 6) == 0;
		if (mixed)
			n -= 6;
		if (n >= sizeof(sid))
			continue;
		memcpy(sid, e->d_name, n);
		sid[n] = '\0';
		snprintf(part, sizeof(part), "%s/%s", open_dir, e->d_name);
		if (rec_path(sid, mixed, final, sizeof(final)) != 0 ||
		    (data = repair(part, mixed ? 1 : 2)) < 0 ||
		    rename(part, final) != 0) {
			log_warnx(NULL, "recording: cannot recover %s", part);
			continue;
		}
		log_info(sid,
		    "recording left open by the previous run "
		    "recovered: %s (%.1f s)",
		    final, data / (double)(REC_RATE * (mixed ? 2 : 4)));
		if (!mixed)
			report(sid, final, data / (double)(REC_RATE * 4),
			    REC_WAV_HDR + data);
	}
	closedir(d);
}
