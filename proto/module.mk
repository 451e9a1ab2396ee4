TESTS += proto_test
proto_test_SRCS = proto/proto_test.c

TESTS += proto_payload_test
proto_payload_test_SRCS = proto/payload_test.c
