TESTS += common_test
common_test_SRCS = common/common_test.c
