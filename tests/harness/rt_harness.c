/*
 * rt_harness.c - the agent's Realtime engine driven over the bus against
 * the local Realtime peer (rt_harness.h).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "clock.h"
#include "log.h"
#include "tests/harness/rt_harness.h"
#include "tests/harness/fake_customer.h"

static json_t *
crm_handler(void *arg, int worker, const char *call_id, json_t *req)
{
	struct rth *h = arg;
	const char *t = json_string_value(json_object_get(req, "tool"));
	json_t *args = json_object_get(req, "args");

	(void)worker;
	pthread_mutex_lock(&h->mu);
	json_array_append_new(h->records,
	    json_pack("{s:s, s:O, s:s}", "tool", t ? t : "", "args", args,
	        "call", call_id));
	pthread_mutex_unlock(&h->mu);
	if (t && strcmp(t, "lookup_customer") == 0)
		return fake_lookup_customer(args);
	if (t && strcmp(t, "find_slots") == 0)
		return json_pack("{s:b, s:{s:[{s:s}, {s:s}]}}", "ok", 1,
		    "result", "slots", "start", "2026-11-24T10:00:00", "start",
		    "2026-11-24T10:30:00");
	if (t && strcmp(t, "book_appointment") == 0)
		return json_pack("{s:b, s:{s:i, s:s}}", "ok", 1, "result",
		    "appointment_id", 9, "confirmation", "KQ7ZP");
	return json_pack("{s:b, s:{}}", "ok", 1, "result");
}

static void
pub(struct fd_bus *b, int type, const char *call, uint32_t ref, const char *fmt,
    ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd_bus_publish(b, type, call, ref, buf, strlen(buf));
}

/* Reads what the agent publishes; plays Twilio's mark echoes. */
static void *
reader_main(void *arg)
{
	struct rth *h = arg;
	struct rth_frame fr;
	struct fd_frame f;
	nng_msg *m;
	const char *name;

	while (!__atomic_load_n(&h->stop, __ATOMIC_SEQ_CST)) {
		if (fd_bus_recv(&h->out, &m, &f, 50) != 0)
			continue;
		memset(&fr, 0, sizeof(fr));
		fr.type = f.type;
		fr.ref = f.ref;
		fr.at_us = fd_mono_us();
		fr.len = f.payload_len;
		if (f.type != FD_MSG_AUDIO_OUT && f.payload_len > 0)
			fr.json = fd_frame_json(&f);
		if (getenv("RTH_TRACE"))
			fprintf(stderr, "rth: %s ref %u len %u %.80s\n",
			    fd_msg_name(f.type), f.ref, f.payload_len,
			    f.type == FD_MSG_AUDIO_OUT
			        ? ""
			        : (const char *)f.payload);
		pthread_mutex_lock(&h->mu);
		if (h->nframes < RTH_MAX_FRAMES)
			h->frames[h->nframes++] = fr;
		else
			json_decref(fr.json);
		if (f.type == FD_MSG_AUDIO_MARK && fr.json &&
		    (name = json_string_value(
		         json_object_get(fr.json, "name"))) != NULL) {
			if (h->echo)
				pub(&h->gw, FD_MSG_MARK, f.call_id, 0,
				    "{\"name\":\"%s\",\"played\":true}", name);
			else
				json_array_append_new(
				    h->held, json_string(name));
		}
		pthread_mutex_unlock(&h->mu);
		nng_msg_free(m);
	}
	return NULL;
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

int rth_idle_ms = 30000;

int
rth_start(struct rth *h, const char *script_json, const char *const *peer_args,
    const char *extra)
{
	static const int types[] = {FD_MSG_AUDIO_OUT, FD_MSG_AUDIO_MARK,
	    FD_MSG_CLEAR, FD_MSG_SAY, FD_MSG_SAY_CANCEL, FD_MSG_HANGUP,
	    FD_MSG_TRANSFER, FD_MSG_PAUSE, FD_MSG_RESUME};
	const char *args[16];
	char addr[160], text[4096], exe[512], *s;
	const char *a;
	ssize_t n;
	int i = 0;

	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->mu, NULL);
	h->records = json_array();
	h->held = json_array();
	h->echo = 1;
	h->pace_us = 2000;
	if ((h->frames = calloc(RTH_MAX_FRAMES, sizeof(*h->frames))) == NULL)
		return -1;
	snprintf(h->rundir, sizeof(h->rundir), "/tmp/fd-rt-XXXXXX");
	if (mkdtemp(h->rundir) == NULL)
		return -1;
	snprintf(h->script, sizeof(h->script), "%s/script.json", h->rundir);
	if (write_file(h->script, script_json) != 0 ||
	    peer_tls_init(&h->peer) != 0)
		return -1;
	args[i++] = "--script";
	args[i++] = h->script;
	while (peer_args && *peer_args && i < 14)
		args[i++] = *peer_args++;
	args[i] = NULL;
	if (peer_start(&h->peer, "openai/realtime_peer.py", args) != 0)
		return -1;

	snprintf(h->conf, sizeof(h->conf), "%s/agent.conf", h->rundir);
	snprintf(text, sizeof(text),
	    "log: { level = \"info\"; };\n"
	    "bus: { rundir = \"%s\"; };\n"
	    "business: { name = \"Otto's Auto\"; persona = \"Ava\"; timezone = "
	    "\"America/New_York\"; services = ( { name = \"oil change\"; "
	    "duration = 30; aliases = [\"oil\"]; } ); };\n"
	    "agent: { brain = \"local\"; engine = \"realtime\"; workers = 2; "
	    "redis = \"none\"; idle_prompt_ms = %d; idle_hangup_ms = %d; "
	    "hangup_safety_ms = 3000;\n realtime: { url = "
	    "\"wss://localhost:%d/v1/realtime?model=gpt-4o-realtime-preview\"; "
	    "ca_file = \"%s\"; silence_duration_ms = 300; "
	    "response_timeout_ms = 3000; connect_timeout_ms = 3000; %s }; };\n",
	    h->rundir, rth_idle_ms, rth_idle_ms, h->peer.port, h->peer.cert,
	    extra ? extra : "");
	if (write_file(h->conf, text) != 0)
		return -1;
	snprintf(addr, sizeof(addr), "ipc://%s/crm-tools.rep", h->rundir);
	if ((h->crm = fd_rpc_serve(addr, 2, crm_handler, h)) == NULL)
		return -1;
	snprintf(addr, sizeof(addr), "ipc://%s/gateway.pub", h->rundir);
	if (fd_bus_open_addrs(&h->gw, addr, NULL, 0, NULL, 0) != 0)
		return -1;
	/* the callers' audio, which the Realtime engine dials for */
	snprintf(addr, sizeof(addr), "ipc://%s/gateway-media.pub", h->rundir);
	if (fd_bus_listen_media(&h->gw, addr, FD_MSG_AUDIO_IN) != 0)
		return -1;
	snprintf(addr, sizeof(addr), "ipc://%s/stt-worker.pub", h->rundir);
	if (fd_bus_open_addrs(&h->stt, addr, NULL, 0, NULL, 0) != 0)
		return -1;
	snprintf(addr, sizeof(addr), "ipc://%s/agent.pub", h->rundir);
	a = addr;
	if (fd_bus_open_addrs(&h->out, NULL, &a, 1, types,
	        sizeof(types) / sizeof(types[0])) != 0)
		return -1;
	if (pthread_create(&h->reader, NULL, reader_main, h) != 0)
		return -1;

	/* build/test/x or build/bin/x -> build/bin/agent */
	if ((a = getenv("AGENT_BIN")) != NULL) {
		snprintf(exe, sizeof(exe), "%s", a);
	} else {
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
			return -1;
		exe[n] = '\0';
		if ((s = strrchr(exe, '/')) != NULL)
			*s = '\0';
		if ((s = strrchr(exe, '/')) != NULL)
			snprintf(
			    s, sizeof(exe) - (size_t)(s - exe), "/bin/agent");
	}
	if ((h->agent = fork()) == 0) {
		char logp[128];

		setenv("OPENAI_API_KEY", "test-key", 1);
		snprintf(logp, sizeof(logp), "%s/agent.log", h->rundir);
		if (freopen(logp, "w", stderr) == NULL)
			_exit(127);
		execl(exe, "agent", "-d", "-f", h->conf, (char *)NULL);
		_exit(127);
	}
	if (h->agent < 0)
		return -1;
	fd_sleep_us(1000000); /* both ways subscribed */
	return 0;
}

void
rth_stop(struct rth *h)
{
	char cmd[160];
	int st, i;

	if (h->agent > 0) {
		kill(h->agent, SIGTERM);
		waitpid(h->agent, &st, 0);
	}
	__atomic_store_n(&h->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(h->reader, NULL);
	peer_stop(&h->peer);
	if (getenv("RTH_KEEP") == NULL) {
		peer_tls_fini(&h->peer);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", h->rundir);
		if (system(cmd) != 0)
			fprintf(
			    stderr, "rth: could not remove %s\n", h->rundir);
	} else
		fprintf(
		    stderr, "rth: kept %s and %s\n", h->rundir, h->peer.dir);
	fd_bus_close(&h->gw);
	fd_bus_close(&h->stt);
	fd_bus_close(&h->out);
	fd_rpc_server_stop(h->crm);
	for (i = 0; i < h->nframes; i++)
		json_decref(h->frames[i].json);
	free(h->frames);
	json_decref(h->records);
	json_decref(h->held);
	pthread_mutex_destroy(&h->mu);
}

int
rth_call(struct rth *h, const char *call, const char *from, int timeout_ms)
{
	int i, from_i = rth_nframes(h);

	/* the subscription may take a moment: repeat until greeted */
	for (i = 0; i < timeout_ms / 500; i++) {
		pub(&h->gw, FD_MSG_CALL_START, call, 0,
		    "{\"call_id\":\"%s\","
		    "\"stream_sid\":\"MZ1\",\"from\":\"%s\",\"to\":"
		    "\"+15555550100\",\"direction\":\"inbound\",\"now\":"
		    "\"2026-11-21T10:00:00\",\"params\":{}}",
		    call, from);
		if (rth_wait_frame(h, FD_MSG_AUDIO_OUT, 0, from_i, 500) >= 0)
			return 0;
	}
	return -1;
}

void
rth_speak(struct rth *h, const char *call, int speech_ms, int quiet_ms,
    int silence_ms, uint64_t *trigger_us)
{
	unsigned char frame[160];
	int i, j, nspeech = speech_ms / 20, nquiet = quiet_ms / 20;
	struct fd_frame hd;

	for (i = 0; i < nspeech + nquiet; i++) {
		/* loud alternating samples, then mu-law silence */
		for (j = 0; j < 160; j++)
			frame[j] = i < nspeech ? (j & 1 ? 0x80 : 0x00) : 0xFF;
		memset(&hd, 0, sizeof(hd));
		hd.type = FD_MSG_AUDIO_IN;
		snprintf(hd.call_id, sizeof(hd.call_id), "%s", call);
		hd.ref = ++h->frame_no;
		fd_bus_publish_hdr(&h->gw, &hd, frame, sizeof(frame));
		if (trigger_us && i == nspeech + silence_ms / 20 - 1)
			*trigger_us = fd_mono_us();
		fd_sleep_us((uint64_t)h->pace_us);
	}
}

void
rth_stt_final(struct rth *h, const char *call, const char *text)
{
	pub(&h->stt, FD_MSG_TRANSCRIPT, call, 0,
	    "{\"text\":\"%s\",\"final\":"
	    "true,\"confidence\":0.9,\"start_ms\":1000,\"end_ms\":2000,"
	    "\"speech_end_us\":%llu}",
	    text, (unsigned long long)fd_mono_us());
}

void
rth_call_end(struct rth *h, const char *call)
{
	pub(&h->gw, FD_MSG_CALL_END, call, 0, "{\"reason\":\"hangup\"}");
}

void
rth_release_marks(struct rth *h, const char *call, int played)
{
	size_t i;
	json_t *v;

	pthread_mutex_lock(&h->mu);
	json_array_foreach(h->held, i, v) pub(&h->gw, FD_MSG_MARK, call, 0,
	    "{\"name\":\"%s\","
	    "\"played\":%s}",
	    json_string_value(v), played ? "true" : "false");
	json_array_clear(h->held);
	h->echo = 1;
	pthread_mutex_unlock(&h->mu);
}

int
rth_nframes(struct rth *h)
{
	int n;

	pthread_mutex_lock(&h->mu);
	n = h->nframes;
	pthread_mutex_unlock(&h->mu);
	return n;
}

struct rth_frame
rth_frame_at(struct rth *h, int i)
{
	struct rth_frame f;

	pthread_mutex_lock(&h->mu);
	f = h->frames[i];
	pthread_mutex_unlock(&h->mu);
	return f;
}

int
rth_wait_frame(struct rth *h, int type, uint32_t ref, int from, int timeout_ms)
{
	uint64_t end = fd_mono_us() + (uint64_t)timeout_ms * 1000;
	int i;

	do {
		pthread_mutex_lock(&h->mu);
		for (i = from; i < h->nframes; i++)
			if (h->frames[i].type == type &&
			    (ref == 0 || h->frames[i].ref == ref)) {
				pthread_mutex_unlock(&h->mu);
				return i;
			}
		pthread_mutex_unlock(&h->mu);
		fd_sleep_us((uint64_t)h->pace_us);
	} while (fd_mono_us() < end);
	return -1;
}

size_t
rth_audio_bytes(struct rth *h, uint32_t ref)
{
	size_t n = 0;
	int i;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->nframes; i++)
		if (h->frames[i].type == FD_MSG_AUDIO_OUT &&
		    h->frames[i].ref == ref)
			n += h->frames[i].len;
	pthread_mutex_unlock(&h->mu);
	return n;
}

int
rth_count(struct rth *h, const char *call, const char *tool, const char *key,
    const char *val)
{
	int n;

	pthread_mutex_lock(&h->mu);
	n = fake_count_tools(h->records, call, tool, key, val);
	pthread_mutex_unlock(&h->mu);
	return n;
}

int
rth_wait_count(struct rth *h, const char *call, const char *tool,
    const char *key, const char *val, int n, int timeout_ms)
{
	int w, c = 0;

	for (w = 0; w <= timeout_ms / 20; w++) {
		if ((c = rth_count(h, call, tool, key, val)) >= n)
			break;
		fd_sleep_us(20000);
	}
	return c;
}

json_t *
rth_peer_events(struct rth *h, const char *ev)
{
	char *text = peer_log_read(&h->peer), *line, *save = NULL;
	json_t *out = json_array(), *j;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if ((j = json_loads(line, 0, NULL)) == NULL)
			continue;
		if (strcmp(json_string_value(json_object_get(j, "ev"))
		            ? json_string_value(json_object_get(j, "ev"))
		            : "",
		        ev) == 0)
			json_array_append(out, j);
		json_decref(j);
	}
	free(text);
	return out;
}
