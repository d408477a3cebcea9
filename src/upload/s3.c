/*
 * s3.c
 *    Object storage client for S3 and S3-compatible endpoints over libcurl.
 *
 * Requests use path-style addressing (endpoint/bucket/key, the key
 * percent-encoded segment by segment) and are signed by libcurl's SigV4
 * (CURLOPT_AWS_SIGV4).  libcurl 7.88 needs help with two things: it does not
 * send x-amz-content-sha256, so every request carries it (the SHA-256 of the
 * body, computed here), and it signs the query string as written rather than
 * canonicalizing it, so every query string is built canonical to begin with
 * (upload_canonical_query).  Presigned URLs are signed here with OpenSSL.
 *
 * Each call uses its own CURL handle, so several threads may upload at once.
 * A file is streamed from disk twice: once to compute its MD5 and SHA-256,
 * then as the body, re-read from the start on each attempt.
 */
#include "upload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "log.h"
#include "outage.h"

#define S3_CONNECT_TIMEOUT_MS	10000L
#define S3_DEFAULT_STALL_S		30L
#define S3_BACKOFF_FIRST_MS		200L
#define S3_BACKOFF_MAX_MS		5000L
#define S3_MAX_PUT_SIZE			((curl_off_t) 5 * 1024 * 1024 * 1024)
#define S3_PRESIGN_MAX_S		604800
#define S3_READ_CHUNK			65536

/* SHA-256 of the empty string: the payload hash of GET and DELETE */
#define S3_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* A request body, from memory or from a file */
typedef struct s3_body
{
	const char *data;			/* in memory, or NULL */
	FILE	   *fp;				/* from this file, or NULL */
	curl_off_t	len;
	curl_off_t	pos;
	const char *read_error;		/* set when reading the file failed */
} s3_body;

/* One request: what to send, and how to describe it in messages */
typedef struct s3_request
{
	const char *method;			/* "GET", "PUT" or "DELETE" */
	const char *action;			/* "upload", "download", ... for messages */
	const char *key;			/* the object, or NULL for the bucket */
	const char *label;			/* what messages name instead of key, or NULL */
	const char *query;			/* canonical query string, or NULL */
	s3_body    *body;			/* PUT only */
	const char *sha256_hex;		/* of the body; NULL = empty body */
	const char *md5_b64;		/* Content-MD5, PUT only */
	long		also_ok;		/* an HTTP status that counts as success, or 0 */
} s3_request;

/* What came back */
typedef struct s3_response
{
	long		status;
	buf		   *body;			/* the response body is appended here */
	size_t		body_start;		/* body->len before this attempt */
	char		etag[128];
	char		request_id[128];
} s3_response;

static const char hexdigits[] = "0123456789abcdef";

static void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
	{
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static void
sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	hex_encode(md, mdlen, out);
}

static void
hmac_sha256(const void *key, size_t keylen, const char *data,
			unsigned char out[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	/* out may be key itself */
	HMAC(EVP_sha256(), key, (int) keylen, (const unsigned char *) data,
		 strlen(data), md, &mdlen);
	memcpy(out, md, 32);
	OPENSSL_cleanse(md, sizeof(md));
}

static void
md5_base64(const unsigned char md5[16], char out[25])
{
	EVP_EncodeBlock((unsigned char *) out, md5, 16);
}

/* RFC 3986 unreserved characters, which SigV4 leaves alone */
static bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}

static void
uri_encode_into(buf *out, const char *s, bool keep_slash)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (is_unreserved(*p) || (keep_slash && *p == '/'))
			buf_putc(out, (char) *p);
		else
			buf_printf(out, "%%%02X", *p);
	}
}

char *
upload_uri_encode(const char *s, bool keep_slash)
{
	buf			out = BUF_INIT;

	uri_encode_into(&out, s, keep_slash);
	return buf_detach(&out);
}

typedef struct query_param
{
	char	   *name;
	char	   *value;
} query_param;

static int
query_param_cmp(const void *a, const void *b)
{
	const query_param *pa = a;
	const query_param *pb = b;
	int			c = strcmp(pa->name, pb->name);

	return c != 0 ? c : strcmp(pa->value, pb->value);
}

char *
upload_canonical_query(const char *const *pairs, int npairs)
{
	query_param *params;
	buf			out = BUF_INIT;

	if (npairs <= 0)
		return xstrdup("");
	params = xcalloc((size_t) npairs, sizeof(query_param));
	for (int i = 0; i < npairs; i++)
	{
		params[i].name = upload_uri_encode(pairs[2 * i], false);
		params[i].value = upload_uri_encode(pairs[2 * i + 1] ? pairs[2 * i + 1] : "",
											false);
	}
	qsort(params, (size_t) npairs, sizeof(query_param), query_param_cmp);
	for (int i = 0; i < npairs; i++)
	{
		buf_printf(&out, "%s%s=%s", i > 0 ? "&" : "", params[i].name,
				   params[i].value);
		free(params[i].name);
		free(params[i].value);
	}
	free(params);
	return buf_detach(&out);
}

bool
upload_etag_matches(const char *etag, const unsigned char md5[16])
{
	char		want[33];
	size_t		len;

	if (etag == NULL)
		return false;
	hex_encode(md5, 16, want);
	len = strlen(etag);
	if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"')
	{
		etag++;
		len -= 2;
	}
	return len == 32 && strncasecmp(etag, want, 32) == 0;
}

/* The endpoint without a trailing slash, or AWS's for the region */
static void
endpoint_base(const upload_target *t, buf *out)
{
	if (t->endpoint != NULL && t->endpoint[0] != '\0')
	{
		size_t		len = strlen(t->endpoint);

		while (len > 0 && t->endpoint[len - 1] == '/')
			len--;
		buf_append(out, t->endpoint, len);
	}
	else
		buf_printf(out, "https://s3.%s.amazonaws.com", t->region);
}

/* endpoint/bucket[/key][?query], path-style */
static char *
object_url(const upload_target *t, const char *key, const char *query)
{
	buf			url = BUF_INIT;

	endpoint_base(t, &url);
	buf_putc(&url, '/');
	uri_encode_into(&url, t->bucket, false);
	if (key != NULL)
	{
		buf_putc(&url, '/');
		uri_encode_into(&url, key, true);
	}
	if (query != NULL && query[0] != '\0')
	{
		buf_putc(&url, '?');
		buf_puts(&url, query);
	}
	return buf_detach(&url);
}

char *
upload_presign_url(const char *url, const char *region,
				   const char *access_key_id, const char *secret_access_key,
				   int expires_s, time_t now)
{
	const char *authority;
	const char *path;
	const char *scheme_end;
	buf			host = BUF_INIT;
	buf			creq = BUF_INIT;
	buf			sts = BUF_INIT;
	buf			out = BUF_INIT;
	struct tm	tm;
	char		amzdate[17];
	char		day[9];
	char		expires[16];
	char	   *credential;
	char	   *query;
	char		creq_hash[65];
	char		signature[65];
	unsigned char key[32];
	buf			secret = BUF_INIT;
	const char *pairs[10];

	if (expires_s < 1 || expires_s > S3_PRESIGN_MAX_S)
	{
		log_error("cannot presign %s: expiry of %d seconds is outside 1..%d",
				  url, expires_s, S3_PRESIGN_MAX_S);
		return NULL;
	}
	scheme_end = strstr(url, "://");
	if (scheme_end == NULL || access_key_id == NULL || secret_access_key == NULL)
	{
		log_error("cannot presign %s: need an http(s) URL and credentials", url);
		return NULL;
	}
	authority = scheme_end + 3;
	path = strchr(authority, '/');
	if (path == NULL)
		path = authority + strlen(authority);
	buf_append(&host, authority, (size_t) (path - authority));
	/* clients leave the default port out of the Host header */
	if (strncasecmp(url, "https://", 8) == 0 && host.len > 4 &&
		strcmp(host.data + host.len - 4, ":443") == 0)
		host.data[host.len -= 4] = '\0';
	else if (strncasecmp(url, "http://", 7) == 0 && host.len > 3 &&
			 strcmp(host.data + host.len - 3, ":80") == 0)
		host.data[host.len -= 3] = '\0';

	gmtime_r(&now, &tm);
	strftime(amzdate, sizeof(amzdate), "%Y%m%dT%H%M%SZ", &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	snprintf(expires, sizeof(expires), "%d", expires_s);
	credential = xasprintf("%s/%s/%s/s3/aws4_request", access_key_id, day, region);

	pairs[0] = "X-Amz-Algorithm";
	pairs[1] = "AWS4-HMAC-SHA256";
	pairs[2] = "X-Amz-Credential";
	pairs[3] = credential;
	pairs[4] = "X-Amz-Date";
	pairs[5] = amzdate;
	pairs[6] = "X-Amz-Expires";
	pairs[7] = expires;
	pairs[8] = "X-Amz-SignedHeaders";
	pairs[9] = "host";
	query = upload_canonical_query(pairs, 5);

	buf_printf(&creq, "GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD",
			   path[0] ? path : "/", query, host.data);
	sha256_hex(creq.data, creq.len, creq_hash);
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s",
			   amzdate, day, region, creq_hash);

	/* the signing key: HMAC chain over date, region, service, terminator */
	buf_printf(&secret, "AWS4%s", secret_access_key);
	hmac_sha256(secret.data, secret.len, day, key);
	hmac_sha256(key, sizeof(key), region, key);
	hmac_sha256(key, sizeof(key), "s3", key);
	hmac_sha256(key, sizeof(key), "aws4_request", key);
	hmac_sha256(key, sizeof(key), sts.data, key);
	hex_encode(key, sizeof(key), signature);

	buf_printf(&out, "%s%s%s&X-Amz-Signature=%s", url,
			   strchr(url, '?') ? "&" : "?", query, signature);

	OPENSSL_cleanse(secret.data, secret.len);
	OPENSSL_cleanse(key, sizeof(key));
	buf_free(&secret);
	buf_free(&host);
	buf_free(&creq);
	buf_free(&sts);
	free(credential);
	free(query);
	return buf_detach(&out);
}

char *
upload_presign_get_at(const upload_target *t, const char *key, int expires_s,
					  time_t now)
{
	char	   *url = object_url(t, key, NULL);
	char	   *signed_url;

	signed_url = upload_presign_url(url, t->region, t->access_key_id,
									t->secret_access_key, expires_s, now);
	free(url);
	return signed_url;
}

char *
upload_presign_get(const upload_target *t, const char *key, int expires_s)
{
	return upload_presign_get_at(t, key, expires_s, time(NULL));
}

/*
 * XML, minimally: S3's answers are flat enough to find elements by name.
 */

/* Appends the text s[0..n) with XML entities and character references resolved */
static void
xml_unescape(const char *s, size_t n, buf *out)
{
	static const struct
	{
		const char *entity;
		char		c;
	}			named[] = {
		{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}
	};
	size_t		i = 0;

	while (i < n)
	{
		bool		done = false;

		if (s[i] == '&')
		{
			for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++)
			{
				size_t		elen = strlen(named[k].entity);

				if (n - i >= elen && strncmp(s + i, named[k].entity, elen) == 0)
				{
					buf_putc(out, named[k].c);
					i += elen;
					done = true;
					break;
				}
			}
			if (!done && n - i > 3 && s[i + 1] == '#')
			{
				bool		hex = (s[i + 2] == 'x' || s[i + 2] == 'X');
				size_t		j = i + (hex ? 3 : 2);
				unsigned long cp = 0;
				size_t		digits = 0;

				for (; j < n && digits < 8; j++, digits++)
				{
					int			c = (unsigned char) s[j];
					int			v;

					if (c >= '0' && c <= '9')
						v = c - '0';
					else if (hex && c >= 'a' && c <= 'f')
						v = c - 'a' + 10;
					else if (hex && c >= 'A' && c <= 'F')
						v = c - 'A' + 10;
					else
						break;
					cp = cp * (hex ? 16 : 10) + (unsigned long) v;
				}
				if (digits > 0 && j < n && s[j] == ';' && cp > 0 && cp <= 0x10FFFF)
				{
					/* as UTF-8 */
					if (cp < 0x80)
						buf_putc(out, (char) cp);
					else if (cp < 0x800)
					{
						buf_putc(out, (char) (0xC0 | (cp >> 6)));
						buf_putc(out, (char) (0x80 | (cp & 0x3F)));
					}
					else if (cp < 0x10000)
					{
						buf_putc(out, (char) (0xE0 | (cp >> 12)));
						buf_putc(out, (char) (0x80 | ((cp >> 6) & 0x3F)));
						buf_putc(out, (char) (0x80 | (cp & 0x3F)));
					}
					else
					{
						buf_putc(out, (char) (0xF0 | (cp >> 18)));
						buf_putc(out, (char) (0x80 | ((cp >> 12) & 0x3F)));
						buf_putc(out, (char) (0x80 | ((cp >> 6) & 0x3F)));
						buf_putc(out, (char) (0x80 | (cp & 0x3F)));
					}
					i = j + 1;
					done = true;
				}
			}
		}
		if (!done)
			buf_putc(out, s[i++]);
	}
}

/*
 * Finds the next <name>...</name> in [*pos, end) and appends its unescaped
 * text to out (if not NULL); *pos moves past it.  False when there is none.
 */
static bool
xml_next(const char **pos, const char *end, const char *name, buf *out)
{
	char		open[64];
	char		close[64];
	const char *start;
	const char *stop;
	size_t		olen;

	snprintf(open, sizeof(open), "<%s>", name);
	snprintf(close, sizeof(close), "</%s>", name);
	olen = strlen(open);
	start = memmem(*pos, (size_t) (end - *pos), open, olen);
	if (start == NULL)
		return false;
	start += olen;
	stop = memmem(start, (size_t) (end - start), close, strlen(close));
	if (stop == NULL)
		return false;
	if (out != NULL)
		xml_unescape(start, (size_t) (stop - start), out);
	*pos = stop + strlen(close);
	return true;
}

/* The text of the first <name> in xml[0..len), or "" */
static void
xml_first(const char *xml, size_t len, const char *name, buf *out)
{
	const char *pos = xml;

	buf_reset(out);
	if (xml != NULL && !xml_next(&pos, xml + len, name, out))
		buf_reset(out);
}

/*
 * libcurl callbacks
 */

static size_t
body_read(char *ptr, size_t size, size_t nmemb, void *arg)
{
	s3_body    *b = arg;
	size_t		want = size * nmemb;
	size_t		n;

	/* never more than the length announced, even if the file grew */
	if ((curl_off_t) want > b->len - b->pos)
		want = (size_t) (b->len - b->pos);
	if (b->fp != NULL)
	{
		n = fread(ptr, 1, want, b->fp);
		if (n == 0 && want > 0)
		{
			b->read_error = ferror(b->fp) ? strerror(errno) :
				"the file shrank while it was being uploaded";
			return CURL_READFUNC_ABORT;
		}
	}
	else
	{
		n = want;
		if (n > 0)
			memcpy(ptr, b->data + b->pos, n);
	}
	b->pos += (curl_off_t) n;
	return n;
}

static int
body_seek(void *arg, curl_off_t offset, int origin)
{
	s3_body    *b = arg;

	if (origin != SEEK_SET || offset < 0 || offset > b->len)
		return CURL_SEEKFUNC_CANTSEEK;
	if (b->fp != NULL)
	{
		clearerr(b->fp);
		if (fseeko(b->fp, (off_t) offset, SEEK_SET) != 0)
		{
			b->read_error = strerror(errno);
			return CURL_SEEKFUNC_FAIL;
		}
	}
	b->pos = offset;
	return CURL_SEEKFUNC_OK;
}

static size_t
response_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	s3_response *r = arg;

	buf_append(r->body, ptr, size * nmemb);
	return size * nmemb;
}

/* Copies the value of header line "Name: value" into dst if the name matches */
static void
header_value(const char *line, size_t len, const char *name, char *dst,
			 size_t dstsize)
{
	size_t		nlen = strlen(name);
	const char *v;
	const char *e;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return;
	v = line + nlen + 1;
	e = line + len;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
		e--;
	if ((size_t) (e - v) >= dstsize)
		e = v + dstsize - 1;
	memcpy(dst, v, (size_t) (e - v));
	dst[e - v] = '\0';
}

static size_t
response_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	s3_response *r = arg;
	size_t		len = size * nmemb;

	/* a new status line (after "100 Continue"): forget the earlier headers */
	if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
	{
		r->etag[0] = '\0';
		r->request_id[0] = '\0';
	}
	header_value(ptr, len, "ETag", r->etag, sizeof(r->etag));
	header_value(ptr, len, "x-amz-request-id", r->request_id,
				 sizeof(r->request_id));
	return len;
}

/*
 * Retries
 */

static bool
curl_error_retryable(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_COULDNT_CONNECT:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_PARTIAL_FILE:
		case CURLE_GOT_NOTHING:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
			return true;
		default:
			return false;
	}
}

static bool
http_status_retryable(long status, const char *code)
{
	if (status >= 500 || status == 408 || status == 429)
		return true;
	/* S3's idle-socket timeout comes back as a 400 */
	return status == 400 && strcmp(code, "RequestTimeout") == 0;
}

/* Exponential backoff with jitter: half to all of 200 ms * 2^(attempt-1), at most 5 s */
static void
backoff_sleep(int attempt)
{
	long		ms = S3_BACKOFF_FIRST_MS;
	unsigned int r = 0;
	struct timespec ts;

	for (int i = 1; i < attempt && ms < S3_BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > S3_BACKOFF_MAX_MS)
		ms = S3_BACKOFF_MAX_MS;
	if (RAND_bytes((unsigned char *) &r, sizeof(r)) != 1)
		r = (unsigned int) time(NULL);
	ms = ms / 2 + (long) (r % (unsigned int) (ms / 2 + 1));
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A hint for an S3 error code or a curl failure, or "" */
static const char *
error_hint(const upload_target *t, const char *code, CURLcode rc)
{
	if (rc != CURLE_OK)
	{
		switch (rc)
		{
			case CURLE_COULDNT_RESOLVE_HOST:
				return "; cannot resolve the endpoint's host name";
			case CURLE_COULDNT_CONNECT:
				return "; the endpoint is unreachable";
			case CURLE_OPERATION_TIMEDOUT:
				return "; the endpoint stopped responding";
			case CURLE_PEER_FAILED_VERIFICATION:
			case CURLE_SSL_CACERT_BADFILE:
				return "; the endpoint's TLS certificate could not be verified";
			default:
				return "";
		}
	}
	if (strcmp(code, "NoSuchBucket") == 0)
		return "; the bucket does not exist (check the bucket name and endpoint)";
	if (strcmp(code, "InvalidAccessKeyId") == 0)
		return "; the access key id is not known to this endpoint";
	if (strcmp(code, "SignatureDoesNotMatch") == 0)
		return "; check the secret access key and the region";
	if (strcmp(code, "AccessDenied") == 0)
		return "; the credentials are not allowed to do this (check the bucket policy and permissions)";
	if (strcmp(code, "RequestTimeTooSkewed") == 0)
		return "; the local clock is off";
	if (strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
		strcmp(code, "PermanentRedirect") == 0 ||
		strcmp(code, "IllegalLocationConstraintException") == 0)
		return t->endpoint ? "; check the region" :
			"; check the region: the bucket may be in another one";
	return "";
}

/*
 * Performs one request with retries.  True on a 2xx answer (or rq->also_ok);
 * otherwise the failure has been reported.  The response body is appended to
 * resp->body only on success.
 */
static bool
s3_perform(CURL *curl, const upload_target *t, const s3_request *rq,
		   s3_response *resp)
{
	char	   *url = object_url(t, rq->key, rq->query);
	buf			base = BUF_INIT;
	buf			code = BUF_INIT;
	buf			message = BUF_INIT;
	char		sigv4[128];
	char		errbuf[CURL_ERROR_SIZE];
	char	   *hdr;
	struct curl_slist *headers = NULL;
	int			attempts = t->retries >= 1 ? t->retries : 1;
	long		stall_s = S3_DEFAULT_STALL_S;
	bool		ok = false;
	const char *subject = rq->label ? rq->label : rq->key ? rq->key : "";

	if (t->timeout_ms > 0)
		stall_s = (t->timeout_ms + 999) / 1000;
	else
	{
		/*
		 * WHARF_S3_TIMEOUT_MS: a test and operations knob for how long a
		 * request may go without progress before it counts as stalled (and
		 * is retried); there is no job key for it yet.
		 */
		const char *env = getenv("WHARF_S3_TIMEOUT_MS");
		long		ms = env ? strtol(env, NULL, 10) : 0;

		if (ms > 0)
			stall_s = (ms + 999) / 1000;
	}
	endpoint_base(t, &base);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", t->region);

	hdr = xasprintf("x-amz-content-sha256: %s",
					rq->sha256_hex ? rq->sha256_hex : S3_EMPTY_SHA256);
	headers = curl_slist_append(headers, hdr);
	free(hdr);
	if (rq->md5_b64 != NULL)
	{
		hdr = xasprintf("Content-MD5: %s", rq->md5_b64);
		headers = curl_slist_append(headers, hdr);
		free(hdr);
	}

	for (int attempt = 1; attempt <= attempts; attempt++)
	{
		CURLcode	rc;
		bool		retryable;
		char		tail[64];
		const char *body_text;
		size_t		body_len;

		curl_easy_reset(curl);
		errbuf[0] = '\0';
		resp->status = 0;
		resp->etag[0] = '\0';
		resp->request_id[0] = '\0';
		resp->body_start = resp->body->len;

		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_USERAGENT, "wharf");
		curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, S3_CONNECT_TIMEOUT_MS);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall_s);
		curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4);
		curl_easy_setopt(curl, CURLOPT_USERNAME, t->access_key_id);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, t->secret_access_key);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, response_write);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
		curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, response_header);
		curl_easy_setopt(curl, CURLOPT_HEADERDATA, resp);
		if (strcmp(rq->method, "PUT") == 0)
		{
			body_seek(rq->body, 0, SEEK_SET);
			curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(curl, CURLOPT_READFUNCTION, body_read);
			curl_easy_setopt(curl, CURLOPT_READDATA, rq->body);
			curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, body_seek);
			curl_easy_setopt(curl, CURLOPT_SEEKDATA, rq->body);
			curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, rq->body->len);
		}
		else if (strcmp(rq->method, "GET") != 0)
			curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, rq->method);

		rc = curl_easy_perform(curl);
		if (rc == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);

		body_text = resp->body->data ? resp->body->data + resp->body_start : NULL;
		body_len = resp->body->len - resp->body_start;
		buf_reset(&code);
		buf_reset(&message);
		if (rc == CURLE_OK &&
			((resp->status >= 200 && resp->status < 300) ||
			 (rq->also_ok != 0 && resp->status == rq->also_ok)))
		{
			ok = true;
			break;
		}
		if (rc == CURLE_OK)
		{
			xml_first(body_text, body_len, "Code", &code);
			xml_first(body_text, body_len, "Message", &message);
		}
		/* a failed attempt leaves nothing behind in the caller's buffer */
		resp->body->len = resp->body_start;
		if (resp->body->data)
			resp->body->data[resp->body->len] = '\0';

		if (rq->body != NULL && rq->body->read_error != NULL)
		{
			log_error("could not %s s3://%s/%s: could not read the body: %s",
					  rq->action, t->bucket, subject, rq->body->read_error);
			break;
		}
		retryable = rc != CURLE_OK ? curl_error_retryable(rc) :
			http_status_retryable(resp->status, code.data ? code.data : "");

		if (retryable && attempt < attempts)
		{
			if (rc != CURLE_OK)
				log_warn("%s s3://%s/%s (endpoint %s), attempt %d of %d: %s; retrying",
						 rq->action, t->bucket, subject,
						 base.data, attempt, attempts,
						 errbuf[0] ? errbuf : curl_easy_strerror(rc));
			else
				log_warn("%s s3://%s/%s (endpoint %s), attempt %d of %d: HTTP %ld%s%s; retrying",
						 rq->action, t->bucket, subject,
						 base.data, attempt, attempts, resp->status,
						 code.len ? " " : "", code.len ? code.data : "");
			backoff_sleep(attempt);
			continue;
		}

		/* a store down or overloaded past the retries: an outage (outage.h) */
		if (retryable)
			outage_note(OUTAGE_STAGE);
		if (retryable && attempt > 1)
			snprintf(tail, sizeof(tail), "gave up after %d attempts", attempt);
		else
			snprintf(tail, sizeof(tail), "attempt %d of %d%s", attempt,
					 attempts, retryable ? "" : ", not retried");
		if (rc != CURLE_OK)
			log_error("could not %s s3://%s/%s (endpoint %s): %s%s (%s)",
					  rq->action, t->bucket, subject, base.data,
					  errbuf[0] ? errbuf : curl_easy_strerror(rc),
					  error_hint(t, "", rc), tail);
		else
			log_error("could not %s s3://%s/%s (endpoint %s): HTTP %ld%s%s%s%s%s%s%s (%s)",
					  rq->action, t->bucket, subject, base.data,
					  resp->status,
					  code.len ? " " : "", code.len ? code.data : "",
					  message.len ? ": " : "", message.len ? message.data : "",
					  error_hint(t, code.data ? code.data : "", CURLE_OK),
					  resp->request_id[0] ? "; request id " : "", resp->request_id,
					  tail);
		break;
	}

	curl_slist_free_all(headers);
	buf_free(&base);
	buf_free(&code);
	buf_free(&message);
	free(url);
	return ok;
}

/*
 * The API
 */

bool
upload_init(void)
{
	CURLcode	rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
	{
		log_error("could not initialize libcurl: %s", curl_easy_strerror(rc));
		return false;
	}
	return true;
}

void
upload_cleanup(void)
{
	curl_global_cleanup();
}

/* A handle for one call, after checking that the target is complete */
static CURL *
begin(const upload_target *t, const char *action)
{
	CURL	   *curl;

	if (t->bucket == NULL || t->bucket[0] == '\0' || t->region == NULL ||
		t->region[0] == '\0' || t->access_key_id == NULL ||
		t->secret_access_key == NULL)
	{
		log_error("cannot %s: the S3 target needs a bucket, a region and credentials",
				  action);
		return NULL;
	}
	curl = curl_easy_init();
	if (curl == NULL)
		log_error("cannot %s: could not create a libcurl handle", action);
	return curl;
}

static bool
put_body(const upload_target *t, const char *key, s3_body *body,
		 const unsigned char md5[16], const unsigned char sha256[32])
{
	char		sha_hex[65];
	char		md5_b64[25];
	char		md5_hex[33];
	buf			discard = BUF_INIT;
	s3_request	rq = {0};
	s3_response resp = {0};
	CURL	   *curl;
	bool		ok;

	if (body->len > S3_MAX_PUT_SIZE)
	{
		log_error("cannot upload s3://%s/%s: %lld bytes is more than a single PUT takes (5 GiB)",
				  t->bucket, key, (long long) body->len);
		return false;
	}
	if ((curl = begin(t, "upload")) == NULL)
		return false;
	hex_encode(sha256, 32, sha_hex);
	hex_encode(md5, 16, md5_hex);
	md5_base64(md5, md5_b64);
	rq.method = "PUT";
	rq.action = "upload";
	rq.key = key;
	rq.body = body;
	rq.sha256_hex = sha_hex;
	rq.md5_b64 = md5_b64;
	resp.body = &discard;

	ok = s3_perform(curl, t, &rq, &resp);
	if (ok && !upload_etag_matches(resp.etag, md5))
	{
		log_error("uploaded s3://%s/%s but the ETag returned (%s) is not the MD5 of what was sent (%s)",
				  t->bucket, key, resp.etag[0] ? resp.etag : "none", md5_hex);
		ok = false;
	}
	curl_easy_cleanup(curl);
	buf_free(&discard);
	return ok;
}

bool
upload_put_buffer(const upload_target *t, const char *key, const void *data,
				  size_t len)
{
	unsigned char md5[EVP_MAX_MD_SIZE];
	unsigned char sha256[EVP_MAX_MD_SIZE];
	s3_body		body = {0};

	EVP_Digest(data, len, md5, NULL, EVP_md5(), NULL);
	EVP_Digest(data, len, sha256, NULL, EVP_sha256(), NULL);
	body.data = len > 0 ? data : "";
	body.len = (curl_off_t) len;
	return put_body(t, key, &body, md5, sha256);
}

bool
upload_put_file(const upload_target *t, const char *key, const char *path)
{
	unsigned char md5[EVP_MAX_MD_SIZE];
	unsigned char sha256[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *md5_ctx;
	EVP_MD_CTX *sha_ctx;
	s3_body		body = {0};
	char	   *chunk;
	size_t		n;
	bool		ok;

	body.fp = fopen(path, "rb");
	if (body.fp == NULL)
	{
		log_error("cannot upload \"%s\" to s3://%s/%s: %s", path, t->bucket,
				  key, strerror(errno));
		return false;
	}

	/* first pass: the digests S3 checks the body against */
	md5_ctx = EVP_MD_CTX_new();
	sha_ctx = EVP_MD_CTX_new();
	if (md5_ctx == NULL || sha_ctx == NULL ||
		!EVP_DigestInit_ex(md5_ctx, EVP_md5(), NULL) ||
		!EVP_DigestInit_ex(sha_ctx, EVP_sha256(), NULL))
	{
		log_error("cannot upload \"%s\": could not set up MD5 and SHA-256", path);
		EVP_MD_CTX_free(md5_ctx);
		EVP_MD_CTX_free(sha_ctx);
		fclose(body.fp);
		return false;
	}
	chunk = xmalloc(S3_READ_CHUNK);
	while ((n = fread(chunk, 1, S3_READ_CHUNK, body.fp)) > 0)
	{
		EVP_DigestUpdate(md5_ctx, chunk, n);
		EVP_DigestUpdate(sha_ctx, chunk, n);
		body.len += (curl_off_t) n;
	}
	free(chunk);
	ok = !ferror(body.fp);
	if (!ok)
		log_error("cannot upload \"%s\" to s3://%s/%s: could not read it: %s",
				  path, t->bucket, key, strerror(errno));
	EVP_DigestFinal_ex(md5_ctx, md5, NULL);
	EVP_DigestFinal_ex(sha_ctx, sha256, NULL);
	EVP_MD_CTX_free(md5_ctx);
	EVP_MD_CTX_free(sha_ctx);

	/* second pass, once per attempt: the body itself */
	if (ok)
		ok = put_body(t, key, &body, md5, sha256);
	fclose(body.fp);
	return ok;
}

bool
upload_get(const upload_target *t, const char *key, buf *out)
{
	s3_request	rq = {0};
	s3_response resp = {0};
	CURL	   *curl;
	bool		ok;

	if ((curl = begin(t, "download")) == NULL)
		return false;
	rq.method = "GET";
	rq.action = "download";
	rq.key = key;
	resp.body = out;
	ok = s3_perform(curl, t, &rq, &resp);
	curl_easy_cleanup(curl);
	return ok;
}

bool
upload_delete(const upload_target *t, const char *key)
{
	s3_request	rq = {0};
	s3_response resp = {0};
	buf			discard = BUF_INIT;
	CURL	   *curl;
	bool		ok;

	if ((curl = begin(t, "delete")) == NULL)
		return false;
	rq.method = "DELETE";
	rq.action = "delete";
	rq.key = key;
	rq.also_ok = 404;			/* S3 says 204 for a missing key; others may not */
	resp.body = &discard;
	ok = s3_perform(curl, t, &rq, &resp);
	curl_easy_cleanup(curl);
	buf_free(&discard);
	return ok;
}

bool
upload_check_bucket(const upload_target *t)
{
	const char *pairs[] = {"list-type", "2", "max-keys", "1"};
	char	   *query = upload_canonical_query(pairs, 2);
	s3_request	rq = {0};
	s3_response resp = {0};
	buf			body = BUF_INIT;
	CURL	   *curl;
	bool		ok;

	if ((curl = begin(t, "check the bucket")) == NULL)
	{
		free(query);
		return false;
	}
	rq.method = "GET";
	rq.action = "check bucket";
	rq.query = query;
	resp.body = &body;
	ok = s3_perform(curl, t, &rq, &resp);
	if (ok && (body.data == NULL || strstr(body.data, "<ListBucketResult") == NULL))
	{
		buf			base = BUF_INIT;

		endpoint_base(t, &base);
		log_error("could not check bucket s3://%s/ (endpoint %s): the answer to a listing is not S3's (HTTP %ld, no ListBucketResult)",
				  t->bucket, base.data, resp.status);
		buf_free(&base);
		ok = false;
	}
	curl_easy_cleanup(curl);
	buf_free(&body);
	free(query);
	return ok;
}

bool
upload_list(const upload_target *t, const char *prefix, strlist *keys)
{
	strlist		found = {0};
	buf			body = BUF_INIT;
	buf			token = BUF_INIT;
	buf			text = BUF_INIT;
	CURL	   *curl;
	bool		ok = true;

	if ((curl = begin(t, "list keys")) == NULL)
		return false;
	for (;;)
	{
		const char *pairs[6];
		int			npairs = 0;
		char	   *query;
		s3_request	rq = {0};
		s3_response resp = {0};
		const char *pos;
		const char *end;
		bool		truncated;

		pairs[2 * npairs] = "list-type";
		pairs[2 * npairs++ + 1] = "2";
		if (prefix != NULL && prefix[0] != '\0')
		{
			pairs[2 * npairs] = "prefix";
			pairs[2 * npairs++ + 1] = prefix;
		}
		if (token.len > 0)
		{
			pairs[2 * npairs] = "continuation-token";
			pairs[2 * npairs++ + 1] = token.data;
		}
		query = upload_canonical_query(pairs, npairs);
		rq.method = "GET";
		rq.action = "list";
		rq.key = NULL;
		rq.label = prefix;
		rq.query = query;
		buf_reset(&body);
		resp.body = &body;
		ok = s3_perform(curl, t, &rq, &resp);
		free(query);
		if (!ok)
			break;

		/* every <Key> is inside a <Contents> */
		pos = body.data ? body.data : "";
		end = pos + body.len;
		for (;;)
		{
			const char *cstart = memmem(pos, (size_t) (end - pos), "<Contents>", 10);
			const char *cend;

			if (cstart == NULL || !xml_next(&pos, end, "Contents", NULL))
				break;
			cend = pos;
			buf_reset(&text);
			if (xml_next(&cstart, cend, "Key", &text))
				strlist_add(&found, text.data ? text.data : "");
		}

		xml_first(body.data, body.len, "IsTruncated", &text);
		truncated = text.len > 0 && strcmp(text.data, "true") == 0;
		if (!truncated)
			break;
		xml_first(body.data, body.len, "NextContinuationToken", &token);
		if (token.len == 0)
		{
			log_error("could not list s3://%s/%s: the listing is truncated but has no continuation token",
					  t->bucket, prefix ? prefix : "");
			ok = false;
			break;
		}
	}
	if (ok)
	{
		for (int i = 0; i < found.n; i++)
			strlist_push(keys, found.items[i]);
		free(found.items);
	}
	else
		strlist_free(&found);
	curl_easy_cleanup(curl);
	buf_free(&body);
	buf_free(&token);
	buf_free(&text);
	return ok;
}
