/*
 * values.c
 *    The values of the job file's keys: whole numbers, durations, sizes,
 *    booleans, and the names a stage URL, endpoint, region, job and slot
 *    must be.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "job_int.h"
#include "log.h"

bool
job_parse_int(const char *s, int min, int max, int *out)
{
	long		v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++)
	{
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*out = (int) v;
	return true;
}

/*
 * A duration: digits, optional blanks, optional unit (s, min, h; none means
 * seconds), from min to max seconds.  *out in seconds.
 */
bool
job_parse_duration(const char *s, int min, int max, int *out)
{
	static const struct
	{
		const char *unit;
		int64_t		mult;
	}			units[] = {
		{"", 1}, {"s", 1}, {"sec", 1}, {"min", 60}, {"h", 3600},
	};
	int64_t		v = 0;
	const char *d = s;

	while (*s >= '0' && *s <= '9')
	{
		v = v * 10 + (*s - '0');
		if (v > max)
			return false;
		s++;
	}
	if (s == d)
		return false;
	while (is_blank(*s))
		s++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
	{
		if (strcasecmp(s, units[i].unit) == 0)
		{
			if (v > max / units[i].mult || v * units[i].mult < min)
				return false;
			*out = (int) (v * units[i].mult);
			return true;
		}
	}
	return false;
}

/* A size: digits, optional blanks, optional unit.  *out in bytes. */
bool
job_parse_size(const char *s, uint64_t *out)
{
	static const struct
	{
		const char *unit;
		uint64_t	mult;
	}			units[] = {
		{"", 1}, {"b", 1},
		{"kb", 1024}, {"kib", 1024},
		{"mb", 1024 * 1024}, {"mib", 1024 * 1024},
		{"gb", 1024 * 1024 * 1024}, {"gib", 1024 * 1024 * 1024},
	};
	uint64_t	v = 0;
	const char *d = s;

	while (*s >= '0' && *s <= '9')
	{
		v = v * 10 + (uint64_t) (*s - '0');
		if (v > PART_SIZE_MAX)
			return false;
		s++;
	}
	if (s == d)
		return false;
	while (is_blank(*s))
		s++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
	{
		if (strcasecmp(s, units[i].unit) == 0)
		{
			if (v > PART_SIZE_MAX / units[i].mult)
				return false;
			*out = v * units[i].mult;
			return true;
		}
	}
	return false;
}

bool
job_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (int i = 0; i < 4; i++)
	{
		if (strcasecmp(s, yes[i]) == 0)
		{
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0)
		{
			*out = false;
			return true;
		}
	}
	return false;
}

bool
job_valid_name(const char *s)
{
	size_t		n = strlen(s);

	if (n == 0 || n > JOB_NAME_MAX)
		return false;
	if (!(isalpha((unsigned char) s[0]) || s[0] == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char) *s) || *s == '_') || (unsigned char) *s >= 0x80)
			return false;
	return true;
}

bool
job_valid_slot_name(const char *s)
{
	size_t		n = strlen(s);

	if (n == 0 || n > PG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* S3 bucket naming rules. */
bool
job_valid_bucket(const char *s, size_t n)
{
	int			dots = 0;
	bool		all_ip = true;

	if (n < 3 || n > 63)
		return false;
	if (!isalnum((unsigned char) s[0]) || !isalnum((unsigned char) s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return false;
		if (c == '.' && (s[i + 1] == '.' || s[i + 1] == '-' || (i > 0 && s[i - 1] == '-')))
			return false;
		if (c == '.')
			dots++;
		else if (!(c >= '0' && c <= '9'))
			all_ip = false;
	}
	/* not formatted like an IP address */
	return !(all_ip && dots == 3);
}


/* http(s)://host[:port], with at most a trailing '/'. */
bool
job_valid_endpoint(const char *v, size_t *len)
{
	const char *h;
	const char *s;
	size_t		n = strlen(v);

	if (strncmp(v, "http://", 7) == 0)
		h = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		h = v + 8;
	else
		return false;
	if (n > (size_t) (h - v) && v[n - 1] == '/')
		n--;
	s = h;
	if (*s == '[')
	{
		/* IPv6 literal */
		s++;
		while (s < v + n && (isxdigit((unsigned char) *s) || *s == ':' || *s == '.'))
			s++;
		if (s == h + 1 || s >= v + n || *s != ']')
			return false;
		s++;
	}
	else
	{
		while (s < v + n && (isalnum((unsigned char) *s) || *s == '.' || *s == '-'))
			s++;
		if (s == h)
			return false;
	}
	if (s < v + n && *s == ':')
	{
		const char *port = ++s;
		long		pv = 0;

		while (s < v + n && *s >= '0' && *s <= '9' && s - port < 6)
			pv = pv * 10 + (*s++ - '0');
		if (s == port || pv < 1 || pv > 65535)
			return false;
	}
	if (s != v + n)
		return false;
	*len = n;
	return true;
}

bool
job_valid_region(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char) *s) || *s == '-' || *s == '_'))
			return false;
	return true;
}
