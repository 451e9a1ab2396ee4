BINS += scheduler
scheduler_SRCS = scheduler/scheduler.c
