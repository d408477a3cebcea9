/*
 * test_upload.c
 *    Unit tests of the S3 client's offline parts: presigned URLs against
 *    AWS's published example, percent-encoding, canonical query strings and
 *    the ETag check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "upload.h"

/* 2013-05-24T00:00:00Z, the time of AWS's examples */
#define EXAMPLE_TIME ((time_t) 1369353600)
#define EXAMPLE_KEY_ID "AKIAIOSFODNN7EXAMPLE"
#define EXAMPLE_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

/*
 * "Authenticating Requests: Using Query Parameters (AWS Signature Version
 * 4)", the example GET of examplebucket/test.txt valid for a day.
 */
static void
test_presign_aws_example(void **state)
{
	char	   *url;

	(void) state;
	url = upload_presign_url("https://examplebucket.s3.amazonaws.com/test.txt",
							 "us-east-1", EXAMPLE_KEY_ID, EXAMPLE_SECRET,
							 86400, EXAMPLE_TIME);
	assert_non_null(url);
	assert_string_equal(url,
						"https://examplebucket.s3.amazonaws.com/test.txt"
						"?X-Amz-Algorithm=AWS4-HMAC-SHA256"
						"&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
						"&X-Amz-Date=20130524T000000Z"
						"&X-Amz-Expires=86400"
						"&X-Amz-SignedHeaders=host"
						"&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	free(url);

	/* the default https port is not part of the signed host */
	url = upload_presign_url("https://examplebucket.s3.amazonaws.com:443/test.txt",
							 "us-east-1", EXAMPLE_KEY_ID, EXAMPLE_SECRET,
							 86400, EXAMPLE_TIME);
	assert_non_null(url);
	assert_non_null(strstr(url, "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"));
	free(url);

	/* any other path or time signs differently */
	url = upload_presign_url("https://examplebucket.s3.amazonaws.com/test.txu",
							 "us-east-1", EXAMPLE_KEY_ID, EXAMPLE_SECRET,
							 86400, EXAMPLE_TIME);
	assert_non_null(url);
	assert_null(strstr(url, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"));
	free(url);
}

static void
test_presign_path_style(void **state)
{
	upload_target t = {
		.endpoint = NULL,
		.region = "eu-west-1",
		.bucket = "my-bucket",
		.access_key_id = EXAMPLE_KEY_ID,
		.secret_access_key = EXAMPLE_SECRET,
		.retries = 3,
	};
	char	   *url;
	char	   *again;

	(void) state;
	url = upload_presign_get_at(&t, "dir/a b+é.csv.gz", 3600, EXAMPLE_TIME);
	assert_non_null(url);
	assert_true(strncmp(url,
						"https://s3.eu-west-1.amazonaws.com/my-bucket/dir/a%20b%2B%C3%A9.csv.gz"
						"?X-Amz-Algorithm=AWS4-HMAC-SHA256"
						"&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2Faws4_request"
						"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=3600"
						"&X-Amz-SignedHeaders=host&X-Amz-Signature=",
						strlen("https://s3.eu-west-1.amazonaws.com/my-bucket/dir/a%20b%2B%C3%A9.csv.gz"
							   "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
							   "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2Faws4_request"
							   "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=3600"
							   "&X-Amz-SignedHeaders=host&X-Amz-Signature=")) == 0);
	/* 64 hex digits of signature and nothing after */
	assert_int_equal(strlen(strstr(url, "X-Amz-Signature=") + 16), 64);
	assert_null(strstr(url, EXAMPLE_SECRET));

	/* deterministic for a given time */
	again = upload_presign_get_at(&t, "dir/a b+é.csv.gz", 3600, EXAMPLE_TIME);
	assert_string_equal(url, again);
	free(again);
	free(url);

	/* an endpoint of one's own, trailing slash and all */
	t.endpoint = "http://127.0.0.1:9001/";
	url = upload_presign_get_at(&t, "k", 60, EXAMPLE_TIME);
	assert_non_null(url);
	assert_true(strncmp(url, "http://127.0.0.1:9001/my-bucket/k?X-Amz-Algorithm=", 50) == 0);
	free(url);

	/* expiries S3 refuses */
	assert_null(upload_presign_get_at(&t, "k", 0, EXAMPLE_TIME));
	assert_null(upload_presign_get_at(&t, "k", 604801, EXAMPLE_TIME));
	url = upload_presign_get_at(&t, "k", 604800, EXAMPLE_TIME);
	assert_non_null(url);
	free(url);
}

static void
check_encode(const char *in, bool keep_slash, const char *want)
{
	char	   *got = upload_uri_encode(in, keep_slash);

	assert_string_equal(got, want);
	free(got);
}

static void
test_uri_encode(void **state)
{
	(void) state;
	check_encode("", true, "");
	check_encode("AZaz09-_.~", false, "AZaz09-_.~");
	check_encode("a b/c+d", true, "a%20b/c%2Bd");
	check_encode("a b/c+d", false, "a%20b%2Fc%2Bd");
	check_encode("é€😀", true, "%C3%A9%E2%82%AC%F0%9F%98%80");
	check_encode("!*'();:@&=$,?#[]%", false,
				 "%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%3F%23%5B%5D%25");
	check_encode("x\ty\x01", false, "x%09y%01");
	check_encode("dir//../key", true, "dir//../key");
}

static void
check_query(const char *const *pairs, int npairs, const char *want)
{
	char	   *got = upload_canonical_query(pairs, npairs);

	assert_string_equal(got, want);
	free(got);
}

static void
test_canonical_query(void **state)
{
	const char *list[] = {"prefix", "a b/c é", "list-type", "2",
	"continuation-token", "1/+x=y&z"};
	const char *check[] = {"max-keys", "1", "list-type", "2"};
	const char *byte_order[] = {"b", "1", "B", "2", "a", "", "a-b", "3", "a_b", "4"};
	const char *same_name[] = {"k", "z", "k", "a"};

	(void) state;
	check_query(NULL, 0, "");
	check_query(list, 3,
				"continuation-token=1%2F%2Bx%3Dy%26z&list-type=2&prefix=a%20b%2Fc%20%C3%A9");
	check_query(check, 2, "list-type=2&max-keys=1");
	/* sorted by byte value: upper case first, empty values kept */
	check_query(byte_order, 5, "B=2&a=&a-b=3&a_b=4&b=1");
	/* equal names sort by value */
	check_query(same_name, 2, "k=a&k=z");
}

static void
test_etag_matches(void **state)
{
	unsigned char md5[16];
	unsigned char other[16];

	(void) state;
	EVP_Digest("hello world", 11, md5, NULL, EVP_md5(), NULL);
	EVP_Digest("hello world!", 12, other, NULL, EVP_md5(), NULL);
	assert_true(upload_etag_matches("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"", md5));
	assert_true(upload_etag_matches("5eb63bbbe01eeed093cb22bb8f5acdc3", md5));
	assert_true(upload_etag_matches("\"5EB63BBBE01EEED093CB22BB8F5ACDC3\"", md5));
	assert_false(upload_etag_matches("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"", other));
	assert_false(upload_etag_matches("\"5eb63bbbe01eeed093cb22bb8f5acdc3-2\"", md5));
	assert_false(upload_etag_matches("\"5eb63bbbe01eeed093cb22bb8f5acdc\"", md5));
	assert_false(upload_etag_matches("", md5));
	assert_false(upload_etag_matches(NULL, md5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presign_aws_example),
		cmocka_unit_test(test_presign_path_style),
		cmocka_unit_test(test_uri_encode),
		cmocka_unit_test(test_canonical_query),
		cmocka_unit_test(test_etag_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
