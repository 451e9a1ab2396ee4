/*
 * workq.c - a small job queue with a fixed set of threads.
 */
#include <string.h>

#include "workq.h"

static void *
worker(void *arg)
{
	struct workq *q = arg;
	struct workq_job *j;

	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (q->head == NULL && !q->stopping)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->stopping) {
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		j = q->head;
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->n--;
		pthread_mutex_unlock(&q->mu);
		j->run(j);
	}
}

int
workq_start(struct workq *q, int nthreads, size_t max)
{
	int i;

	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->max = max;
	if (nthreads > (int)(sizeof(q->thr) / sizeof(q->thr[0])))
		nthreads = (int)(sizeof(q->thr) / sizeof(q->thr[0]));
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&q->thr[i], NULL, worker, q) != 0)
			break;
		q->nthreads++;
	}
	return q->nthreads > 0 ? 0 : -1;
}

int
workq_push(struct workq *q, struct workq_job *j)
{
	pthread_mutex_lock(&q->mu);
	if (q->stopping || q->n >= q->max) {
		pthread_mutex_unlock(&q->mu);
		return -1;
	}
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

void
workq_stop(struct workq *q)
{
	struct workq_job *j, *nj;
	int i;

	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < q->nthreads; i++)
		pthread_join(q->thr[i], NULL);
	q->nthreads = 0;
	for (j = q->head; j; j = nj) {
		nj = j->next;
		j->discard(j);
	}
	q->head = q->tail = NULL;
	q->n = 0;
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}
