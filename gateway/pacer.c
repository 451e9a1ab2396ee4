/*
 * pacer.c - per-call outbound audio queue, clear semantics and drift-free
 * 20 ms pacing.  See pacer.h for the model; this file holds no I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "pacer.h"

void
pacer_init(struct pacer *p, int lead, size_t max_bytes,
    const struct pacer_sink *sink, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->lead = lead < 1 ? 1 : lead;
	p->max_bytes = max_bytes;
	p->sink = sink;
	p->arg = arg;
}

static void
item_free(struct pacer_item *it)
{
	if (it->kind == PACER_MARK)
		free(it->name);
	free(it);
}

void
pacer_free(struct pacer *p)
{
	struct pacer_item *it, *nit;
	struct pacer_sent *s, *ns;

	for (it = p->head; it; it = nit) {
		nit = it->next;
		item_free(it);
	}
	for (s = p->sent; s; s = ns) {
		ns = s->next;
		free(s);
	}
	p->head = p->tail = NULL;
	p->sent = p->sent_tail = NULL;
	p->queued_bytes = 0;
	p->active = 0;
}

static int
stale(const struct pacer *p, uint32_t utt)
{
	return p->cleared_any && utt <= p->cleared_ref;
}

static void
append(struct pacer *p, struct pacer_item *it)
{
	it->next = NULL;
	if (p->tail)
		p->tail->next = it;
	else
		p->head = it;
	p->tail = it;
}

int
pacer_audio(
    struct pacer *p, uint32_t utt, const uint8_t *buf, size_t len, uint64_t now)
{
	struct pacer_item *it;
	size_t padded;

	if (stale(p, utt)) {
		p->stale++;
		return 1;
	}
	if (len == 0)
		return 0;
	padded = (len + PACER_FRAME - 1) / PACER_FRAME * PACER_FRAME;
	if (p->queued_bytes + padded > p->max_bytes)
		return -1;
	if ((it = malloc(sizeof(*it) + padded)) == NULL)
		return -1;
	memset(it, 0, sizeof(*it));
	it->kind = PACER_AUDIO;
	it->utt = utt;
	it->enq_us = now;
	it->len = padded;
	memcpy(it->data, buf, len);
	memset(it->data + len, 0xFF, padded - len); /* mu-law silence */
	p->queued_bytes += padded;
	append(p, it);
	return 0;
}

int
pacer_mark(
    struct pacer *p, uint32_t utt, const char *name, int last, uint64_t now)
{
	struct pacer_item *it;

	if (stale(p, utt)) {
		p->sink->mark_dropped(p->arg, utt, name);
		return 1;
	}
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return -1;
	if ((it->name = strdup(name)) == NULL) {
		free(it);
		return -1;
	}
	it->kind = PACER_MARK;
	it->utt = utt;
	it->last = last;
	it->enq_us = now;
	append(p, it);
	return 0;
}

size_t
pacer_clear(struct pacer *p, uint32_t ref)
{
	struct pacer_item **pp = &p->head, *it;
	struct pacer_sent *s;
	size_t n = 0;

	if (!p->cleared_any || ref > p->cleared_ref)
		p->cleared_ref = ref;
	p->cleared_any = 1;
	p->tail = NULL;
	while ((it = *pp) != NULL) {
		if (it->utt <= p->cleared_ref) {
			*pp = it->next;
			if (it->kind == PACER_MARK)
				p->sink->mark_dropped(
				    p->arg, it->utt, it->name);
			else
				p->queued_bytes -= it->len - it->off;
			item_free(it);
			n++;
			continue;
		}
		p->tail = it;
		pp = &it->next;
	}
	/* Twilio echoes every outstanding mark when it gets the clear */
	for (s = p->sent; s; s = s->next)
		if (!s->cleared)
			s->cleared = 1;
	p->active = 0;
	p->paused = 0;
	p->starve = 0;
	p->cur_open = 0;
	return n;
}

int
pacer_echo(struct pacer *p, const char *name, uint32_t *utt)
{
	struct pacer_sent **pp, *s, *prev = NULL;
	int played;

	for (pp = &p->sent; (s = *pp) != NULL; prev = s, pp = &s->next) {
		if (strcmp(s->name, name) != 0)
			continue;
		*pp = s->next;
		if (p->sent_tail == s)
			p->sent_tail = prev;
		played = s->cleared == 2 ? -2 : !s->cleared;
		*utt = s->utt;
		free(s);
		return played;
	}
	return -1;
}

/* Send every mark at the head of the queue (they follow audio already
 * sent). */
static void
flush_marks(struct pacer *p)
{
	struct pacer_item *it;
	struct pacer_sent *s;
	size_t nl;

	while ((it = p->head) != NULL && it->kind == PACER_MARK) {
		p->head = it->next;
		if (p->head == NULL)
			p->tail = NULL;
		nl = strlen(it->name);
		if ((s = malloc(sizeof(*s) + nl + 1)) != NULL) {
			s->next = NULL;
			s->utt = it->utt;
			s->cleared = 0;
			s->at = p->frames_out;
			s->last = it->last;
			memcpy(s->name, it->name, nl + 1);
			if (p->sent_tail)
				p->sent_tail->next = s;
			else
				p->sent = s;
			p->sent_tail = s;
		}
		p->sink->mark(p->arg, it->utt, it->name);
		p->marks_out++;
		if (it->last && it->utt == p->cur_utt)
			p->cur_open = 0;
		item_free(it);
	}
}

/* Send one frame from the head (which must be audio). */
static void
send_frame(struct pacer *p, uint64_t now)
{
	struct pacer_item *it = p->head;
	struct pacer_hist *h = &p->hist[p->frames_out % PACER_HIST];

	p->sink->frame(p->arg, it->utt, it->data + it->off, it->enq_us);
	/* the caller hears it once what was sent before it has played */
	h->utt = it->utt;
	h->enq_us = it->enq_us;
	h->play_us = p->play_end_us > now ? p->play_end_us : now;
	p->play_end_us = h->play_us + PACER_TICK_US;
	memcpy(h->data, it->data + it->off, PACER_FRAME);
	p->frames_out++;
	if (it->utt != p->cur_utt || !p->cur_open) {
		p->cur_utt = it->utt;
		p->cur_open = 1;
	}
	it->off += PACER_FRAME;
	p->queued_bytes -= PACER_FRAME;
	if (it->off >= it->len) {
		p->head = it->next;
		if (p->head == NULL)
			p->tail = NULL;
		item_free(it);
	}
}

static int
has_audio(const struct pacer *p)
{
	return p->head != NULL && p->head->kind == PACER_AUDIO;
}

/* Begin a schedule at now: lead frames at once, then one per tick. */
static void
start(struct pacer *p, uint64_t now)
{
	int i;

	p->active = 1;
	p->t0 = now;
	p->ticks = 0;
	p->starve = 0;
	for (i = 0; i < p->lead; i++) {
		flush_marks(p);
		if (!has_audio(p))
			break;
		send_frame(p, now);
	}
	flush_marks(p);
}

int
pacer_kick(struct pacer *p, uint64_t now)
{
	if (p->paused)
		return 0;
	flush_marks(p);
	if (!has_audio(p))
		return 0;
	if (!p->active || p->starve > 0) {
		/* idle, or Twilio's buffer ran dry: prime it again */
		start(p, now);
		return 1;
	}
	return 0;
}

uint64_t
pacer_due(const struct pacer *p)
{
	return p->t0 + (p->ticks + 1) * PACER_TICK_US;
}

int
pacer_tick(struct pacer *p, uint64_t now)
{
	uint64_t elapsed, n, i;

	if (!p->active)
		return 0;
	if (now + 2000 < pacer_due(p))
		return 1; /* woke early: keep the schedule */
	elapsed = (now - p->t0) / PACER_TICK_US;
	n = elapsed > p->ticks ? elapsed - p->ticks : 1;
	if (n > PACER_MAX_CATCHUP) {
		/* stalled for a while: send a few, forgive the rest */
		p->ticks = elapsed - PACER_MAX_CATCHUP;
		n = PACER_MAX_CATCHUP;
	}
	for (i = 0; i < n; i++) {
		flush_marks(p);
		p->ticks++;
		if (has_audio(p)) {
			send_frame(p, now);
			p->starve = 0;
			continue;
		}
		if (!p->cur_open) {
			p->active = 0; /* utterance done, nothing queued */
			return 0;
		}
		p->underruns++;
		if (++p->starve >= PACER_STARVE_MAX) {
			p->active = 0;
			return 0;
		}
	}
	flush_marks(p);
	if (p->head == NULL && !p->cur_open) {
		p->active = 0;
		return 0;
	}
	return 1;
}

/* A new audio item holding one frame from the history. */
static struct pacer_item *
hist_item(const struct pacer_hist *h)
{
	struct pacer_item *it;

	if ((it = malloc(sizeof(*it) + PACER_FRAME)) == NULL)
		return NULL;
	memset(it, 0, sizeof(*it));
	it->kind = PACER_AUDIO;
	it->utt = h->utt;
	it->enq_us = h->enq_us;
	it->len = PACER_FRAME;
	memcpy(it->data, h->data, PACER_FRAME);
	return it;
}

static void
queue_after(
    struct pacer_item **head, struct pacer_item **last, struct pacer_item *it)
{
	it->next = NULL;
	if (*last)
		(*last)->next = it;
	else
		*head = it;
	*last = it;
}

/* A mark item again for s (sent, now re-queued). */
static struct pacer_item *
mark_item(const struct pacer_sent *s)
{
	struct pacer_item *it;

	if ((it = calloc(1, sizeof(*it))) == NULL)
		return NULL;
	if ((it->name = strdup(s->name)) == NULL) {
		free(it);
		return NULL;
	}
	it->kind = PACER_MARK;
	it->utt = s->utt;
	it->last = s->last;
	return it;
}

size_t
pacer_pause(struct pacer *p, uint64_t now, uint32_t *utt)
{
	struct pacer_item *head = NULL, *last = NULL, *it;
	struct pacer_sent *s;
	uint64_t first, seq;
	size_t n = 0;

	*utt = p->active ? p->cur_utt : 0;
	if (p->paused)
		return 0;
	p->paused = 1;
	p->active = 0;
	p->starve = 0;
	/* the oldest frame the caller has not finished hearing */
	first = p->frames_out;
	while (first > 0 && p->frames_out - first < PACER_HIST &&
	    p->hist[(first - 1) % PACER_HIST].play_us + PACER_TICK_US > now)
		first--;
	for (seq = first; seq < p->frames_out; seq++) {
		const struct pacer_hist *h = &p->hist[seq % PACER_HIST];

		if (!stale(p, h->utt) && (it = hist_item(h)) != NULL) {
			queue_after(&head, &last, it);
			p->queued_bytes += PACER_FRAME;
			n++;
		}
		/* the marks that went out right after this frame */
		for (s = p->sent; s; s = s->next) {
			if (s->at != seq + 1 || s->cleared)
				continue;
			s->cleared = 2;
			if ((it = mark_item(s)) != NULL)
				queue_after(&head, &last, it);
		}
	}
	if (head) {
		last->next = p->head;
		if (p->head == NULL)
			p->tail = last;
		p->head = head;
	}
	p->rewound += n;
	p->play_end_us = now;
	p->cur_open = 0;
	return n;
}

int
pacer_resume(struct pacer *p, uint64_t now)
{
	if (!p->paused)
		return 0;
	p->paused = 0;
	return pacer_kick(p, now);
}
