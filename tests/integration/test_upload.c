/*
 * test_upload_s3.c
 *    The S3 client against real services: s3rver behind the signature gate, which checks
 *    signatures as AWS does.  WHARF_S3_ENDPOINT, WHARF_S3_BUCKET,
 *    WHARF_S3_REGION, WHARF_S3_KEY and WHARF_S3_SECRET name them.  A small
 *    HTTP server in a thread stands in for a failing S3 to test retries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "upload.h"

static upload_target target;
static char run_prefix[128];

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0')
	{
		fprintf(stderr, "%s is not set: run this test through ctest (or source the services' env)\n", name);
		exit(1);
	}
	return v;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * stderr capture, to check what the module reports
 */
static int saved_stderr = -1;
static char capture_path[64];

static void
capture_start(void)
{
	int			fd;

	strcpy(capture_path, "/tmp/wharf-test-upload-XXXXXX");
	fd = mkstemp(capture_path);
	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* Returns what was written to stderr since capture_start (caller frees) */
static char *
capture_end(void)
{
	buf			out = BUF_INIT;
	char		chunk[4096];
	size_t		n;
	FILE	   *f;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	f = fopen(capture_path, "r");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&out, chunk, n);
	fclose(f);
	unlink(capture_path);
	fputs(out.data ? out.data : "", stderr);	/* still shown in the test log */
	return buf_detach(&out);
}

static char *
key_for(const char *name)
{
	return xasprintf("%s%s", run_prefix, name);
}

static void
random_bytes(unsigned char *p, size_t n)
{
	assert_int_equal(RAND_bytes(p, (int) n), 1);
	/* runs of zero bytes too */
	for (size_t i = 0; i + 64 < n; i += 4096)
		memset(p + i, 0, 64);
}

static void
test_check_bucket(void **state)
{
	(void) state;
	assert_true(upload_check_bucket(&target));
}

static void
test_put_buffer_get(void **state)
{
	char	   *key = key_for("buffer.txt");
	const char	text[] = "id,name\n1,\"a\0b\"\n";
	buf			got = BUF_INIT;

	(void) state;
	assert_true(upload_put_buffer(&target, key, text, sizeof(text)));
	buf_puts(&got, "prefix:");	/* upload_get appends */
	assert_true(upload_get(&target, key, &got));
	assert_int_equal(got.len, 7 + sizeof(text));
	assert_memory_equal(got.data, "prefix:", 7);
	assert_memory_equal(got.data + 7, text, sizeof(text));

	/* an empty object */
	assert_true(upload_put_buffer(&target, key, "", 0));
	buf_reset(&got);
	assert_true(upload_get(&target, key, &got));
	assert_int_equal(got.len, 0);

	assert_true(upload_delete(&target, key));
	buf_free(&got);
	free(key);
}

static void
test_put_file_get(void **state)
{
	const size_t size = 3 * 1024 * 1024 + 12345;
	unsigned char *data = malloc(size);
	char		path[] = "/tmp/wharf-test-upload-file-XXXXXX";
	char	   *key = key_for("dir/big file é.bin");
	buf			got = BUF_INIT;
	int			fd;

	(void) state;
	random_bytes(data, size);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, size), (ssize_t) size);
	close(fd);

	assert_true(upload_put_file(&target, key, path));
	assert_true(upload_get(&target, key, &got));
	assert_int_equal(got.len, size);
	assert_memory_equal(got.data, data, size);

	/* a missing file is an error, not a crash */
	capture_start();
	assert_false(upload_put_file(&target, key, "/nonexistent/wharf"));
	free(capture_end());

	assert_true(upload_delete(&target, key));
	unlink(path);
	buf_free(&got);
	free(data);
	free(key);
}

static int
strlist_index(const strlist *l, const char *s)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return i;
	return -1;
}

static void
test_list(void **state)
{
	char	   *prefix = key_for("list/dir a/é ü+/");
	const char *names[] = {"k1", "k&2 <x>", "sub/k3", "'quoted\""};
	char	   *outside = key_for("list/dir a/é ü+other");
	strlist		keys = {0};

	(void) state;
	for (int i = 0; i < 4; i++)
	{
		char	   *k = xasprintf("%s%s", prefix, names[i]);

		assert_true(upload_put_buffer(&target, k, names[i], strlen(names[i])));
		free(k);
	}
	assert_true(upload_put_buffer(&target, outside, "x", 1));

	assert_true(upload_list(&target, prefix, &keys));
	assert_int_equal(keys.n, 4);
	for (int i = 0; i < 4; i++)
	{
		char	   *k = xasprintf("%s%s", prefix, names[i]);

		assert_true(strlist_index(&keys, k) >= 0);
		assert_true(upload_delete(&target, k));
		free(k);
	}
	strlist_free(&keys);

	/* appends, and an empty listing is fine */
	strlist_add(&keys, "already there");
	assert_true(upload_list(&target, prefix, &keys));
	assert_int_equal(keys.n, 1);
	strlist_free(&keys);

	assert_true(upload_delete(&target, outside));
	free(outside);
	free(prefix);
}

/* More than one page: the continuation token must be signed right too */
static void
test_list_pages(void **state)
{
	char	   *prefix = key_for("pages/");
	strlist		keys = {0};
	const int	n = 1003;

	(void) state;
	for (int i = 0; i < n; i++)
	{
		char	   *k = xasprintf("%s%04d", prefix, i);

		assert_true(upload_put_buffer(&target, k, "", 0));
		free(k);
	}
	assert_true(upload_list(&target, prefix, &keys));
	assert_int_equal(keys.n, n);
	for (int i = 0; i < keys.n; i++)
		assert_true(upload_delete(&target, keys.items[i]));
	strlist_free(&keys);
	free(prefix);
}

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
	buf_append((buf *) arg, ptr, size * nmemb);
	return size * nmemb;
}

static long
plain_get(const char *url, buf *out)
{
	CURL	   *curl = curl_easy_init();
	long		status = 0;

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	assert_int_equal(curl_easy_perform(curl), CURLE_OK);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	return status;
}

static void
test_presign(void **state)
{
	char	   *key = key_for("presigned/a b+é&=.csv");
	unsigned char data[10000];
	char	   *url;
	char	   *plain;
	buf			got = BUF_INIT;

	(void) state;
	random_bytes(data, sizeof(data));
	assert_true(upload_put_buffer(&target, key, data, sizeof(data)));

	url = upload_presign_get(&target, key, 600);
	assert_non_null(url);
	/* (the fixture's key id and secret are the same word) */
	if (strcmp(target.secret_access_key, target.access_key_id) != 0)
		assert_null(strstr(url, target.secret_access_key));
	assert_int_equal(plain_get(url, &got), 200);
	assert_int_equal(got.len, sizeof(data));
	assert_memory_equal(got.data, data, sizeof(data));

	/* without the signature the gate refuses, as a private bucket would */
	plain = xstrndup(url, (size_t) (strchr(url, '?') - url));
	buf_reset(&got);
	assert_int_equal(plain_get(plain, &got), 403);

	/* an expired URL is refused */
	free(url);
	url = upload_presign_get_at(&target, key, 60, time(NULL) - 3600);
	buf_reset(&got);
	assert_int_equal(plain_get(url, &got), 403);

	assert_true(upload_delete(&target, key));
	free(plain);
	free(url);
	buf_free(&got);
	free(key);
}

static void
test_delete(void **state)
{
	char	   *key = key_for("deleted.txt");
	buf			got = BUF_INIT;
	char	   *err;

	(void) state;
	assert_true(upload_put_buffer(&target, key, "x", 1));
	assert_true(upload_delete(&target, key));
	assert_true(upload_delete(&target, key));	/* already gone */

	buf_puts(&got, "keep");
	capture_start();
	assert_false(upload_get(&target, key, &got));
	err = capture_end();
	assert_non_null(strstr(err, "NoSuchKey"));
	assert_non_null(strstr(err, "HTTP 404"));
	assert_non_null(strstr(err, key));
	assert_string_equal(got.data, "keep");	/* no error body left behind */
	free(err);
	buf_free(&got);
	free(key);
}

static void
test_missing_bucket(void **state)
{
	upload_target t = target;
	char	   *err;

	(void) state;
	t.bucket = "wharf-no-such-bucket";
	capture_start();
	assert_false(upload_check_bucket(&t));
	err = capture_end();
	assert_non_null(strstr(err, "NoSuchBucket"));
	assert_non_null(strstr(err, "wharf-no-such-bucket"));
	assert_non_null(strstr(err, "does not exist"));
	free(err);
}

static void
test_wrong_secret(void **state)
{
	upload_target t = target;
	char	   *err;
	double		start;

	(void) state;
	t.secret_access_key = "not-the-secret";
	t.retries = 5;
	start = now_s();
	capture_start();
	assert_false(upload_check_bucket(&t));
	assert_false(upload_put_buffer(&t, run_prefix, "x", 1));
	err = capture_end();
	assert_true(now_s() - start < 3.0);	/* 4xx is not retried */
	assert_non_null(strstr(err, "SignatureDoesNotMatch"));
	assert_non_null(strstr(err, "HTTP 403"));
	assert_non_null(strstr(err, "attempt 1 of 5, not retried"));
	assert_null(strstr(err, "retrying"));
	assert_null(strstr(err, "not-the-secret"));
	free(err);
}

static void
test_wrong_key_id(void **state)
{
	upload_target t = target;
	char	   *err;

	(void) state;
	t.access_key_id = "AKIDNOSUCHKEY";
	capture_start();
	assert_false(upload_check_bucket(&t));
	err = capture_end();
	assert_non_null(strstr(err, "InvalidAccessKeyId"));
	free(err);
}

static void
test_unreachable(void **state)
{
	upload_target t = target;
	char	   *err;
	double		start;
	double		took;

	(void) state;
	t.endpoint = "http://127.0.0.1:1";
	t.retries = 3;
	start = now_s();
	capture_start();
	assert_false(upload_check_bucket(&t));
	err = capture_end();
	took = now_s() - start;
	/* two backoffs: at least 100 + 200 ms, at most 200 + 400 ms and then some */
	assert_true(took >= 0.29);
	assert_true(took < 5.0);
	assert_non_null(strstr(err, "http://127.0.0.1:1"));
	assert_non_null(strstr(err, "unreachable"));
	assert_non_null(strstr(err, "gave up after 3 attempts"));
	free(err);
}

/* Several threads at once, as the loader's workers do */
typedef struct worker
{
	pthread_t	thread;
	int			id;
	bool		ok;
} worker;

static void *
worker_main(void *arg)
{
	worker	   *w = arg;
	unsigned char data[200000];
	buf			got = BUF_INIT;

	w->ok = true;
	for (int i = 0; i < 5 && w->ok; i++)
	{
		char	   *key = xasprintf("%sthreads/%d/%d", run_prefix, w->id, i);

		RAND_bytes(data, sizeof(data));
		buf_reset(&got);
		w->ok = upload_put_buffer(&target, key, data, sizeof(data)) &&
			upload_get(&target, key, &got) &&
			got.len == sizeof(data) && memcmp(got.data, data, sizeof(data)) == 0 &&
			upload_delete(&target, key);
		free(key);
	}
	buf_free(&got);
	return NULL;
}

static void
test_threads(void **state)
{
	worker		w[6];

	(void) state;
	for (int i = 0; i < 6; i++)
	{
		w[i].id = i;
		assert_int_equal(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 6; i++)
		pthread_join(w[i].thread, NULL);
	for (int i = 0; i < 6; i++)
		assert_true(w[i].ok);
}

/*
 * A fake S3 on a local port.  mode 0: answer 503 SlowDown to the first
 * request, then 200 with the MD5 of the body as ETag; mode 1: read
 * requests and never answer.  One connection at a time.
 */
typedef struct fake_server
{
	int			listen_fd;
	int			port;
	int			mode;
	int			requests;
	size_t		last_body_len;
	pthread_t	thread;
} fake_server;

static void
fake_handle(fake_server *fs, int fd)
{
	buf			in = BUF_INIT;
	char		chunk[65536];
	ssize_t		n;
	char	   *hdr_end = NULL;
	size_t		clen = 0;
	size_t		body_have;
	unsigned char md5[16];
	char		md5_hex[33];
	char	   *cl;
	char	   *reply;

	/* the request head */
	while (hdr_end == NULL && (n = read(fd, chunk, sizeof(chunk))) > 0)
	{
		buf_append(&in, chunk, (size_t) n);
		hdr_end = strstr(in.data, "\r\n\r\n");
	}
	if (hdr_end == NULL)
		goto done;
	fs->requests++;
	if (fs->mode == 1)
	{
		/* never answer; wait for the client to give up */
		while (read(fd, chunk, sizeof(chunk)) > 0)
			;
		goto done;
	}
	cl = strcasestr(in.data, "\r\ncontent-length:");
	if (cl != NULL && cl < hdr_end)
		clen = strtoul(cl + 17, NULL, 10);
	if (strcasestr(in.data, "\r\nexpect: 100-continue") != NULL &&
		in.len == (size_t) (hdr_end + 4 - in.data))
		(void) !write(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	body_have = in.len - (size_t) (hdr_end + 4 - in.data);
	while (body_have < clen && (n = read(fd, chunk, sizeof(chunk))) > 0)
	{
		buf_append(&in, chunk, (size_t) n);
		body_have += (size_t) n;
	}
	hdr_end = strstr(in.data, "\r\n\r\n");
	fs->last_body_len = body_have;
	if (fs->requests == 1)
		reply = xstrdup("HTTP/1.1 503 Slow Down\r\nContent-Length: 68\r\nConnection: close\r\n\r\n"
						"<Error><Code>SlowDown</Code><Message>slow down</Message></Error>\n\n\n\n");
	else
	{
		EVP_Digest(hdr_end + 4, body_have, md5, NULL, EVP_md5(), NULL);
		for (int i = 0; i < 16; i++)
			sprintf(md5_hex + 2 * i, "%02x", md5[i]);
		reply = xasprintf("HTTP/1.1 200 OK\r\nETag: \"%s\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
						  md5_hex);
	}
	(void) !write(fd, reply, strlen(reply));
	free(reply);
done:
	buf_free(&in);
	close(fd);
}

static void *
fake_main(void *arg)
{
	fake_server *fs = arg;
	int			fd;

	while ((fd = accept(fs->listen_fd, NULL, NULL)) >= 0)
		fake_handle(fs, fd);
	return NULL;
}

static void
fake_start(fake_server *fs, int mode)
{
	struct sockaddr_in addr = {0};
	socklen_t	len = sizeof(addr);

	memset(fs, 0, sizeof(*fs));
	fs->mode = mode;
	fs->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fs->listen_fd >= 0);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fs->listen_fd, (struct sockaddr *) &addr, sizeof(addr)), 0);
	assert_int_equal(listen(fs->listen_fd, 8), 0);
	assert_int_equal(getsockname(fs->listen_fd, (struct sockaddr *) &addr, &len), 0);
	fs->port = ntohs(addr.sin_port);
	assert_int_equal(pthread_create(&fs->thread, NULL, fake_main, fs), 0);
}

static void
fake_stop(fake_server *fs)
{
	shutdown(fs->listen_fd, SHUT_RDWR);
	close(fs->listen_fd);
	pthread_join(fs->thread, NULL);
}

static void
test_retry_resends_file(void **state)
{
	fake_server fs;
	upload_target t = target;
	char	   *endpoint;
	char		path[] = "/tmp/wharf-test-upload-retry-XXXXXX";
	const size_t size = 2 * 1024 * 1024 + 7;
	unsigned char *data = malloc(size);
	char	   *err;
	int			fd;

	(void) state;
	random_bytes(data, size);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, size), (ssize_t) size);
	close(fd);

	fake_start(&fs, 0);
	endpoint = xasprintf("http://127.0.0.1:%d", fs.port);
	t.endpoint = endpoint;
	t.retries = 3;
	capture_start();
	assert_true(upload_put_file(&t, "retry.bin", path));
	err = capture_end();
	fake_stop(&fs);
	assert_int_equal(fs.requests, 2);
	/* the whole file again on the second attempt, and its ETag checked */
	assert_int_equal(fs.last_body_len, size);
	assert_non_null(strstr(err, "503 SlowDown; retrying"));
	free(err);
	free(endpoint);
	unlink(path);
	free(data);
}

static void
test_stalled_server(void **state)
{
	fake_server fs;
	upload_target t = target;
	char	   *endpoint;
	char	   *err;
	double		start;
	double		took;

	(void) state;
	fake_start(&fs, 1);
	endpoint = xasprintf("http://127.0.0.1:%d", fs.port);
	t.endpoint = endpoint;
	t.retries = 2;
	t.timeout_ms = 1000;
	start = now_s();
	capture_start();
	assert_false(upload_put_buffer(&t, "stalled", "x", 1));
	err = capture_end();
	took = now_s() - start;
	assert_true(took < 10.0);
	assert_non_null(strstr(err, "gave up after 2 attempts"));
	fake_stop(&fs);
	assert_int_equal(fs.requests, 2);
	free(err);
	free(endpoint);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_bucket),
		cmocka_unit_test(test_put_buffer_get),
		cmocka_unit_test(test_put_file_get),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_presign),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_missing_bucket),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_wrong_key_id),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_retry_resends_file),
		cmocka_unit_test(test_stalled_server),
	};
	int			rc;

	target.endpoint = env("WHARF_S3_ENDPOINT");
	target.bucket = env("WHARF_S3_BUCKET");
	target.region = env("WHARF_S3_REGION");
	target.access_key_id = env("WHARF_S3_KEY");
	target.secret_access_key = env("WHARF_S3_SECRET");
	target.retries = 3;
	target.timeout_ms = 0;
	snprintf(run_prefix, sizeof(run_prefix), "test-upload/%ld-%ld/",
			 (long) getpid(), (long) time(NULL));
	log_secret_register(target.secret_access_key);

	if (!upload_init())
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	upload_cleanup();
	log_secrets_clear();
	return rc;
}
