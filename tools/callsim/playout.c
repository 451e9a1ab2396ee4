/*
 * playout.c - the playout buffer and mark bookkeeping (see playout.h).
 * Positions are counted in bytes since the call started so a mark needs
 * no pointer into the ring: it is due when out_total reaches its `at`.
 */
#include <stdlib.h>
#include <string.h>

#include "playout.h"

void
playout_init(struct playout *p)
{
	memset(p, 0, sizeof(*p));
}

void
playout_free(struct playout *p)
{
	free(p->buf);
	free(p->marks);
	memset(p, 0, sizeof(*p));
}

static int
grow(struct playout *p, size_t need)
{
	size_t ncap = p->cap ? p->cap : 8000, first;
	uint8_t *nb;

	while (ncap < need)
		ncap *= 2;
	if ((nb = malloc(ncap)) == NULL)
		return -1;
	/* unwrap the ring into the new buffer */
	first = p->cap - p->head < p->len ? p->cap - p->head : p->len;
	if (p->len) {
		memcpy(nb, p->buf + p->head, first);
		memcpy(nb + first, p->buf, p->len - first);
	}
	free(p->buf);
	p->buf = nb;
	p->cap = ncap;
	p->head = 0;
	return 0;
}

int
playout_push(struct playout *p, const uint8_t *audio, size_t n)
{
	size_t tail, first;

	if (n == 0)
		return 0;
	if (p->len + n > p->cap && grow(p, p->len + n) != 0)
		return -1;
	tail = (p->head + p->len) % p->cap;
	first = p->cap - tail < n ? p->cap - tail : n;
	memcpy(p->buf + tail, audio, first);
	memcpy(p->buf, audio + first, n - first);
	p->len += n;
	p->in_total += n;
	return 0;
}

int
playout_mark(struct playout *p, const char *name)
{
	struct playout_mark *nm;
	size_t ncap;

	if (p->nmarks == p->mcap) {
		ncap = p->mcap ? p->mcap * 2 : 16;
		if ((nm = realloc(p->marks, ncap * sizeof(*nm))) == NULL)
			return -1;
		p->marks = nm;
		p->mcap = ncap;
	}
	nm = &p->marks[p->nmarks++];
	strncpy(nm->name, name, sizeof(nm->name) - 1);
	nm->name[sizeof(nm->name) - 1] = '\0';
	nm->at = p->in_total;
	return 0;
}

size_t
playout_play(struct playout *p, uint8_t *out)
{
	size_t n = p->len < 160 ? p->len : 160, first;

	if (n == 0)
		return 0;
	first = p->cap - p->head < n ? p->cap - p->head : n;
	memcpy(out, p->buf + p->head, first);
	memcpy(out + first, p->buf, n - first);
	p->head = (p->head + n) % p->cap;
	p->len -= n;
	p->out_total += n;
	return n;
}

int
playout_due_mark(struct playout *p, char *name, size_t len)
{
	if (p->nmarks == 0 || p->marks[0].at > p->out_total)
		return 0;
	if (len) {
		strncpy(name, p->marks[0].name, len - 1);
		name[len - 1] = '\0';
	}
	memmove(p->marks, p->marks + 1, (p->nmarks - 1) * sizeof(*p->marks));
	p->nmarks--;
	return 1;
}

void
playout_clear(struct playout *p)
{
	p->out_total = p->in_total;
	p->head = 0;
	p->len = 0;
}

size_t
playout_queued(const struct playout *p)
{
	return p->len;
}
