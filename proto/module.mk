TESTS += proto_test
proto_test_SRCS = proto/proto_test.c
