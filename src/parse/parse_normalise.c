/* parse_normalise.c - value readers: text folding, dates, postcodes, UPNs,
 * phone numbers, LAESTABs, e-mail addresses, answers, sex and SEN */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "parse/parse_p.h"

/* is_fold_space - characters that count as white space in form values */
static bool is_fold_space(gunichar c)
{
	return g_unichar_isspace(c) || g_unichar_iscntrl(c) || c == 0x200B ||
	       c == 0xFEFF || c == 0x00A0 || c == 0x202F || c == 0x2007;
}

size_t parse_fold_into(char *out, const char *text)
{
	return parse_fold_into_len(out, text, strlen(text));
}

#ifdef __SSE2__
/* plain_chunk - the 16 bytes at P are printable ASCII with single spaces
 * between them (the shape of nearly all of a form's text): the bit mask of
 * their spaces in *SPACES; false when any other byte is there */
static bool plain_chunk(const char *p, unsigned *spaces)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* signed: the bytes above 0x7f are below 0x21 */
	__m128i printable = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)),
					  _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)));
	unsigned plain = (unsigned)_mm_movemask_epi8(printable);
	unsigned sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));

	*spaces = sp;
	return (plain | sp) == 0xffff && (sp & (sp >> 1)) == 0;
}
#endif

size_t parse_fold_into_len(char *out, const char *text, size_t len)
{
	const char *end = text + len, *p = text;
	char *o = out;
	bool space = false;   /* a run of white space is waiting to be one ' ' */

	/* OUT never gets ahead of TEXT: what is written is at most what has
	 * been read, a waiting space standing for a byte read and not kept */
	while (p < end && *p != '\0') {
		const char *stop = end - p > 16 ? p + 16 : end;
#ifdef __SSE2__
		unsigned sp;

		/* sixteen bytes at a time where they need nothing but a copy */
		if (end - p >= 16 && plain_chunk(p, &sp)) {
			const char *from = p;
			size_t n = 16;

			if (sp & 1) {          /* a leading space: the one waiting */
				space = o > out;
				from++;
				n--;
			}
			if (sp & 0x8000)       /* a trailing one: waits for what follows */
				n--;
			if (space)
				*o++ = ' ';
			memcpy(o, from, n);
			o += n;
			space = (sp & 0x8000) != 0;
			p += 16;
			continue;
		}
#endif
		/* byte by byte up to STOP, without a branch on what an ASCII
		 * byte is (a form's words end where nothing can foretell it);
		 * the Unicode reading only for the bytes above 0x7f */
		while (p < stop && *p != '\0') {
			unsigned char b = (unsigned char)*p;
			gunichar c;
			const char *next;

			if (b < 0x80) {
				bool is_sp = b <= ' ' || b == 0x7f;

				/* both stores land inside OUT even when O does not move */
				*o = ' ';
				o += !is_sp & space;
				*o = (char)b;
				o += !is_sp;
				space = is_sp & (o > out);
				p++;
				continue;
			}
			c = g_utf8_get_char_validated(p, (gssize)(end - p));
			if (c == (gunichar)-1 || c == (gunichar)-2) {
				p++;   /* not UTF-8: the decoder should have fixed it; skip */
				continue;
			}
			next = g_utf8_next_char(p);
			if (is_fold_space(c)) {
				space = o > out;
			} else {
				if (space)
					*o++ = ' ';
				space = false;
				memcpy(o, p, (size_t)(next - p));   /* no longer than its text */
				o += next - p;
			}
			p = next;
		}
	}
	*o = '\0';
	return (size_t)(o - out);
}

char *parse_fold(const char *text)
{
	size_t n;
	char *out;

	if (text == NULL)
		return NULL;
	n = strlen(text);
	out = g_malloc(n + 1);
	if (parse_fold_into_len(out, text, n) == 0) {
		g_free(out);
		return NULL;
	}
	return out;
}

char *parse_fold_arena(struct parse_arena *a, const char *text)
{
	size_t n;
	char *out;

	if (text == NULL)
		return NULL;
	n = strlen(text);
	/* folded text is never longer: fold where it will be kept */
	out = parse_arena_alloc(a, n + 1);
	return parse_fold_into_len(out, text, n) > 0 ? out : NULL;
}

char *parse_c1_fix(const char *text)
{
	GString *out;

	if (text == NULL)
		return NULL;
	for (const char *p = text; *p != '\0'; p++)
		if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] >= 0x80 &&
		    (unsigned char)p[1] <= 0x9f)
			goto fix;
	return g_strdup(text);
fix:
	out = g_string_new(NULL);
	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] >= 0x80 &&
		    (unsigned char)p[1] <= 0x9f) {
			/* U+0080..U+009F: a Windows-1252 byte read as ISO-8859-1 */
			char byte = p[1];
			g_autofree char *u = g_convert(&byte, 1, "UTF-8", "WINDOWS-1252", NULL, NULL,
						       NULL);

			g_string_append(out, u != NULL ? u : " ");
			p++;
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

/* has_c1 - TEXT (UTF-8) holds a C1 control */
static bool has_c1(const char *text)
{
	for (const char *p = text; (p = strchr(p, '\xc2')) != NULL; p++)
		if ((unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9f)
			return true;
	return false;
}

char *parse_header_fold(const char *text, bool c1)
{
	g_autofree char *valid = NULL;
	g_autofree char *fixed = NULL;

	if (text == NULL)
		return NULL;
	/* nearly every header is valid UTF-8 and free of C1: no copies */
	if (!g_utf8_validate(text, -1, NULL))
		text = valid = g_utf8_make_valid(text, -1);
	if (c1 && has_c1(text))
		text = fixed = parse_c1_fix(text);
	return parse_fold(text);
}

char *parse_fold_ascii_lower(const char *text)
{
	char *f = parse_fold(text), *low;

	if (f == NULL)
		return NULL;
	/* ASCII, nearly all of it, in place; the Unicode rules for the rest */
	for (char *p = f; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80) {
			low = g_utf8_strdown(f, -1);
			g_free(f);
			return low;
		}
		*p = parse_ascii_lower(*p);
	}
	return f;
}

char *parse_fold_lower(const char *text)
{
	char *f = parse_fold_ascii_lower(text);

	return f != NULL ? f : g_strdup("");
}

bool parse_words_ascii(const char *text, char *buf, size_t cap)
{
	char *o = buf, *end = buf + cap - 1;
	bool space = false;

	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			return false;
		if (*p == '.' || *p == '\'')
			continue;
		if (g_ascii_isalnum(*p)) {
			if (o + 2 > end)
				return false;
			if (space && o > buf)
				*o++ = ' ';
			space = false;
			*o++ = parse_ascii_lower(*p);
		} else {
			space = true;
		}
	}
	*o = '\0';
	return true;
}

/* put_number - N in decimal at O, which has room for 20 digits; returns
 * the end */
static char *put_number(char *o, unsigned long n)
{
	char digits[24];
	int k = 0;

	do {
		digits[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	while (k > 0)
		*o++ = digits[--k];
	return o;
}

char *parse_numbered(const char *head, unsigned long n)
{
	size_t h = strlen(head);
	char *out = g_malloc(h + 1 + 21);
	char *o = out + h;

	memcpy(out, head, h);
	if (h > 0)
		*o++ = ' ';
	*put_number(o, n) = '\0';
	return out;
}

char *parse_path_n(char *buf, size_t cap, const char *head, unsigned long n, const char *tail)
{
	char num[24];

	*put_number(num, n) = '\0';
	g_strlcpy(buf, head, cap);
	g_strlcat(buf, num, cap);
	g_strlcat(buf, tail, cap);
	return buf;
}

char *parse_words(const char *text)
{
	char *w, *o;
	bool space = false;   /* a separator is waiting, before the next word */

	if (text == NULL)
		return g_strdup("");
	/* one pass over TEXT: ASCII byte by byte, the Unicode tables only for
	 * the characters above 0x7f. A character lowered is at most half as
	 * long again (U+023A's two bytes lower to U+2C65's three), and each
	 * separator written stands for at least one byte read. */
	{
		size_t n = strlen(text);

		w = o = g_malloc(n + n / 2 + 8);
	}
	for (const char *p = text; *p != '\0';) {
		unsigned char b = (unsigned char)*p;
		gunichar c;

		if (b < 0x80) {
			p++;
			if (b == '.' || b == '\'')
				continue;
			if (!g_ascii_isalnum(b)) {
				space = true;
				continue;
			}
			if (space && o > w)
				*o++ = ' ';
			space = false;
			*o++ = parse_ascii_lower(b);
			continue;
		}
		c = g_utf8_get_char_validated(p, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			p++;   /* not UTF-8: skipped, as parse_fold() skips it */
			continue;
		}
		p = g_utf8_next_char(p);
		if (c == 0x2019 || c == 0x2018)
			continue;   /* "Child\u2019s" is "childs", as "Child's" */
		if (!g_unichar_isalnum(c)) {
			space = true;
			continue;
		}
		if (space && o > w)
			*o++ = ' ';
		space = false;
		o += g_unichar_to_utf8(g_unichar_tolower(c), o);
	}
	*o = '\0';
	return w;
}

bool parse_words_has(const char *w, const char *phrase)
{
	size_t n = strlen(phrase);

	if (n == 0)
		return false;
	for (const char *p = w; (p = strstr(p, phrase)) != NULL; p++)
		if ((p == w || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* words_at - the words PHRASE (not empty) begin at P, a word's start */
static bool words_at(const char *p, const char *phrase)
{
	while (*phrase != '\0' && *p == *phrase) {
		p++;
		phrase++;
	}
	return *phrase == '\0' && (*p == '\0' || *p == ' ');
}

bool parse_words_has_any(const char *w, const char *const *phrases, size_t n)
{
	guint64 first[4] = { 0 };   /* the letters a phrase begins with */

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)phrases[i][0];

		if (c != '\0')
			first[c >> 6] |= (guint64)1 << (c & 63);
	}
	/* one walk over W's word starts, not one search of W for each phrase */
	for (const char *p = w; p != NULL; p = strchr(p, ' '), p = p != NULL ? p + 1 : NULL) {
		unsigned char c = (unsigned char)*p;

		if (((first[c >> 6] >> (c & 63)) & 1) == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (phrases[i][0] == (char)c && words_at(p, phrases[i]))
				return true;
	}
	return false;
}

bool parse_words_has_list(const char *w, const char *const *phrases)
{
	size_t n = 0;

	while (phrases[n] != NULL)
		n++;
	return parse_words_has_any(w, phrases, n);
}

static bool word_in(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if (w[0] == (*list)[0] && strcmp(w, *list) == 0)
			return true;
	return false;
}

/* starts_with_words - W begins with the words PREFIX (whole words) */
static bool starts_with_words(const char *w, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(w, prefix, n) == 0 && (w[n] == '\0' || w[n] == ' ');
}

static char *answer_words(const char *text);

/* ascii_words - parse_words() of TEXT into BUF (SIZE bytes) without
 * allocating: 1 done; 0 the words do not fit; -1 TEXT is not plain ASCII
 * (or may hold tick boxes): use answer_words() */
static int ascii_words(const char *text, char *buf, size_t size)
{
	char *o = buf;
	bool space = false;

	if (text == NULL)
		return -1;
	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80 || *p == '[' || *p == '(')
			return -1;
		if (*p == '.' || *p == '\'')
			continue;
		if (!g_ascii_isalnum(*p)) {
			space = true;
			continue;
		}
		if ((size_t)(o - buf) + 2 >= size) {
			/* keep looking: a box or a non-ASCII byte later still
			 * means the slow reading */
			for (; *p != '\0'; p++)
				if ((unsigned char)*p >= 0x80 || *p == '[' || *p == '(')
					return -1;
			return 0;
		}
		if (space && o > buf)
			*o++ = ' ';
		space = false;
		*o++ = parse_ascii_lower(*p);
	}
	*o = '\0';
	return 1;
}

bool parse_value_blank(const char *text)
{
	static const char *const blanks[] = {
		"", "n a", "na", "nil", "none", "not known", "unknown", "not applicable",
		"tbc", "tba", "to be confirmed", "not given", "not provided", "none known",
		"not stated", "no information", "dont know", "do not know", "not sure",
		"unsure", "not recorded", "no", NULL,
	};
	char small[32];
	g_autofree char *w = NULL;

	/* most values are ASCII with no tick boxes: their words, when short
	 * enough to be one of the blanks, fit here; longer ones are none */
	switch (ascii_words(text, small, sizeof small)) {
	case 1:
		return word_in(small, blanks);
	case 0:
		return false;
	default:
		w = answer_words(text);
		return word_in(w, blanks);
	}
}

/* ---- dates ---- */

struct date_tok {
	bool number;
	int value;        /* number, or month 1..12 for a month word */
	int digits;
};

/* month_from_word - 1..12 for "april", "apr", "sept"; 0 when not a month */
static int month_from_word(const char *w)
{
	static const char *const full[] = {
		"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december",
	};

	for (int i = 0; i < 12; i++) {
		if (strcmp(w, full[i]) == 0 || (strlen(w) == 3 && strncmp(w, full[i], 3) == 0))
			return i + 1;
	}
	if (strcmp(w, "sept") == 0)
		return 9;
	return 0;
}

/* date_word - what a word in a date is: a month (1..12), ignorable (0), or
 * not part of a date (-1) */
static int date_word(const char *w, bool after_number)
{
	static const char *const skip[] = {
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
		"sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri",
		"sat", "sun", "of", NULL,
	};
	static const char *const ordinals[] = { "st", "nd", "rd", "th", NULL };
	int m;

	if (after_number && word_in(w, ordinals))
		return 0;
	if (word_in(w, skip))
		return 0;
	m = month_from_word(w);
	return m > 0 ? m : -1;
}

/* date_tokens - split a lower-cased date into numbers and month words;
 * -1 when a word is not part of a date or there are too many tokens */
static int date_tokens(const char *s, struct date_tok *toks, int max)
{
	int n = 0;

	for (const char *p = s; *p != '\0';) {
		if (g_ascii_isdigit(*p)) {
			int v = 0, d = 0;

			for (; g_ascii_isdigit(*p); p++, d++)
				if (d < 8)
					v = v * 10 + (*p - '0');
			if (n == max)
				return -1;
			toks[n++] = (struct date_tok){ true, v, d };
		} else if (g_ascii_isalpha(*p)) {
			char w[16];
			size_t len = 0;
			bool after = p > s && g_ascii_isdigit(p[-1]);
			int m;

			for (; g_ascii_isalpha(*p); p++)
				if (len < sizeof w - 1)
					w[len++] = *p;
			w[len] = '\0';
			m = date_word(w, after);
			if (m < 0)
				return -1;
			if (m == 0)
				continue;
			if (n == max)
				return -1;
			toks[n++] = (struct date_tok){ false, m, 0 };
		} else if ((unsigned char)*p >= 0x80) {
			return -1;
		} else {
			p++;
		}
	}
	return n;
}

/* cut_time - drop a trailing time of day ("03/04/2015 09:30", ISO "T00:00") */
static void cut_time(char *s)
{
	char *colon = strchr(s, ':');
	char *t;

	if (strlen(s) > 10 && s[4] == '-' && s[10] == 't')
		s[10] = '\0';
	if (colon == NULL)
		return;
	for (t = colon; t > s && g_ascii_isdigit(t[-1]); t--)
		;
	if (t > s && t[-1] == ' ')
		t[-1] = '\0';
}

char *parse_date_read(const char *text, const char **problem_r)
{
	g_autofree char *s = parse_fold_lower(text);
	struct date_tok t[6];
	int n, d, m, y, ydigits;

	*problem_r = "not a date";
	cut_time(s);
	n = date_tokens(s, t, 6);
	if (n != 3)
		return NULL;
	if (t[0].number && t[1].number && t[2].number) {
		if (t[0].digits == 4) {
			y = t[0].value, m = t[1].value, d = t[2].value, ydigits = 4;
		} else {
			d = t[0].value, m = t[1].value, y = t[2].value, ydigits = t[2].digits;
			if (t[0].digits > 2 || t[1].digits > 2)
				return NULL;
		}
	} else if (t[0].number && !t[1].number && t[2].number) {
		d = t[0].value, m = t[1].value, y = t[2].value, ydigits = t[2].digits;
	} else if (!t[0].number && t[1].number && t[2].number) {
		m = t[0].value, d = t[1].value, y = t[2].value, ydigits = t[2].digits;
	} else {
		return NULL;
	}
	if (ydigits == 2) {
		/* "3.4.15": forms about children of school age and their
		 * parents; 00-50 is this century, 51-99 the last */
		y += y <= 50 ? 2000 : 1900;
		ydigits = 4;
	}
	if (ydigits != 4 || y < 1900 || y > 2099) {
		*problem_r = "year out of range";
		return NULL;
	}
	if (m < 1 || m > 12 || d < 1 || !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y)) {
		*problem_r = "no such date";
		return NULL;
	}
	*problem_r = NULL;
	{
		char out[11] = { (char)('0' + y / 1000), (char)('0' + y / 100 % 10),
				 (char)('0' + y / 10 % 10), (char)('0' + y % 10), '-',
				 (char)('0' + m / 10), (char)('0' + m % 10), '-',
				 (char)('0' + d / 10), (char)('0' + d % 10), '\0' };

		return g_strdup(out);   /* YYYY-MM-DD: y is 1900 to 2099 */
	}
}

char *parse_date_dayfirst(const char *text)
{
	const char *problem;

	return text != NULL ? parse_date_read(text, &problem) : NULL;
}

/* ---- postcodes ---- */

/* outward_shape - A9 A99 AA9 AA99 A9A AA9A: the letters and digits as the
 * bits of a number (a letter 1, a digit 0) compared with the shapes' */
static bool outward_shape(const char *s, size_t n)
{
	unsigned code = 0;

	if (n < 2 || n > 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (g_ascii_isalpha(s[i]))
			code = code << 1 | 1;
		else if (g_ascii_isdigit(s[i]))
			code <<= 1;
		else
			return false;
	}
	switch (n) {
	case 2:
		return code == 0x2;                                   /* A9 */
	case 3:
		return code == 0x4 || code == 0x6 || code == 0x5;     /* A99 AA9 A9A */
	default:
		return code == 0xc || code == 0xd;                    /* AA99 AA9A */
	}
}

static bool inward_shape(const char *s)
{
	return g_ascii_isdigit(s[0]) && g_ascii_isalpha(s[1]) && g_ascii_isalpha(s[2]);
}

bool parse_postcode_valid(const char *pc)
{
	const char *sp;

	if (pc == NULL)
		return false;
	if (strcmp(pc, "GIR 0AA") == 0)
		return true;
	sp = strchr(pc, ' ');
	return sp != NULL && strlen(sp + 1) == 3 && inward_shape(sp + 1) &&
	       outward_shape(pc, (size_t)(sp - pc));
}

char *parse_postcode_normalise(const char *text)
{
	GString *c;
	g_autofree char *compact = NULL;
	char *out;

	if (text == NULL)
		return NULL;
	c = g_string_new(NULL);
	for (const char *p = text; *p != '\0'; p++)
		if (!g_ascii_isspace(*p))
			g_string_append_c(c, g_ascii_toupper(*p));
	compact = g_string_free(c, FALSE);
	if (strlen(compact) < 5 || strlen(compact) > 7)
		return NULL;
	{
		size_t n = strlen(compact);   /* outward code, a space, inward code */

		out = g_malloc(n + 2);
		memcpy(out, compact, n - 3);
		out[n - 3] = ' ';
		memcpy(out + n - 2, compact + n - 3, 4);   /* with its NUL */
	}
	if (!parse_postcode_valid(out)) {
		g_free(out);
		return NULL;
	}
	return out;
}

bool parse_postcode_find(const char *text, size_t *start_r, size_t *len_r)
{
	size_t n = strlen(text);
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (!g_ascii_isalpha(text[i]) || (i > 0 && g_ascii_isalnum(text[i - 1])))
			continue;
		for (size_t ol = 2; ol <= 4 && i + ol + 3 <= n; ol++) {
			size_t j = i + ol;

			if (!outward_shape(text + i, ol))
				continue;
			if (text[j] == ' ')
				j++;
			if (j + 3 > n || !inward_shape(text + j) ||
			    (j + 3 < n && g_ascii_isalnum(text[j + 3])))
				continue;
			*start_r = i;
			*len_r = j + 3 - i;
			found = true;
		}
	}
	return found;
}

/* ---- UPN ---- */

static const char upn_letters[] = "ABCDEFGHJKLMNPQRTUVWXYZ";

char *parse_upn_normalise(const char *text)
{
	GString *s = g_string_new(NULL);

	for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
		if (!g_ascii_isspace(*p))
			g_string_append_c(s, g_ascii_toupper(*p));
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

const char *parse_upn_check(const char *upn)
{
	const char *letter;
	unsigned sum = 0;

	if (upn == NULL)
		return "no UPN";
	if (strlen(upn) == 3 && strncmp(upn, "UN", 2) == 0 && upn[2] >= '1' && upn[2] <= '5')
		return NULL;
	if (strlen(upn) != 13)
		return "UPN is not 13 characters";
	for (int i = 1; i < 12; i++)
		if (!g_ascii_isdigit(upn[i]))
			return "UPN characters 2 to 12 are not all digits";
	letter = g_ascii_isdigit(upn[12]) ? NULL : strchr(upn_letters, upn[12]);
	if (!g_ascii_isdigit(upn[12]) && (upn[12] == '\0' || letter == NULL))
		return "UPN character 13 is not a digit or an allowed letter";
	for (int i = 1; i < 13; i++) {
		unsigned v = g_ascii_isdigit(upn[i]) ? (unsigned)(upn[i] - '0')
						      : (unsigned)(letter - upn_letters);

		sum += v * (unsigned)(i + 1);
	}
	if (upn[0] != upn_letters[sum % 23])
		return "UPN check letter is wrong";
	return NULL;
}

/* ---- phones, LAESTABs, e-mail ---- */

char *parse_phone_normalise(const char *text)
{
	GString *s;
	const char *p;
	unsigned digits = 0;

	if (text == NULL)
		return NULL;
	for (p = text; *p != '\0' && *p != '+' && !g_ascii_isdigit(*p); p++)
		;
	s = g_string_new(NULL);
	if (*p == '+') {
		g_string_append_c(s, '+');
		p++;
	}
	for (; *p != '\0'; p++) {
		if (g_ascii_isdigit(*p)) {
			g_string_append_c(s, *p);
			digits++;
		} else if (strncmp(p, "(0)", 3) == 0 && s->str[0] == '+') {
			p += 2;   /* "+44 (0)7700": the trunk 0 is not dialled */
		} else if (*p != ' ' && *p != '(' && *p != ')' && *p != '-' && *p != '.') {
			break;
		}
	}
	/* a UK number has 10 or 11 digits with its 0; an international one
	 * at most 15 (E.164) */
	if ((s->str[0] == '+' && (digits < 8 || digits > 15)) ||
	    (s->str[0] == '0' && (digits < 10 || digits > 11)) ||
	    (s->str[0] != '+' && s->str[0] != '0' && (digits < 7 || digits > 11))) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

static bool all_char(const char *s, char c, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] != c)
			return false;
	return true;
}

char *parse_laestab_normalise(const char *text)
{
	g_autofree char *s = parse_upn_normalise(text);   /* upper, no spaces */
	char digits[8];
	size_t n = 0;

	if (s == NULL)
		return NULL;
	if (all_char(s, 'X', 7) || all_char(s, 'X', 8))
		return g_strdup("XXXXXXX");
	if (all_char(s, 'M', 7))
		return g_strdup("MMMMMMM");
	for (const char *p = s; *p != '\0'; p++) {
		if (g_ascii_isdigit(*p) && n < 7)
			digits[n++] = *p;
		else if ((*p != '/' && *p != '-') || p - s != 3)
			return NULL;
	}
	if (n != 7 || strlen(s) > 8)
		return NULL;
	digits[7] = '\0';
	return g_strdup(digits);
}

static bool email_local_char(char c)
{
	return g_ascii_isalnum(c) || strchr("._%+-'", c) != NULL;
}

char *parse_email_normalise(const char *text)
{
	const char *at, *b, *e;

	if (text == NULL || (at = strchr(text, '@')) == NULL)
		return NULL;
	for (b = at; b > text && email_local_char(b[-1]); b--)
		;
	for (e = at + 1; g_ascii_isalnum(*e) || *e == '.' || *e == '-'; e++)
		;
	while (e > at + 1 && e[-1] == '.')
		e--;
	if (b == at || memchr(at + 1, '.', (size_t)(e - at - 1)) == NULL)
		return NULL;
	return g_ascii_strdown(b, e - b);
}

/* ---- answers ---- */

/* box_at - the tick box at P: 1 ticked, 2 empty, 0 none; *LEN_R its length */
static int box_at(const char *p, size_t *len_r)
{
	static const char *const ticked[] = {
		"\xe2\x98\x92", "\xe2\x98\x91", "\xe2\x9c\x94", "\xe2\x9c\x93",   /* ☒ ☑ ✔ ✓ */
		"\xe2\x96\xa0", "[x]", "[X]", "(x)", "(X)", NULL,                     /* ■ */
	};
	static const char *const empty[] = {
		"\xe2\x98\x90", "\xe2\x96\xa1", "[ ]", "( )", "[]", NULL,              /* ☐ □ */
	};

	if (*p != '[' && *p != '(' && *p != '\xe2')
		return 0;   /* every box starts with one of these */
	for (const char *const *t = ticked; *t != NULL; t++)
		if (strncmp(p, *t, strlen(*t)) == 0) {
			*len_r = strlen(*t);
			return 1;
		}
	for (const char *const *t = empty; *t != NULL; t++)
		if (strncmp(p, *t, strlen(*t)) == 0) {
			*len_r = strlen(*t);
			return 2;
		}
	return 0;
}

/* checked_answer - the option of a ticked box: "\u2610 Yes \u2612 No" and
 * "Yes [ ] No [x]" -> "No"; "" when there are boxes and none is ticked;
 * NULL when there are no boxes */
static char *checked_answer(const char *text)
{
	g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
	GString *cur = g_string_new(NULL);
	int ticked = -1, boxes = 0;
	bool box_first = false;
	size_t n;
	const char *q;

	for (q = text; *q != '\0' && box_at(q, &n) == 0; q++)
		;
	if (*q == '\0') {
		g_string_free(cur, TRUE);
		return NULL;   /* no boxes */
	}
	for (const char *p = text; *p != '\0';) {
		int b = box_at(p, &n);

		if (b == 0) {
			g_string_append_c(cur, *p++);
			continue;
		}
		if (boxes == 0)
			box_first = strspn(cur->str, " \t") == cur->len;
		g_ptr_array_add(parts, g_string_free(cur, FALSE));   /* the text before box N */
		cur = g_string_new(NULL);
		if (b == 1 && ticked < 0)
			ticked = boxes;
		boxes++;
		p += n;
	}
	g_ptr_array_add(parts, g_string_free(cur, FALSE));
	if (boxes == 0)
		return NULL;
	if (ticked < 0)
		return g_strdup("");
	/* parts[i] is the text before box i, parts[i + 1] the text after it */
	{
		char *option = parse_fold(g_ptr_array_index(parts, box_first ? ticked + 1 : ticked));

		return option != NULL ? option : g_strdup("");
	}
}

/* answer_words - parse_words() of the answer a form gives, tick boxes read */
static char *answer_words(const char *text)
{
	/* a box is "[", "(" or a symbol from U+25A0..U+27BF (lead byte 0xe2) */
	g_autofree char *box = text != NULL && strpbrk(text, "[(\xe2") != NULL
			       ? checked_answer(text) : NULL;

	return parse_words(box != NULL ? box : text);
}

enum parse_tri parse_tri_read(const char *text)
{
	static const char *const yes[] = { "yes", "y", "true", "ticked", "checked", "eligible",
					   "entitled", NULL };
	static const char *const no[] = { "no", "n", "false", "ineligible", NULL };
	g_autofree char *w = answer_words(text);
	char *sp = strchr(w, ' ');

	if (starts_with_words(w, "not eligible") || starts_with_words(w, "not entitled"))
		return PARSE_TRI_FALSE;
	if (sp != NULL)
		*sp = '\0';
	if (word_in(w, yes))
		return PARSE_TRI_TRUE;
	if (word_in(w, no))
		return PARSE_TRI_FALSE;
	return PARSE_TRI_NULL;
}

bool parse_answer_unsure(const char *text)
{
	static const char *const unsure[] = {
		"not sure", "unsure", "dont know", "do not know", "unknown", "not known",
		"uncertain", "possibly", "maybe", "don t know", NULL,
	};
	g_autofree char *w = answer_words(text);

	for (const char *const *u = unsure; *u != NULL; u++)
		if (starts_with_words(w, *u))
			return true;
	return false;
}

const char *parse_sex_read(const char *text)
{
	static const char *const female[] = { "f", "female", "girl", NULL };
	static const char *const male[] = { "m", "male", "boy", NULL };
	g_autofree char *w = answer_words(text);
	char *sp = strchr(w, ' ');

	if (sp != NULL)
		*sp = '\0';
	if (word_in(w, female))
		return "female";
	if (word_in(w, male))
		return "male";
	return NULL;
}

/* has_words - HAY (" " + space-separated words + " ") holds the words
 * PHRASE, not just after "no" or "not" */
static bool has_words(const char *hay, const char *phrase)
{
	char needle[64];
	size_t n = strlen(phrase);
	const char *p = hay;

	g_assert(n + 3 <= sizeof needle);
	needle[0] = ' ';
	memcpy(needle + 1, phrase, n);
	needle[n + 1] = ' ';
	needle[n + 2] = '\0';

	while ((p = strstr(p, needle)) != NULL) {
		if (!(p - hay >= 3 && strncmp(p - 3, " no", 3) == 0) &&
		    !(p - hay >= 4 && strncmp(p - 4, " not", 4) == 0))
			return true;
		p++;
	}
	return false;
}

const char *parse_sen_read(const char *text)
{
	static const char *const ehcp[] = {
		"ehcp", "ehc plan", "education health and care plan", "statement",
		"statemented", "la idp", "local authority idp", "idp maintained by the local authority",
		"idp maintained by the la", NULL,
	};
	static const char *const support[] = {
		"sen support", "school action", "school action plus", "school idp", "support",
		"k", "yes", "y", "sen", "send", "aln", "under assessment", "assessment",
		"school based", NULL,
	};
	static const char *const none[] = {
		"no", "none", "n", "nil", "n a", "na", "not applicable", "no sen", "no send",
		"none known", "no aln", NULL,
	};
	g_autofree char *w = answer_words(text);
	g_autofree char *hay = NULL;

	if (word_in(w, none))
		return "none";
	if (strcmp(w, "e") == 0)
		return "ehcp";
	hay = g_strconcat(" ", w, " ", NULL);
	for (const char *const *p = ehcp; *p != NULL; p++)
		if (has_words(hay, *p))
			return "ehcp";
	for (const char *const *p = support; *p != NULL; p++)
		if (has_words(hay, *p))
			return "sen_support";
	return NULL;
}

char *parse_case_tag_find(const char *text)
{
	if (text == NULL)
		return NULL;
	for (const char *p = text; (p = strchr(p, '-')) != NULL; p++) {
		const char *s = p - 3;
		bool ok;

		if (p - text < 3 || g_ascii_strncasecmp(s, "CME", 3) != 0 ||
		    (s > text && g_ascii_isalnum(s[-1])))
			continue;
		ok = true;
		for (int i = 1; i <= 11 && ok; i++) {
			char c = p[i];

			ok = i == 5 ? c == '-' : g_ascii_isdigit(c);
		}
		if (ok && !g_ascii_isdigit(p[12]))
		{
			char tag[16] = "CME-";

			memcpy(tag + 4, p + 1, 4);
			tag[8] = '-';
			memcpy(tag + 9, p + 6, 6);
			tag[15] = '\0';
			return g_strdup(tag);
		}
	}
	return NULL;
}

/* parse_label_clean - a label as written, folded, without trailing colons
 * and spaces; NULL when nothing is left */
char *parse_label_clean(const char *label)
{
	char *l = parse_fold(label);
	if (l == NULL)
		return NULL;
	size_t n = strlen(l);
	while (n > 0 && (l[n - 1] == ':' || l[n - 1] == ' '))
		l[--n] = '\0';
	if (n == 0) {
		g_free(l);
		return NULL;
	}
	return l;
}
