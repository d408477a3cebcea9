/*
 * upload.h
 *    Object storage over HTTP with libcurl: signed PUT, GET, DELETE and
 *    bucket checks against S3 or any S3-compatible endpoint, and presigned
 *    GET URLs for a warehouse to read staged objects with.
 *
 * Requests are signed with SigV4 (libcurl's CURLOPT_AWS_SIGV4, plus the
 * x-amz-content-sha256 header S3 requires).  Transient failures (5xx,
 * timeouts, resets, refused connections) are retried with exponential backoff
 * up to upload_target.retries attempts; one that still fails is also noted as
 * an outage of the stage (outage.h).  A PUT is checked twice: S3 verifies
 * Content-MD5, and the returned ETag must equal the MD5 of what was sent.
 */
#ifndef WHARF_UPLOAD_H
#define WHARF_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

typedef struct upload_target
{
	const char *endpoint;		/* "http://127.0.0.1:9001"; NULL = https://s3.REGION.amazonaws.com */
	const char *region;
	const char *bucket;
	const char *access_key_id;
	const char *secret_access_key;
	int			retries;		/* attempts in all, >= 1 */
	long		timeout_ms;		/* per request without progress; 0 = default (30 s) */
} upload_target;

extern bool upload_init(void);	/* once, before threads start */
extern void upload_cleanup(void);

/* Uploads the file at path as key. */
extern bool upload_put_file(const upload_target *t, const char *key, const char *path);
extern bool upload_put_buffer(const upload_target *t, const char *key,
							  const void *data, size_t len);
/* Reads key into out (appending). */
extern bool upload_get(const upload_target *t, const char *key, buf *out);
/* Deletes key; a key already gone is success. */
extern bool upload_delete(const upload_target *t, const char *key);
/* Checks that the bucket exists and the credentials may list it. */
extern bool upload_check_bucket(const upload_target *t);
/* Lists keys under prefix, appending them to keys. */
extern bool upload_list(const upload_target *t, const char *prefix, strlist *keys);
/*
 * A presigned GET URL for key, valid for expires_s seconds (SigV4 query
 * signing).  Owned by the caller.
 */
extern char *upload_presign_get(const upload_target *t, const char *key, int expires_s);
/* The same, signed as of now (for tests). */
extern char *upload_presign_get_at(const upload_target *t, const char *key,
								   int expires_s, time_t now);

/*
 * Building blocks, exposed for the unit tests.
 *
 * upload_presign_url presigns a GET of url ("scheme://host[:port]/path", the
 * path already percent-encoded, no query), so that virtual-hosted URLs such
 * as AWS's published examples can be checked too.  upload_uri_encode
 * percent-encodes everything but RFC 3986's unreserved characters (and '/'
 * when keep_slash).  upload_canonical_query encodes npairs name/value pairs
 * (pairs[2i], pairs[2i+1]) and sorts them as SigV4 wants.
 * upload_etag_matches tells whether an ETag (quotes optional) is the hex MD5
 * md5.  All strings returned are owned by the caller.
 */
extern char *upload_presign_url(const char *url, const char *region,
								const char *access_key_id,
								const char *secret_access_key,
								int expires_s, time_t now);
extern char *upload_uri_encode(const char *s, bool keep_slash);
extern char *upload_canonical_query(const char *const *pairs, int npairs);
extern bool upload_etag_matches(const char *etag, const unsigned char md5[16]);

#endif
