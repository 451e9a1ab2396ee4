BINS += busbench
busbench_SRCS = tools/busbench/busbench.c
