/*
 * workq.h - a few threads running jobs off the lws service thread, so a
 * slow database or carrier never stalls audio.  A job is a struct that
 * starts with struct workq_job; run() owns the job from then on.
 */
#ifndef GW_WORKQ_H
#define GW_WORKQ_H

#include <pthread.h>
#include <stddef.h>

struct workq_job {
	struct workq_job *next;
	void (*run)(struct workq_job *j); /* owns j: frees or hands on */
	void (*discard)(struct workq_job *j); /* never ran (shutdown/full) */
};

struct workq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct workq_job *head, *tail;
	size_t n, max;
	int stopping;
	int nthreads;
	pthread_t thr[4];
};

int workq_start(struct workq *q, int nthreads, size_t max);
/* Queue j; -1 (j untouched) when the queue is full or stopping. */
int workq_push(struct workq *q, struct workq_job *j);
/* Finish running jobs, discard waiting ones, join the threads. */
void workq_stop(struct workq *q);

#endif
