/* test_parse.c - the parser's readers, labels, risks and kinds, row by row */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parse/parse.h"
#include "parse/parse_p.h"

static void check_str(const char *table, size_t row, const char *input,
		      const char *got, const char *want)
{
	if (g_strcmp0(got, want) != 0)
		fail_msg("%s row %zu ('%s'): got %s%s%s, want %s%s%s", table, row,
			 input != NULL ? input : "(null)",
			 got != NULL ? "'" : "", got != NULL ? got : "NULL", got != NULL ? "'" : "",
			 want != NULL ? "'" : "", want != NULL ? want : "NULL", want != NULL ? "'" : "");
}

static void check_int(const char *table, size_t row, const char *input, long got, long want)
{
	if (got != want)
		fail_msg("%s row %zu ('%s'): got %ld, want %ld", table, row, input, got, want);
}

/* ---- dates ---- */

static const struct { const char *in, *want, *problem; } date_rows[] = {
	{ "03/04/2015", "2015-04-03", NULL },        /* day first, never month first */
	{ "3/4/2015", "2015-04-03", NULL },
	{ "3.4.2015", "2015-04-03", NULL },
	{ "03-04-2015", "2015-04-03", NULL },
	{ "3 April 2015", "2015-04-03", NULL },
	{ "3rd April 2015", "2015-04-03", NULL },
	{ "3 Apr 2015", "2015-04-03", NULL },
	{ "Friday 3 April 2015", "2015-04-03", NULL },
	{ "April 3, 2015", "2015-04-03", NULL },
	{ "3rd of April, 2015", "2015-04-03", NULL },
	{ "2015-04-03", "2015-04-03", NULL },         /* ISO */
	{ "2015-04-03T00:00:00", "2015-04-03", NULL },
	{ "03/04/2015 09:30", "2015-04-03", NULL },
	{ " 13 February 2026 ", "2026-02-13", NULL },
	{ "1 Sept 2020", "2020-09-01", NULL },
	{ "29/02/2016", "2016-02-29", NULL },
	{ "29/02/2015", NULL, "no such date" },
	{ "31/02/2015", NULL, "no such date" },
	{ "32/01/2015", NULL, "no such date" },
	{ "03/13/2015", NULL, "no such date" },       /* month first is not read */
	{ "03/04/15", "2015-04-03", NULL },
	{ "3 April 15", "2015-04-03", NULL },
	{ "3.4.15", "2015-04-03", NULL },
	{ "1/2/85", "1985-02-01", NULL },
	{ "03/04/1815", NULL, "year out of range" },
	{ "April 2015", NULL, "not a date" },
	{ "unknown", NULL, "not a date" },
	{ "", NULL, "not a date" },
	{ "03/04/2015/2", NULL, "not a date" },
	{ "3 Avril 2015", NULL, "not a date" },
	{ "12345678", NULL, "not a date" },
};

static void test_dates(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(date_rows); i++) {
		const char *problem = "unset";
		g_autofree char *got = parse_date_read(date_rows[i].in, &problem);
		g_autofree char *pub = parse_date_dayfirst(date_rows[i].in);

		check_str("date", i, date_rows[i].in, got, date_rows[i].want);
		check_str("date (public)", i, date_rows[i].in, pub, date_rows[i].want);
		check_str("date problem", i, date_rows[i].in, problem, date_rows[i].problem);
	}
	assert_null(parse_date_dayfirst(NULL));
}

/* ---- postcodes ---- */

static const struct { const char *in, *want; } postcode_rows[] = {
	{ "me4 4tr", "ME4 4TR" },
	{ "ME44TR", "ME4 4TR" },
	{ "  me4   4tr ", "ME4 4TR" },
	{ "ME10 4AB", "ME10 4AB" },
	{ "B1 1AA", "B1 1AA" },
	{ "SW1A 1AA", "SW1A 1AA" },
	{ "W1A 0AX", "W1A 0AX" },
	{ "EC1A1BB", "EC1A 1BB" },
	{ "m601qd", "M60 1QD" },
	{ "GIR 0AA", "GIR 0AA" },
	{ "W1AA 1AA", NULL },
	{ "M6A1 1AA", NULL },
	{ "ME4 4T", NULL },
	{ "1ME 4TR", NULL },
	{ "ME4 TTR", NULL },
	{ "ABCDE 1AA", NULL },
	{ "00-950", NULL },
	{ "", NULL },
};

static void test_postcodes(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(postcode_rows); i++) {
		g_autofree char *got = parse_postcode_normalise(postcode_rows[i].in);

		check_str("postcode", i, postcode_rows[i].in, got, postcode_rows[i].want);
	}
	assert_null(parse_postcode_normalise(NULL));
}

static const struct { const char *in, *want; } postcode_find_rows[] = {
	{ "12 Example Road, Chatham ME4 4TR", "ME4 4TR" },
	{ "Gillingham me7 1ab", "me7 1ab" },
	{ "Flat 3, Harbour View, ME71AB", "ME71AB" },
	{ "ME1 1AA then ME4 4TR", "ME4 4TR" },     /* the last one */
	{ "Flat 4A, 9 Mill Lane", NULL },
	{ "ul. Dluga 5, 00-950 Warszawa", NULL },
	{ "XME4 4TR", NULL },
	{ "ME4 4TRX", NULL },
};

static void test_postcode_find(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(postcode_find_rows); i++) {
		size_t b = 0, n = 0;
		const char *in = postcode_find_rows[i].in;
		g_autofree char *got = parse_postcode_find(in, &b, &n) ? g_strndup(in + b, n) : NULL;

		check_str("postcode find", i, in, got, postcode_find_rows[i].want);
	}
}

/* ---- phones ---- */

static const struct { const char *in, *want; } phone_rows[] = {
	{ "07700 900412", "07700900412" },
	{ "+44 7700 900765", "+447700900765" },
	{ "+44 (0)7700 900765", "+447700900765" },
	{ "(01634) 306000", "01634306000" },
	{ "01634-306-000", "01634306000" },
	{ "Tel: 01634 000111", "01634000111" },
	{ "07700 900412 / 01634 000000", "07700900412" },
	{ "01634 000111 ext 123", "01634000111" },
	{ "mob 07700.900.412", "07700900412" },
	{ "+48 22 123 45 67", "+48221234567" },
	{ "0770090", NULL },
	{ "123", NULL },
	{ "no phone", NULL },
	{ "", NULL },
};

static void test_phones(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(phone_rows); i++) {
		g_autofree char *got = parse_phone_normalise(phone_rows[i].in);

		check_str("phone", i, phone_rows[i].in, got, phone_rows[i].want);
	}
	assert_null(parse_phone_normalise(NULL));
}

/* ---- UPN ---- */

static const struct { const char *upn; bool valid; } upn_rows[] = {
	/* the four worked examples of DOMAIN.md section 4 */
	{ "H801200001001", true },
	{ "B801200005001", true },
	{ "G80120000101A", true },      /* temporary: A counts 0 */
	{ "R674123101121", true },
	{ "Z801200001001", false },     /* DfE: rejected */
	{ "A801200005001", false },     /* stdnum: A fails */
	{ "A801200001001", false },
	{ "UN1", true }, { "UN2", true }, { "UN3", true }, { "UN4", true }, { "UN5", true },
	{ "UN6", false },
	{ "UN0", false },
	{ "H80120000100", false },      /* 12 characters */
	{ "H8012000010011", false },    /* 14 */
	{ "H8012000A1001", false },     /* a letter inside */
	{ "G80120000101I", false },     /* I is not one of the 23 letters */
	{ "G80120000101S", false },
	{ "", false },
};

static void test_upn_check(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(upn_rows); i++) {
		const char *problem = parse_upn_check(upn_rows[i].upn);

		if ((problem == NULL) != upn_rows[i].valid)
			fail_msg("upn row %zu ('%s'): %s", i, upn_rows[i].upn,
				 problem != NULL ? problem : "accepted");
	}
	assert_non_null(parse_upn_check(NULL));
	assert_string_equal(parse_upn_check("Z801200001001"), "UPN check letter is wrong");
	assert_string_equal(parse_upn_check("H80120000100"), "UPN is not 13 characters");
}

static const struct { const char *in, *want; } upn_norm_rows[] = {
	{ "h801200001001", "H801200001001" },
	{ "H801 2000 0100 1", "H801200001001" },
	{ " un1 ", "UN1" },
	{ "", NULL },
};

static void test_upn_normalise(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(upn_norm_rows); i++) {
		g_autofree char *got = parse_upn_normalise(upn_norm_rows[i].in);

		check_str("upn normalise", i, upn_norm_rows[i].in, got, upn_norm_rows[i].want);
	}
}

/* ---- LAESTAB, e-mail ---- */

static const struct { const char *in, *want; } laestab_rows[] = {
	{ "887/2345", "8872345" },
	{ "887-2345", "8872345" },
	{ "887 2345", "8872345" },
	{ "8872345", "8872345" },
	{ "887 / 2345", "8872345" },
	{ "XXXXXXX", "XXXXXXX" },
	{ "XXXXXXXX", "XXXXXXX" },       /* eight X, a common slip */
	{ "xxxxxxx", "XXXXXXX" },
	{ "MMMMMMM", "MMMMMMM" },
	{ "88/72345", NULL },
	{ "887234", NULL },
	{ "88723456", NULL },
	{ "887/234A", NULL },
	{ "XXXXXX", NULL },
	{ "", NULL },
};

static void test_laestab(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(laestab_rows); i++) {
		g_autofree char *got = parse_laestab_normalise(laestab_rows[i].in);

		check_str("laestab", i, laestab_rows[i].in, got, laestab_rows[i].want);
	}
}

static const struct { const char *in, *want; } email_rows[] = {
	{ "J.Thornbury@Example.NET", "j.thornbury@example.net" },
	{ "Jo Bloggs <jo@example.org>", "jo@example.org" },
	{ "mailto:jo@example.org.", "jo@example.org" },
	{ "jo+cme@sub.example.org (work)", "jo+cme@sub.example.org" },
	{ "jo at example dot org", NULL },
	{ "jo@localhost", NULL },
	{ "@example.org", NULL },
};

static void test_email(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(email_rows); i++) {
		g_autofree char *got = parse_email_normalise(email_rows[i].in);

		check_str("email", i, email_rows[i].in, got, email_rows[i].want);
	}
}

/* ---- answers, sex, SEN ---- */

static const struct { const char *in; enum parse_tri want; bool unsure; } tri_rows[] = {
	{ "Yes", PARSE_TRI_TRUE, false }, { "yes", PARSE_TRI_TRUE, false },
	{ "Y", PARSE_TRI_TRUE, false }, { "True", PARSE_TRI_TRUE, false },
	{ "Yes - since 2024", PARSE_TRI_TRUE, false }, { "Yes.", PARSE_TRI_TRUE, false },
	{ "Eligible", PARSE_TRI_TRUE, false },
	{ "No", PARSE_TRI_FALSE, false }, { "N", PARSE_TRI_FALSE, false },
	{ "no", PARSE_TRI_FALSE, false }, { "False", PARSE_TRI_FALSE, false },
	{ "Not eligible", PARSE_TRI_FALSE, false },
	{ "Unknown", PARSE_TRI_NULL, true }, { "Not known", PARSE_TRI_NULL, true },
	{ "Not sure", PARSE_TRI_NULL, true }, { "Don't know", PARSE_TRI_NULL, true },
	{ "Don\u2019t know", PARSE_TRI_NULL, true }, { "do not know", PARSE_TRI_NULL, true },
	{ "unsure", PARSE_TRI_NULL, true },
	/* tick boxes, as Word and PDF forms write them */
	{ "\u2612 Yes \u2610 No", PARSE_TRI_TRUE, false },
	{ "\u2610 Yes \u2612 No", PARSE_TRI_FALSE, false },
	{ "Yes [ ] No [x]", PARSE_TRI_FALSE, false },
	{ "Yes [X] No [ ]", PARSE_TRI_TRUE, false },
	{ "\u2610 Yes \u2610 No \u2612 Don't know", PARSE_TRI_NULL, true },
	{ "\u2610 Yes \u2610 No", PARSE_TRI_NULL, false },
	{ "", PARSE_TRI_NULL, false }, { "Polish", PARSE_TRI_NULL, false },
	{ "Nothing", PARSE_TRI_NULL, false }, { "Yesterday", PARSE_TRI_NULL, false },
};

static void test_tri(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(tri_rows); i++) {
		check_int("tri", i, tri_rows[i].in, parse_tri_read(tri_rows[i].in), tri_rows[i].want);
		check_int("unsure", i, tri_rows[i].in, parse_answer_unsure(tri_rows[i].in),
			  tri_rows[i].unsure);
	}
}

static const struct { const char *in, *want; } sex_rows[] = {
	{ "F", "female" }, { "Female", "female" }, { "girl", "female" }, { "GIRL", "female" },
	{ "M", "male" }, { "Male", "male" }, { "Boy", "male" }, { "male (M)", "male" },
	{ "Prefer not to say", NULL }, { "X", NULL }, { "", NULL },
	{ "Male \u2610 Female \u2612", "female" },
};

static void test_sex(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(sex_rows); i++)
		check_str("sex", i, sex_rows[i].in, parse_sex_read(sex_rows[i].in), sex_rows[i].want);
}

static const struct { const char *in, *want; } sen_rows[] = {
	{ "None", "none" }, { "No", "none" }, { "N", "none" }, { "No SEN", "none" },
	{ "SEN support", "sen_support" }, { "SEN Support (K)", "sen_support" },
	{ "K", "sen_support" }, { "Yes", "sen_support" }, { "School action plus", "sen_support" },
	{ "Under assessment", "sen_support" },
	{ "EHCP", "ehcp" }, { "E", "ehcp" }, { "Yes - EHCP", "ehcp" }, { "EHC plan", "ehcp" },
	{ "Statement", "ehcp" }, { "No EHCP, SEN support", "sen_support" },
	/* Wales: ALN with an IDP kept by the authority is ehcp, a school IDP is support */
	{ "ALN - IDP maintained by the local authority", "ehcp" },
	{ "ALN - school IDP", "sen_support" },
	{ "Not sure", NULL }, { "", NULL },
};

static void test_sen(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(sen_rows); i++)
		check_str("sen", i, sen_rows[i].in, parse_sen_read(sen_rows[i].in), sen_rows[i].want);
}

/* ---- text ---- */

static const struct { const char *in, *fold, *words; } fold_rows[] = {
	{ "  Amy   Smith ", "Amy Smith", "amy smith" },
	{ "Amy\tSmith\r\n", "Amy Smith", "amy smith" },
	{ "07700\u00a0900123", "07700 900123", "07700 900123" },
	{ "D.O.B.", "D.O.B.", "dob" },
	{ "Child\u2019s first name*", "Child\u2019s first name*", "childs first name" },
	{ "Parent/carer 1", "Parent/carer 1", "parent carer 1" },
	{ "Zo\u00eb", "Zo\u00eb", "zo\u00eb" },
	{ "   ", NULL, "" },
	/* sixteen bytes at a time: spaces at a block's edges, runs across them */
	{ "Children Missing Education Referral Form", "Children Missing Education Referral Form", "children missing education referral form" },
	{ "  Amy Smith lives at 14 Larkspur Close  ", "Amy Smith lives at 14 Larkspur Close", "amy smith lives at 14 larkspur close" },
	{ "0123456789abcde 0123456789abcde  x", "0123456789abcde 0123456789abcde x", "0123456789abcde 0123456789abcde x" },
	{ "0123456789abcdef 0123456789abcdef", "0123456789abcdef 0123456789abcdef", "0123456789abcdef 0123456789abcdef" },
	{ "0123456789abcde\n\n0123456789abcdef\r\nEnd.", "0123456789abcde 0123456789abcdef End.", "0123456789abcde 0123456789abcdef end" },
	{ "abc\tdef ghijklmnopqrstu vwx  ", "abc def ghijklmnopqrstu vwx", "abc def ghijklmnopqrstu vwx" },
	{ "               0123456789abcdefghij", "0123456789abcdefghij", "0123456789abcdefghij" },
	{ "Zo\u00eb Thornbury-Smith of Chatham,\u00a0Kent", "Zo\u00eb Thornbury-Smith of Chatham, Kent",
	  "zo\u00eb thornbury smith of chatham kent" },
	/* upper case beyond ASCII lowered; U+023A lowers to a longer U+2C65 */
	{ "CL\u00c9MENT D'\u00c1VILA", "CL\u00c9MENT D'\u00c1VILA", "cl\u00e9ment d\u00e1vila" },
	{ "\u023a\u023a\u023a\u023a", "\u023a\u023a\u023a\u023a", "\u2c65\u2c65\u2c65\u2c65" },
	{ "\u2018Not sure\u2019 \u2013 whereabouts\u200bunknown", "\u2018Not sure\u2019 \u2013 whereabouts unknown",
	  "not sure whereabouts unknown" },
};

static void test_fold(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fold_rows); i++) {
		g_autofree char *f = parse_fold(fold_rows[i].in);
		g_autofree char *w = parse_words(fold_rows[i].in);

		check_str("fold", i, fold_rows[i].in, f, fold_rows[i].fold);
		check_str("words", i, fold_rows[i].in, w, fold_rows[i].words);
	}
	assert_null(parse_fold(NULL));
	{
		g_autofree char *bad = parse_fold("a\xff\xfe b");   /* not UTF-8: skipped */

		assert_string_equal(bad, "a b");
	}
	{
		g_autofree char *bad = parse_words("Ame\xfflia \xc3");   /* skipped, not a break */

		assert_string_equal(bad, "amelia");
	}
}

static const struct { const char *in, *want; } tag_rows[] = {
	{ "Re: [CME-2026-000123] Referral received", "CME-2026-000123" },
	{ "[cme-2026-000045] alert", "CME-2026-000045" },
	{ "Case CME-2026-000007 update", "CME-2026-000007" },
	{ "CME-2026-0001234", NULL },
	{ "XCME-2026-000123", NULL },
	{ "CME-26-000123", NULL },
	{ "CME referral", NULL },
	{ "CME-2026-00012", NULL },
};

static void test_case_tag(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(tag_rows); i++) {
		g_autofree char *got = parse_case_tag_find(tag_rows[i].in);

		check_str("case tag", i, tag_rows[i].in, got, tag_rows[i].want);
	}
}

/* ---- labels and headings ---- */

static const struct {
	const char *label;
	enum parse_field field;
	enum parse_section section;
	int index;
} label_rows[] = {
	{ "First name", PARSE_F_FORENAME, PARSE_SECT_NONE, -1 },
	{ "Forename", PARSE_F_FORENAME, PARSE_SECT_NONE, -1 },
	{ "Given name", PARSE_F_FORENAME, PARSE_SECT_NONE, -1 },
	{ "*First name", PARSE_F_FORENAME, PARSE_SECT_NONE, -1 },
	{ "Child\u2019s surname*", PARSE_F_SURNAME, PARSE_SECT_CHILD, -1 },
	{ "Last name", PARSE_F_SURNAME, PARSE_SECT_NONE, -1 },
	{ "Family name", PARSE_F_SURNAME, PARSE_SECT_NONE, -1 },
	{ "D.O.B.", PARSE_F_DOB, PARSE_SECT_NONE, -1 },
	{ "DOB", PARSE_F_DOB, PARSE_SECT_NONE, -1 },
	{ "Date of birth (dd/mm/yyyy)", PARSE_F_DOB, PARSE_SECT_NONE, -1 },
	{ "1. Date of birth", PARSE_F_DOB, PARSE_SECT_NONE, -1 },
	{ "Gender", PARSE_F_SEX, PARSE_SECT_NONE, -1 },
	{ "Sex", PARSE_F_SEX, PARSE_SECT_NONE, -1 },
	{ "Unique Pupil Number", PARSE_F_UPN, PARSE_SECT_NONE, -1 },
	{ "UPN (if known)", PARSE_F_UPN, PARSE_SECT_NONE, -1 },
	{ "Former UPN", PARSE_F_FORMER_UPN, PARSE_SECT_NONE, -1 },
	{ "Previous UPN", PARSE_F_FORMER_UPN, PARSE_SECT_NONE, -1 },
	{ "Old UPN", PARSE_F_FORMER_UPN, PARSE_SECT_NONE, -1 },
	{ "Former unique pupil number", PARSE_F_FORMER_UPN, PARSE_SECT_NONE, -1 },
	{ "Pupil's former UPN", PARSE_F_FORMER_UPN, PARSE_SECT_CHILD, -1 },
	{ "Ethnicity", PARSE_F_ETHNICITY, PARSE_SECT_NONE, -1 },
	{ "EAL", PARSE_F_EAL, PARSE_SECT_NONE, -1 },
	{ "Free school meals (FSM)", PARSE_F_FSM, PARSE_SECT_NONE, -1 },
	{ "Is the child eligible for free school meals?", PARSE_F_FSM, PARSE_SECT_NONE, -1 },
	{ "SEN/EHCP", PARSE_F_SEN, PARSE_SECT_NONE, -1 },
	{ "EHCP", PARSE_F_EHCP, PARSE_SECT_NONE, -1 },
	{ "Current address", PARSE_F_ADDRESS, PARSE_SECT_NONE, -1 },
	{ "Home address", PARSE_F_ADDRESS, PARSE_SECT_NONE, -1 },
	{ "Last known address", PARSE_F_ADDRESS, PARSE_SECT_NONE, -1 },
	{ "Post code", PARSE_F_POSTCODE, PARSE_SECT_NONE, -1 },
	{ "School last attended", PARSE_F_SCHOOL, PARSE_SECT_SCHOOL, -1 },
	{ "Last known school", PARSE_F_SCHOOL, PARSE_SECT_SCHOOL, -1 },
	{ "Name of school", PARSE_F_SCHOOL, PARSE_SECT_SCHOOL, -1 },
	{ "Previous school", PARSE_F_SCHOOL, PARSE_SECT_PREV_SCHOOL, -1 },
	{ "DfE number", PARSE_F_LAESTAB, PARSE_SECT_NONE, -1 },
	{ "LA/ESTAB", PARSE_F_LAESTAB, PARSE_SECT_NONE, -1 },
	{ "Date of admission", PARSE_F_DATE_ON, PARSE_SECT_NONE, -1 },
	{ "Date on roll", PARSE_F_DATE_ON, PARSE_SECT_NONE, -1 },
	{ "Date left", PARSE_F_DATE_OFF, PARSE_SECT_NONE, -1 },
	{ "Date off roll", PARSE_F_DATE_OFF, PARSE_SECT_NONE, -1 },
	{ "Last day of attendance", PARSE_F_DATE_LAST, PARSE_SECT_NONE, -1 },
	{ "Date last attended", PARSE_F_DATE_LAST, PARSE_SECT_NONE, -1 },
	{ "Referrer name", PARSE_F_NAME, PARSE_SECT_REFERRER, -1 },
	{ "Referred by", PARSE_F_NAME, PARSE_SECT_REFERRER, -1 },
	{ "Your name", PARSE_F_NAME, PARSE_SECT_REFERRER, -1 },
	{ "Name of referrer", PARSE_F_NAME, PARSE_SECT_REFERRER, -1 },
	{ "Organisation/Agency", PARSE_F_ORG, PARSE_SECT_NONE, -1 },
	{ "Role", PARSE_F_ROLE, PARSE_SECT_NONE, -1 },
	{ "E-mail", PARSE_F_EMAIL, PARSE_SECT_NONE, -1 },
	{ "Telephone", PARSE_F_PHONE, PARSE_SECT_NONE, -1 },
	{ "Parent/carer 2 phone", PARSE_F_PHONE, PARSE_SECT_CARER, 1 },
	{ "Parent/Carer 1 Name", PARSE_F_NAME, PARSE_SECT_CARER, 0 },
	{ "Mother's name", PARSE_F_NAME, PARSE_SECT_CARER, -1 },
	{ "Relationship to child", PARSE_F_RELATIONSHIP, PARSE_SECT_NONE, -1 },
	{ "Does this person have parental responsibility?", PARSE_F_PR, PARSE_SECT_CARER, -1 },
	{ "New address", PARSE_F_ADDRESS, PARSE_SECT_DEST, -1 },
	{ "Destination school", PARSE_F_SCHOOL, PARSE_SECT_DEST, -1 },
	{ "Reason for leaving", PARSE_F_REASON, PARSE_SECT_NONE, -1 },
	{ "Siblings", PARSE_F_SIBLINGS, PARSE_SECT_NONE, -1 },
	{ "Sibling 2 name", PARSE_F_NAME, PARSE_SECT_SIBLING, 1 },
	{ "Safeguarding concerns", PARSE_F_CONCERNS, PARSE_SECT_NONE, -1 },
	{ "Risk factors", PARSE_F_CONCERNS, PARSE_SECT_NONE, -1 },
	{ "Child protection plan", PARSE_F_RISK, PARSE_SECT_NONE, -1 },
	{ "Is the child subject to a child protection plan?", PARSE_F_RISK, PARSE_SECT_NONE, -1 },
	{ "CSE concerns", PARSE_F_RISK, PARSE_SECT_NONE, -1 },
	{ "LAC", PARSE_F_RISK, PARSE_SECT_NONE, -1 },
	{ "Is the child's whereabouts known?", PARSE_F_WHEREABOUTS, PARSE_SECT_NONE, -1 },
	{ "Name (child)", PARSE_F_NAME, PARSE_SECT_CHILD, -1 },
	{ "Name (parent)", PARSE_F_NAME, PARSE_SECT_CARER, -1 },
	{ "Favourite colour", PARSE_F_NONE, PARSE_SECT_NONE, -1 },
	{ "Sent", PARSE_F_NONE, PARSE_SECT_NONE, -1 },
	{ "", PARSE_F_NONE, PARSE_SECT_NONE, -1 },
};

static void test_labels(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(label_rows); i++) {
		struct parse_label info;

		parse_label_classify(label_rows[i].label, &info);
		check_int("label field", i, label_rows[i].label, info.field, label_rows[i].field);
		check_int("label section", i, label_rows[i].label, info.section,
			  label_rows[i].section);
		check_int("label index", i, label_rows[i].label, info.index, label_rows[i].index);
	}
}

static const struct {
	const char *heading;
	enum parse_section section;
	int index;
	const char *rel;
} heading_rows[] = {
	{ "Child details", PARSE_SECT_CHILD, -1, NULL },
	{ "About the child", PARSE_SECT_CHILD, -1, NULL },
	{ "Parent/carer 1", PARSE_SECT_CARER, 0, NULL },
	{ "Parent / Carer 2", PARSE_SECT_CARER, 1, NULL },
	{ "Second parent/carer", PARSE_SECT_CARER, 1, NULL },
	{ "Mother", PARSE_SECT_CARER, -1, "Mother" },
	{ "Father's details", PARSE_SECT_CARER, -1, "Father" },
	{ "Referrer details", PARSE_SECT_REFERRER, -1, NULL },
	{ "Details of person making the referral", PARSE_SECT_REFERRER, -1, NULL },
	{ "Your details", PARSE_SECT_REFERRER, -1, NULL },
	{ "Last known school", PARSE_SECT_SCHOOL, -1, NULL },
	{ "School details", PARSE_SECT_SCHOOL, -1, NULL },
	{ "Previous school", PARSE_SECT_PREV_SCHOOL, -1, NULL },
	{ "Destination", PARSE_SECT_DEST, -1, NULL },
	{ "Siblings", PARSE_SECT_SIBLING, -1, NULL },
	{ "Risk assessment", PARSE_SECT_RISK, -1, NULL },
	{ "Safeguarding", PARSE_SECT_RISK, -1, NULL },
	{ "Children Missing Education Referral Form", PARSE_SECT_CHILD, -1, NULL },
	{ "Kind regards", PARSE_SECT_NONE, -1, NULL },
	{ "The parent said that the family would move away soon", PARSE_SECT_NONE, -1, NULL },
};

static void test_headings(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(heading_rows); i++) {
		int index;
		const char *rel;
		enum parse_section s = parse_heading_classify(heading_rows[i].heading, &index, &rel);

		check_int("heading section", i, heading_rows[i].heading, s, heading_rows[i].section);
		check_int("heading index", i, heading_rows[i].heading, index, heading_rows[i].index);
		check_str("heading rel", i, heading_rows[i].heading, rel, heading_rows[i].rel);
	}
}

/* ---- risk ---- */

static int cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* factors_joined - the factors found, sorted, joined by "," */
static char *factors_joined(const char *text, bool label)
{
	struct parse_risk_hit hits[PARSE_RISK_MAX];
	size_t n = parse_risk_scan(text, label, hits);
	const char *names[PARSE_RISK_MAX + 1];

	for (size_t i = 0; i < n; i++)
		names[i] = hits[i].factor;
	qsort(names, n, sizeof names[0], cmp_str);
	names[n] = NULL;
	return g_strjoinv(",", (char **)names);
}

static const struct { const char *text; bool label; const char *want; } risk_rows[] = {
	{ "county lines involvement suspected", false, "criminal_exploitation" },
	{ "Concerns about FGM", false, "fgm" },
	{ "risk of forced marriage", false, "forced_marriage" },
	{ "Family are Irish Travellers", false, "grt" },
	{ "recently claimed asylum", false, "refugee_asylum" },
	{ "history of domestic abuse; mother in a refuge", false, "domestic_abuse,homeless" },
	{ "Amy is a young carer for her mum", false, "young_carer" },
	{ "refugee family", false, "refugee_asylum" },
	{ "missing from home twice in January", false, "missing_episodes" },
	{ "no safeguarding concerns", false, "" },
	{ "No known CSE or county lines concerns", false, "" },
	{ "There are no concerns about FGM", false, "" },
	{ "no concerns, but county lines suspected", false, "criminal_exploitation" },
	{ "no CSE concerns and known to YOT", false, "youth_justice" },
	{ "safeguarding concerns raised by school", false, "safeguarding_concern" },
	{ "not sure whether CSE is a factor", false, "cse" },
	{ "toxic trio", false, "domestic_abuse,parental_needs" },
	{ "temporary accommodation", false, "homeless" },
	{ "CP", false, "" },                   /* short codes count only in labels */
	{ "CP", true, "cp_plan" },
	{ "LAC", true, "looked_after" },
	{ "Child protection plan", true, "cp_plan" },
	{ "Child in need plan", true, "cin_plan" },
	{ "Looked after child", true, "looked_after" },
	{ "Domestic abuse / parental mental health", true, "domestic_abuse,parental_needs" },
	{ "Favourite colour", true, "" },
	{ "", false, "" },
};

static void test_risk_scan(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(risk_rows); i++) {
		g_autofree char *got = factors_joined(risk_rows[i].text, risk_rows[i].label);

		check_str("risk", i, risk_rows[i].text, got, risk_rows[i].want);
	}
}

/* risk questions and free text, through a record */
static const struct {
	const char *label, *value;
	bool question;           /* else free text; CONCERNS says which */
	bool concerns;
	const char *factors, *unsure;
} answer_rows[] = {
	{ "Child protection plan", "Yes", true, false, "cp_plan", "" },
	{ "Child protection plan", "No", true, false, "", "" },
	{ "Child protection plan", "Not sure", true, false, "cp_plan", "cp_plan" },
	{ "Looked after", "Don't know", true, false, "looked_after", "looked_after" },
	{ "CSE concerns", "N/A", true, false, "", "" },
	{ "Looked after", "Yes (Kent)", true, false, "looked_after", "" },
	{ "Missing episodes", "2 in the last year", true, false, "missing_episodes", "" },
	{ "Looked after", "No, but county lines concerns", true, false,
	  "criminal_exploitation", "" },
	{ "Looked after", "\u2610 Yes \u2612 No", true, false, "", "" },
	{ "Looked after", "\u2610 Yes \u2610 No", true, false, "", "" },
	{ "Looked after", "\u2612 Yes \u2610 No", true, false, "looked_after", "" },
	{ NULL, "Yes", false, true, "safeguarding_concern", "" },
	{ NULL, "No", false, true, "", "" },
	{ NULL, "None known", false, true, "", "" },
	{ NULL, "There are no safeguarding concerns", false, true, "", "" },
	{ NULL, "Mum is struggling and the family is isolated", false, true,
	  "safeguarding_concern", "" },
	{ NULL, "Not sure", false, true, "safeguarding_concern", "safeguarding_concern" },
	{ NULL, "Known to YOT", false, true, "youth_justice", "" },
	{ NULL, "Mum is struggling", false, false, "", "" },
	{ NULL, "Refugee family, young carer", false, false, "refugee_asylum,young_carer", "" },
};

static void test_risk_answers(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(answer_rows); i++) {
		struct parse_record *r = parse_record_new();
		g_autoptr(GPtrArray) unsure = g_ptr_array_new();
		g_autofree char *got = NULL, *got_unsure = NULL;

		if (answer_rows[i].question)
			parse_risk_question(r, unsure, answer_rows[i].label, answer_rows[i].value);
		else
			parse_risk_free_text(r, unsure, answer_rows[i].value, answer_rows[i].concerns);
		g_ptr_array_add(r->risk.factors, NULL);
		got = g_strjoinv(",", (char **)r->risk.factors->pdata);
		g_ptr_array_remove_index(r->risk.factors, r->risk.factors->len - 1);
		g_ptr_array_add(unsure, NULL);
		got_unsure = g_strjoinv(",", (char **)unsure->pdata);
		check_str("answer factors", i, answer_rows[i].value, got, answer_rows[i].factors);
		check_str("answer unsure", i, answer_rows[i].value, got_unsure, answer_rows[i].unsure);
		parse_record_free(r);
	}
}

static const struct { const char *text; bool want; } whereabouts_rows[] = {
	{ "Whereabouts unknown", true },
	{ "The family's whereabouts are not known.", true },
	{ "Family gone with no forwarding address", true },
	{ "moved without leaving a forwarding address", true },
	{ "Current address unknown", true },
	{ "We have been unable to locate the family", true },
	{ "Whereabouts known: staying with aunt", false },
	{ "Family moved to Poland", false },
};

static void test_whereabouts(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(whereabouts_rows); i++)
		check_int("whereabouts", i, whereabouts_rows[i].text,
			  parse_whereabouts_unknown(whereabouts_rows[i].text),
			  whereabouts_rows[i].want);
}

/* ---- grounds and roles ---- */

static const struct { const char *text, *want; } ground_rows[] = {
	{ "Moved abroad - family relocated to Poland", "moved_away" },
	{ "Registered at another school", "registered_elsewhere" },
	{ "Parent has elected to home educate - EHE", "home_education" },
	{ "Elective home education", "home_education" },
	{ "Did not return after leave of absence", "not_returned_from_leave" },
	{ "20 school days continuous absence, not located", "absent_20_days" },
	{ "Permanently excluded", "permanently_excluded" },
	{ "Pupil died", "died" },
	{ "Ceased to be of compulsory school age", "ceased_compulsory_age" },
	{ "Custody", "custody" },
	{ "Medically unfit to attend", "medical" },
	{ "Dual registration ended", "dual_registration_ended" },
	{ "Nursery pupil not moving to reception", "nursery_not_continuing" },
	{ "School attendance order revoked", "sao_revoked" },
	{ "Parent request", "other" },
};

static void test_grounds(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(ground_rows); i++)
		check_str("ground", i, ground_rows[i].text, parse_deletion_ground(ground_rows[i].text),
			  ground_rows[i].want);
	assert_null(parse_deletion_ground(""));
}

static const struct { const char *text, *want; } role_rows[] = {
	{ "Designated Safeguarding Lead", "school" },
	{ "Headteacher", "school" },
	{ "SENCo", "school" },
	{ "School nurse", "health" },
	{ "Health Visitor", "health" },
	{ "PC 1234", "police" },
	{ "Police Community Support Officer", "police" },
	{ "Social Worker", "social_care" },
	{ "Children's Social Care", "social_care" },
	{ "Education Welfare Officer", "local_authority" },
	{ "CME Officer", "local_authority" },
	{ "Example County Council", "local_authority" },
	{ "Oakfield Primary School", "school" },
	{ "Riverside Academy", "school" },
	{ "Neighbour", "public" },
	{ "Grandmother", "public" },
	{ "Attendance Officer", NULL },
	{ "", NULL },
};

static void test_roles(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(role_rows); i++)
		check_str("role", i, role_rows[i].text, parse_role_from_words(role_rows[i].text),
			  role_rows[i].want);
}

static const struct { const char *email, *want; } domain_rows[] = {
	{ "office@oakfield-primary.sch.test", "school" },
	{ "head@riverside-academy.example.org", "school" },
	{ "hv@parkside-surgery.nhs.test", "health" },
	{ "jo@nhs.test", "health" },
	{ "pc1234@kent.police.test", "police" },
	{ "jo@example.org", NULL },
	{ "not an address", NULL },
	{ "Office@HILLSIDE-SCHOOL.Example.ORG", "school" },
	{ "jo@police.example.org", "police" },
	{ "jo@force.PNN.test", "police" },
	{ "jo@a..NHS", "health" },
	{ "jo@schnhs.test", NULL },
	{ "jo@policeacademy.test", "school" },
	{ "jo@acade.my", NULL },
	{ "jo@", NULL },
};

static void test_role_domains(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(domain_rows); i++)
		check_str("domain role", i, domain_rows[i].email,
			  parse_role_from_domain(domain_rows[i].email), domain_rows[i].want);
}

/* ---- whole messages ---- */

#define HDR(from, subject) "From: " from "\nTo: cme@council.example.org\nSubject: " subject \
	"\nDate: Wed, 4 Mar 2026 09:12:00 +0000\nMessage-ID: <t@example.org>\nMIME-Version: 1.0\n"
#define TEXT "Content-Type: text/plain; charset=utf-8\n\n"
#define FORM "Child's name: Amy Smith\nDate of birth: 03/04/2015\n"
/* a CTF attachment whose pupil's BasicDetails hold FORMER */
#define CTF_FORMER(former) "Content-Type: multipart/mixed; boundary=b\n\n--b\n" TEXT \
	"CTF attached.\n--b\nContent-Type: application/xml; name=\"8872345_CTF_887LLLL_001.XML\"\n" \
	"Content-Disposition: attachment; filename=\"8872345_CTF_887LLLL_001.XML\"\n\n" \
	"<?xml version=\"1.0\"?><CTfile><Header><DocumentName>Common Transfer File</DocumentName>" \
	"<SourceSchool><LEA>887</LEA><Estab>2345</Estab></SourceSchool></Header><CTFpupilData>" \
	"<Pupil><UPN>H801200001001</UPN><Surname>Smith</Surname><Forename>Amy</Forename>" \
	"<DOB>2015-04-03</DOB><BasicDetails>" former "</BasicDetails></Pupil></CTFpupilData>" \
	"</CTfile>\n--b--\n"
/* a CTF whose declaration names ENC, its pupil's surname SURNAME in the
 * bytes the school's system wrote (8bit, no MIME charset) */
#define CTF_DECLARED(enc, surname) "Content-Type: multipart/mixed; boundary=b\n\n--b\n" TEXT \
	"CTF attached.\n--b\nContent-Type: application/xml; name=\"8872345_CTF_887LLLL_001.XML\"\n" \
	"Content-Transfer-Encoding: 8bit\n" \
	"Content-Disposition: attachment; filename=\"8872345_CTF_887LLLL_001.XML\"\n\n" \
	"<?xml version=\"1.0\" encoding=\"" enc "\"?><CTfile><Header><DocumentName>Common " \
	"Transfer File</DocumentName></Header><CTFpupilData><Pupil><UPN>H801200001001</UPN>" \
	"<Surname>" surname "</Surname><Forename>Amy</Forename><DOB>2015-04-03</DOB></Pupil>" \
	"</CTFpupilData></CTfile>\n--b--\n"

static const struct {
	const char *msg;
	enum parse_kind kind;
	const char *case_ref;
	bool auto_submitted;
} kind_rows[] = {
	{ HDR("jo@example.org", "CME referral") TEXT FORM, PARSE_KIND_REFERRAL, NULL, false },
	{ HDR("jo@example.org", "Concern") TEXT FORM, PARSE_KIND_REFERRAL, NULL, false },
	{ HDR("jo@example.org", "Hello") TEXT "Child's name: Amy Smith\n", PARSE_KIND_UNKNOWN,
	  NULL, false },
	{ HDR("jo@example.org", "Lunch on Friday?") TEXT "See you there.\n", PARSE_KIND_UNKNOWN,
	  NULL, false },
	{ HDR("jo@example.org", "Pupil leaver notification") TEXT FORM, PARSE_KIND_OFF_ROLL,
	  NULL, false },
	{ HDR("jo@example.org", "Notification of deletion from roll") TEXT FORM,
	  PARSE_KIND_OFF_ROLL, NULL, false },
	{ HDR("jo@example.org", "EHE notification") TEXT FORM, PARSE_KIND_OFF_ROLL, NULL, false },
	{ HDR("jo@example.org", "New pupil notification") TEXT FORM, PARSE_KIND_ON_ROLL, NULL,
	  false },
	{ HDR("jo@example.org", "Starters and leavers") TEXT FORM "Date off roll: 01/03/2026\n",
	  PARSE_KIND_OFF_ROLL, NULL, false },
	{ HDR("jo@example.org", "Starters and leavers") TEXT FORM "Date on roll: 01/03/2026\n",
	  PARSE_KIND_ON_ROLL, NULL, false },
	{ HDR("jo@example.org", "Leaver - CME referral") TEXT FORM, PARSE_KIND_REFERRAL, NULL,
	  false },
	{ HDR("jo@example.org", "Re: [CME-2026-000123] Referral received") TEXT "Thanks.\n",
	  PARSE_KIND_REPLY, "CME-2026-000123", false },
	{ HDR("jo@example.org", "[CME-2026-000123] Referral received") TEXT FORM,
	  PARSE_KIND_REPLY, "CME-2026-000123", false },
	{ HDR("jo@example.org", "Update") "In-Reply-To: <CME-2026-000077.x@example.org>\n" TEXT
	  "Thanks.\n", PARSE_KIND_REPLY, "CME-2026-000077", false },
	{ HDR("jo@example.org", "Automatic reply: [CME-2026-000123] Referral")
	  "Auto-Submitted: auto-replied\n" TEXT "Away.\n", PARSE_KIND_AUTO_REPLY,
	  "CME-2026-000123", true },
	{ HDR("jo@example.org", "Away") "Auto-Submitted: auto-generated\n" TEXT "Away.\n",
	  PARSE_KIND_AUTO_REPLY, NULL, true },
	/* an e-form server's notice about a child is read, never answered */
	{ HDR("forms@example.net", "CME referral") "Auto-Submitted: auto-generated\n" TEXT FORM,
	  PARSE_KIND_REFERRAL, NULL, true },
	{ HDR("jo@example.org", "Hello") "Auto-Submitted: no\n" TEXT "Hi.\n", PARSE_KIND_UNKNOWN,
	  NULL, false },
	{ HDR("jo@example.org", "Away") "X-Autoreply: yes\n" TEXT "Away.\n", PARSE_KIND_AUTO_REPLY,
	  NULL, true },
	{ HDR("jo@example.org", "Out of Office: CME referral") "X-Auto-Response-Suppress: All\n"
	  TEXT "Away.\n", PARSE_KIND_AUTO_REPLY, NULL, true },
	{ HDR("jo@example.org", "Out of office") "Precedence: bulk\n" TEXT "Away.\n",
	  PARSE_KIND_AUTO_REPLY, NULL, true },
	{ HDR("jo@example.org", "Out of office") TEXT "Away.\n", PARSE_KIND_UNKNOWN, NULL, false },
	{ HDR("jo@example.org", "CME referral") "Precedence: junk\n" TEXT FORM,
	  PARSE_KIND_REFERRAL, NULL, true },
	{ HDR("jo@example.org", "News") "Precedence: list\n" TEXT "News.\n", PARSE_KIND_UNKNOWN,
	  NULL, true },
	{ HDR("postmaster@mx.example.net", "Undeliverable: [CME-2026-000009] Alert") TEXT
	  "Your message could not be delivered.\n", PARSE_KIND_BOUNCE, "CME-2026-000009", true },
	{ HDR("MAILER-DAEMON@mx.example.net", "Hello") TEXT "Hi.\n", PARSE_KIND_UNKNOWN, NULL,
	  false },
	{ HDR("mailer-daemon@mx.example.net", "Mail delivery failed") "Auto-Submitted: auto-replied\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
	  "--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\n"
	  "Action: failed\n--b\nContent-Type: message/rfc822\n\nSubject: [CME-2026-000010] Alert\n\n"
	  "body\n--b--\n", PARSE_KIND_BOUNCE, "CME-2026-000010", true },
};

static void test_kinds(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kind_rows); i++) {
		GError *error = NULL;
		struct parse_record *r = parse_message(kind_rows[i].msg, strlen(kind_rows[i].msg),
						       NULL, &error);

		if (r == NULL)
			fail_msg("kind row %zu: %s", i, error->message);
		check_str("kind", i, r->message.subject, parse_kind_name(r->kind),
			  parse_kind_name(kind_rows[i].kind));
		check_str("case_ref", i, r->message.subject, r->case_ref, kind_rows[i].case_ref);
		check_int("auto_submitted", i, r->message.subject, r->auto_submitted,
			  kind_rows[i].auto_submitted);
		if (r->kind == PARSE_KIND_BOUNCE || r->kind == PARSE_KIND_AUTO_REPLY) {
			check_str("referrer", i, r->message.subject, r->referrer.email, NULL);
			check_int("fields_found", i, r->message.subject, r->fields_found, 0);
		}
		parse_record_free(r);
	}
}

/* json_at - the value at PATH ("child.dob", "carers.1.phone", "carers#" for a
 * length, "risk.factors" joined by ","), as text; NULL for JSON null */
static char *json_at(JsonNode *root, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, ".", 0);
	JsonNode *n = root;

	for (char **p = parts; *p != NULL && n != NULL; p++) {
		size_t len = strlen(*p);
		bool count = len > 0 && (*p)[len - 1] == '#';

		if (count)
			(*p)[len - 1] = '\0';
		if (JSON_NODE_HOLDS_OBJECT(n))
			n = json_object_get_member(json_node_get_object(n), *p);
		else if (JSON_NODE_HOLDS_ARRAY(n)) {
			JsonArray *a = json_node_get_array(n);
			guint idx = (guint)atoi(*p);

			n = idx < json_array_get_length(a) ? json_array_get_element(a, idx) : NULL;
		} else {
			n = NULL;
		}
		if (count)
			return n != NULL ? g_strdup_printf("%u", json_array_get_length(
								 json_node_get_array(n))) : NULL;
	}
	if (n == NULL)
		return g_strdup("<missing>");
	if (JSON_NODE_HOLDS_NULL(n))
		return NULL;
	if (JSON_NODE_HOLDS_ARRAY(n)) {
		JsonArray *a = json_node_get_array(n);
		GString *s = g_string_new(NULL);

		for (guint i = 0; i < json_array_get_length(a); i++) {
			JsonNode *e = json_array_get_element(a, i);

			g_string_append_printf(s, "%s%s", i > 0 ? "," : "",
					       JSON_NODE_HOLDS_VALUE(e) ? json_node_get_string(e) : "{}");
		}
		return g_string_free(s, FALSE);
	}
	if (json_node_get_value_type(n) == G_TYPE_BOOLEAN)
		return g_strdup(json_node_get_boolean(n) ? "true" : "false");
	return g_strdup(json_node_get_string(n));
}

static const struct { const char *msg, *path, *want; } field_rows[] = {
	/* continuation lines of an address, postcode split out of it */
	{ HDR("jo@example.org", "CME referral") TEXT FORM
	  "Address: 12 Example Road\n   Chatham\n   Kent ME4 4TR\n", "address.text",
	  "12 Example Road, Chatham, Kent" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM
	  "Address: 12 Example Road\n   Chatham\n   Kent ME4 4TR\n", "address.postcode", "ME4 4TR" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM
	  "Address:\n12 Example Road\nChatham\n\nPostcode: me4 4tr\n", "address.text",
	  "12 Example Road, Chatham" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Address line 1: 12 Example Road\n"
	  "Town: Chatham\nPostcode: ME44TR\n", "address.text", "12 Example Road, Chatham" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Address: 12 Example Road ME4 4TR\n"
	  "Postcode: ME4 4TR\n", "address.text", "12 Example Road" },
	/* label tolerance */
	{ HDR("jo@example.org", "CME referral") TEXT "*Forename*: Amy\n**Surname:** Smith\n"
	  "D.O.B: 3.4.2015\n", "child.surname", "Smith" },
	{ HDR("jo@example.org", "CME referral") TEXT "- FIRST NAME: Amy\n- Last Name: Smith\n",
	  "child.forename", "Amy" },
	{ HDR("jo@example.org", "CME referral") TEXT "Name: SMITH, Amy Jane\n", "child.middle_names",
	  "Jane" },
	{ HDR("jo@example.org", "CME referral") TEXT "Name: SMITH, Amy Jane\n", "child.surname",
	  "SMITH" },
	{ HDR("jo@example.org", "CME referral") TEXT "Name: Amy Smith (known as Millie)\n",
	  "child.preferred_name", "Millie" },
	{ HDR("jo@example.org", "CME referral") TEXT "Name: Amy Smith (known as Millie)\n",
	  "child.surname", "Smith" },
	{ HDR("jo@example.org", "CME referral") TEXT "First name\tAmy\nSurname\tSmith\n",
	  "child.surname", "Smith" },
	{ HDR("jo@example.org", "CME referral") TEXT "Date of birth:\n03/04/2015\n", "child.dob",
	  "2015-04-03" },
	{ HDR("jo@example.org", "CME referral") TEXT "Section 1: Child details\nName: Amy Smith\n"
	  "Section 2: Parent/carer\nName: Jo Smith\n", "carers.0.name", "Jo Smith" },
	/* repeated labels under headings */
	{ HDR("jo@example.org", "CME referral") TEXT FORM "\nParent/carer details\nName: Jo Smith\n"
	  "Phone: 07700 900412\nName: Sam Smith\nPhone: 07700 900413\n", "carers.1.phone",
	  "07700900413" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "\nMother\nName: Jo Smith\n\nFather\n"
	  "Name: Sam Smith\n", "carers.1.relationship", "Father" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Mother's name: Jo Smith\n"
	  "Mother's phone: 07700 900412\nFather's name: Sam Smith\n", "carers#", "2" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Parent/carer 2 name: Sam Smith\n"
	  "Parent/carer 1 name: Jo Smith\nParent/carer 2 phone: 07700 900413\n", "carers.0.phone",
	  "07700900413" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Parent/carer name: Jo Smith\n"
	  "Parental responsibility: No\n", "carers.0.parental_responsibility", "false" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Contact number: 07700 900412\n\n"
	  "Parent/carer 1\nName: Jo Smith\n", "carers#", "1" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Contact number: 07700 900412\n\n"
	  "Parent/carer 1\nName: Jo Smith\n", "carers.0.phone", "07700900412" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Mother: Jo Smith, 07700 900412\n",
	  "carers.0.phone", "07700900412" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Referrer: Sam Reed, Head of Year\n",
	  "referrer.role", "school" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Referrer: Sam Reed, Head of Year\n",
	  "referrer.name", "Sam Reed" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Siblings: Tom Smith 12/05/2012, "
	  "Lily Smith (DOB 01/09/2018) and Ben Smith\n", "siblings#", "3" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Siblings: Tom Smith 12/05/2012, "
	  "Lily Smith (DOB 01/09/2018) and Ben Smith\n", "siblings.1.dob", "2018-09-01" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Siblings: None\n", "siblings#", "0" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "\nSiblings\nName: Tom Smith\n"
	  "Date of birth: 31/02/2012\n", "issues.0.field", "siblings.0.dob" },
	/* issue paths */
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Parent/carer 2 phone: 12345\n",
	  "issues.0.field", "carers.0.phone" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "LAESTAB: 88/12345\n", "school.laestab",
	  "88/12345" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "LAESTAB: 88/12345\n", "issues.0.field",
	  "school.laestab" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "UPN: UN2\n", "issues#", "0" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "UPN: h801 2000 0100 1\n", "child.upn",
	  "H801200001001" },
	/* school, previous school and destination */
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Previous school: Hill School\n",
	  "school.name", "Hill School" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "School: Oak School\n"
	  "Previous school: Hill School\n", "previous_school.name", "Hill School" },
	{ HDR("jo@example.org", "Leaver notification") TEXT FORM "Reason for leaving: Elective "
	  "home education\n", "deletion.ground", "home_education" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Reason for leaving: Elective "
	  "home education\n", "deletion.ground", NULL },
	{ HDR("jo@example.org", "EHE notification") TEXT FORM, "deletion.ground", "home_education" },
	{ HDR("jo@example.org", "Leaver notification") TEXT FORM "Destination country: UK\n",
	  "destination.country", NULL },
	{ HDR("jo@example.org", "Leaver notification") TEXT FORM "Moving to: Lisbon, Portugal\n",
	  "destination.country", "Portugal" },
	{ HDR("jo@example.org", "Leaver notification") TEXT FORM "New address: 1 High St\n"
	  "New postcode: zz1\n", "issues.0.field", "destination.postcode" },
	{ HDR("jo@example.org", "Leaver notification") TEXT FORM "New address: 1 High St, "
	  "Rochester ME1 1AA\n", "destination.postcode", "ME1 1AA" },
	/* tri-states, sen and risk */
	{ HDR("jo@example.org", "CME referral") TEXT FORM "First language: Polish\n", "child.eal",
	  "true" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Home language: English\n", "child.eal",
	  "false" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "EAL: Unknown\n", "child.eal", NULL },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "EAL: Polish\n", "child.eal", "true" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "EHCP: Yes\n", "child.sen", "ehcp" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "EHCP: Yes\n", "risk.factors", "sen" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "SEN: None\n", "risk.factors", "" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Child protection plan: Yes\n"
	  "CSE: Not sure\nSafeguarding concerns: Yes\n", "risk.factors", "cp_plan,cse" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Child protection plan: Yes\n"
	  "CSE: Not sure\n", "risk.notes", "not sure: cse" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Safeguarding concerns: no safeguarding "
	  "concerns\n", "risk.factors", "" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Safeguarding concerns: Yes\n",
	  "risk.factors", "safeguarding_concern" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Any other information: Family are "
	  "travellers and\n  the children are young carers\n", "risk.factors", "grt,young_carer" },
	/* the referrer */
	{ HDR("Jo Bloggs <Jo@Example.org>", "CME referral") TEXT FORM, "referrer.email",
	  "jo@example.org" },
	{ HDR("Jo Bloggs <Jo@Example.org>", "CME referral") TEXT FORM, "referrer.name",
	  "Jo Bloggs" },
	{ HDR("Office <office@hill.sch.test>", "CME referral") TEXT FORM, "referrer.role", "school" },
	{ HDR("PC Jones <pc@kent.police.test>", "CME referral") TEXT FORM, "referrer.role",
	  "police" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Referrer: Sam Reed\nRole: Neighbour\n",
	  "referrer.role", "public" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Referrer: Sam Reed\nRole: Volunteer\n",
	  "referrer.role", "other" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Referrer: Sam Reed\n"
	  "Organisation: Oak Academy\n", "referrer.role", "school" },
	{ HDR("Sam Reed <sam@example.org>", "CME referral") TEXT FORM "Referrer: Sam Reed\n",
	  "referrer.email", "sam@example.org" },
	{ HDR("Office <office@example.org>", "CME referral") TEXT FORM "Referrer: Sam Reed\n",
	  "referrer.email", NULL },
	{ HDR("Admin <admin@example.org>", "Fwd: concern") TEXT "See below.\n\n"
	  "---------- Forwarded message ---------\nFrom: Sue Field <sue.field@example.net>\n"
	  "Date: Mon, 2 Mar 2026\nSubject: worried\n\n" FORM, "referrer.email",
	  "sue.field@example.net" },
	{ HDR("Admin <admin@example.org>", "Fwd: concern") TEXT "See below.\n\n"
	  "---------- Forwarded message ---------\nFrom: Sue Field <sue.field@example.net>\n\n"
	  FORM, "referrer.name", "Sue Field" },
	{ HDR("Admin <admin@example.org>", "Fwd: concern") "Content-Type: multipart/mixed; "
	  "boundary=m\n\n--m\nContent-Type: text/plain\n\nSee attached.\n--m\n"
	  "Content-Type: message/rfc822\n\nFrom: Sue Field <sue.field@example.net>\n"
	  "Subject: worried\n\n" FORM "\n--m--\n", "referrer.email", "sue.field@example.net" },
	/* message fields */
	{ "From: \"Bloggs, Jo\" <JO@EXAMPLE.ORG>\nSubject: =?utf-8?q?Caf=C3=A9?=\n  meeting\n"
	  "Date: Tue, 3 Mar 2026 17:30:00 -0500\nMessage-ID: <abc.123@example.org>\n\nhi\n",
	  "message.date", "2026-03-03T17:30:00-05:00" },
	{ "From: \"Bloggs, Jo\" <JO@EXAMPLE.ORG>\nSubject: =?utf-8?q?Caf=C3=A9?=\n  meeting\n"
	  "Date: Tue, 3 Mar 2026 17:30:00 -0500\nMessage-ID: <abc.123@example.org>\n\nhi\n",
	  "message.subject", "Caf\u00e9 meeting" },
	{ "From: \"Bloggs, Jo\" <JO@EXAMPLE.ORG>\nSubject: x\n\nhi\n", "message.from",
	  "jo@example.org" },
	{ "From: \"Bloggs, Jo\" <JO@EXAMPLE.ORG>\nMessage-ID: <abc.123@example.org>\n\nhi\n",
	  "message.message_id", "abc.123@example.org" },
	{ "From: jo@example.org\nDate: not a date\n\nhi\n", "message.date", NULL },
	/* HTML */
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/html\n\n<table>"
	  "<tr><th>First name</th><td>Amy</td></tr><tr><td>Surname:</td><td>Smith</td></tr>"
	  "<tr><td colspan=2><b>Parent/carer 1</b></td></tr><tr><td>Name</td><td>Jo Smith</td></tr>"
	  "</table>", "carers.0.name", "Jo Smith" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/html\n\n<table>"
	  "<tr><td>Address</td><td>12 Example Road<br/>Chatham<br>ME4 4TR</td></tr></table>",
	  "address.text", "12 Example Road, Chatham" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/html\n\n<table>"
	  "<tr><td>Address</td><td>12 Example Road</td></tr><tr><td></td><td>Chatham</td></tr>"
	  "</table>", "address.text", "12 Example Road, Chatham" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/html\n\n<table>"
	  "<tr><td>Forename</td><td>Amy</td><td>Surname</td><td>Smith</td></tr></table>",
	  "child.surname", "Smith" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/html\n\n<table><tr><td>"
	  "<table><tr><td>Surname</td><td>Smith</td></tr></table></td></tr></table>",
	  "child.surname", "Smith" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/html\n\n<p>Surname: Smith<br>"
	  "\nForename: Amy</p><dl><dt>Date of birth</dt><dd>03/04/2015</dd></dl>", "child.dob",
	  "2015-04-03" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/html\n\n<h3>Referrer</h3>"
	  "<p>Name: Sam Reed</p>", "referrer.name", "Sam Reed" },
	{ HDR("jo@example.org", "Re: [CME-2026-000001] x") "Content-Type: text/html\n\n"
	  "<p>New school: Oak Academy</p><blockquote><p>School: Old School</p></blockquote>",
	  "school.name", NULL },
	/* the alternative with more fields wins */
	{ HDR("jo@example.org", "CME referral") "Content-Type: multipart/alternative; boundary=z\n\n"
	  "--z\nContent-Type: text/plain\n\nChild: Amy Smith\n--z\nContent-Type: text/html\n\n"
	  "<table><tr><td>Forename</td><td>Amy</td></tr><tr><td>Surname</td><td>Smith</td></tr>"
	  "<tr><td>DOB</td><td>03/04/2015</td></tr></table>\n--z--\n", "child.dob", "2015-04-03" },
	/* charsets and encodings */
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/plain; charset=iso-8859-1\n"
	  "Content-Transfer-Encoding: quoted-printable\n\nForename: Zo=EB\n", "child.forename",
	  "Zo\u00eb" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/plain\n\nForename: Zo\xeb\n",
	  "child.forename", "Zo\u00eb" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: base64\n\nRm9yZW5hbWU6IEFteQo=\n", "child.forename", "Amy" },
	/* headers: Windows-1252 read as Latin-1 (C1 controls) put right, any
	 * bytes made valid, the sender's address in lower case */
	{ "From: \"Jo \xc2\x96 Smith\" <Jo.Smith@Example.ORG>\nSubject: Referral \xc2\x96 Amy\n"
	  "\nHello\n", "message.subject", "Referral \u2013 Amy" },
	{ "From: \"Jo \xc2\x96 Smith\" <Jo.Smith@Example.ORG>\nSubject: x\n\nHello\n",
	  "referrer.name", "Jo \u2013 Smith" },
	{ "From: \"Jo \xc2\x96 Smith\" <Jo.Smith@Example.ORG>\nSubject: x\n\nHello\n",
	  "message.from", "jo.smith@example.org" },
	{ "From: jo@example.org\nSubject: x\nMessage-ID: <a\xff@example.org>\n\nHello\n",
	  "message.message_id", "a\u00ff@example.org" },
	/* the message's date as given, its offset kept */
	{ "From: jo@example.org\nSubject: x\nDate: Tue, 1 Dec 2026 09:05:07 -0330\n\nHello\n",
	  "message.date", "2026-12-01T09:05:07-03:30" },
	{ "From: jo@example.org\nSubject: x\nDate: 2 Jan 2027 23:59:59 +0545\n\nHello\n",
	  "message.date", "2027-01-02T23:59:59+05:45" },
	/* a converter kept from one part is used again from its initial state,
	 * after a part it could not convert too */
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/plain; charset=iso-8859-15\n"
	  "\nForename: Zo\xeb\n", "child.forename", "Zo\u00eb" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/plain; charset=shift_jis\n"
	  "\nForename: Amy\nNotes: \x82\n", "child.forename", "Amy" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/plain; charset=shift_jis\n"
	  "\nForename: \x83\x41\x83\x7e\n", "child.forename", "\u30a2\u30df" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/plain; charset=x-no-such\n"
	  "\nForename: Zo\xeb\n", "child.forename", "Zo\u00eb" },
	/* decoded straight from the message's bytes: a soft line break, a part
	 * after another; uuencode goes through GMime's own filter */
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/plain\n"
	  "Content-Transfer-Encoding: quoted-printable\n\nFore=\nname: Zo=C3=AB Sm=\nith\n",
	  "child.forename", "Zo\u00eb Smith" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: multipart/mixed; boundary=z\n\n"
	  "--z\nContent-Type: text/plain\n\nHello\n--z\nContent-Type: text/plain\n"
	  "Content-Transfer-Encoding: base64\n\nRm9yZW5h\nbWU6IEFteQo=\n--z--\n",
	  "child.forename", "Amy" },
	{ HDR("jo@example.org", "CME referral") "Content-Type: text/plain\n"
	  "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 form.txt\n"
	  ".1F]R96YA;64Z($%M>0H \n`\nend\n", "child.forename", "Amy" },
	/* quoted text is not the sender's */
	{ HDR("jo@example.org", "CME referral") TEXT "> Surname: Smith\nSurname: Jones\n",
	  "child.surname", "Jones" },
	/* former UPNs: normalised and checked like the UPN, never taken for it */
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Former UPN: h801 2000 0100 1\n",
	  "child.former_upn", "H801200001001" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Former UPN: h801 2000 0100 1\n",
	  "child.upn", NULL },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Previous UPN: B801200005001\n"
	  "UPN: H801200001001\n", "child.upn", "H801200001001" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Previous UPN: B801200005001\n"
	  "UPN: H801200001001\n", "child.former_upn", "B801200005001" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Old UPN: B801200005001\n", "issues#",
	  "0" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Former UPN: Z801200001001\n",
	  "child.former_upn", "Z801200001001" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Former UPN: Z801200001001\n",
	  "issues.0.field", "child.former_upn" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Former UPN: Z801200001001\n",
	  "issues.0.problem", "former UPN check letter is wrong in 'Z801200001001'" },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Former UPN: UN2\n", "issues#", "0" },
	/* a CTF pupil's FormerUPN; the first of several is kept, the rest counted */
	{ HDR("s@school.example.org", "CTF") CTF_FORMER("<FormerUPN>B801200005001</FormerUPN>"),
	  "child.former_upn", "B801200005001" },
	{ HDR("s@school.example.org", "CTF") CTF_FORMER("<FormerUPN>B801200005001</FormerUPN>"),
	  "child.upn", "H801200001001" },
	{ HDR("s@school.example.org", "CTF") CTF_FORMER("<FormerUPN>B801200005001</FormerUPN>"),
	  "issues#", "0" },
	{ HDR("s@school.example.org", "CTF") CTF_FORMER("<FormerUPN>B801200005001</FormerUPN>"
	  "<FormerUPN>G80120000101A</FormerUPN><FormerUPN>R674123101121</FormerUPN>"),
	  "child.former_upn", "B801200005001" },
	{ HDR("s@school.example.org", "CTF") CTF_FORMER("<FormerUPN>B801200005001</FormerUPN>"
	  "<FormerUPN>G80120000101A</FormerUPN><FormerUPN>R674123101121</FormerUPN>"),
	  "issues.0.problem", "2 more former UPNs given, not kept: 'G80120000101A', 'R674123101121'" },
	{ HDR("s@school.example.org", "CTF") CTF_FORMER("<FormerUPN>a801200005001</FormerUPN>"),
	  "issues.0.field", "child.former_upn" },
	/* the attachment is read as UTF-8 (or Windows-1252) before libxml2 sees
	 * it: what its declaration says is not applied a second time */
	{ HDR("s@school.example.org", "CTF") CTF_DECLARED("ISO-8859-1", "Chlo\xe9"),
	  "child.surname", "Chlo\xc3\xa9" },
	{ HDR("s@school.example.org", "CTF") CTF_DECLARED("ISO-8859-1", "Chlo\xc3\xa9"),
	  "child.surname", "Chlo\xc3\xa9" },
	{ HDR("s@school.example.org", "CTF") CTF_DECLARED("UTF-8", "Chlo\xc3\xa9"),
	  "child.surname", "Chlo\xc3\xa9" },
	{ HDR("s@school.example.org", "CTF") CTF_DECLARED("windows-1252", "Chlo\xe9"),
	  "child.surname", "Chlo\xc3\xa9" },
};

static void test_fields(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(field_rows); i++) {
		GError *error = NULL;
		struct parse_record *r = parse_message(field_rows[i].msg, strlen(field_rows[i].msg),
						       NULL, &error);
		JsonNode *root;
		g_autofree char *got = NULL;

		if (r == NULL)
			fail_msg("field row %zu: %s", i, error->message);
		root = parse_record_to_json(r);
		got = json_at(root, field_rows[i].path);
		check_str("field", i, field_rows[i].path, got, field_rows[i].want);
		json_node_unref(root);
		parse_record_free(r);
	}
}

static const struct { const char *msg; bool whereabouts; unsigned fields; } fact_rows[] = {
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Whereabouts known: No\n", true, 3 },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Whereabouts known: Yes\n", false, 3 },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Current address: Unknown\n", true, 3 },
	{ HDR("jo@example.org", "CME referral") TEXT FORM
	  "The family left with no forwarding address.\n", true, 2 },
	{ HDR("jo@example.org", "CME referral") TEXT FORM "Favourite colour: blue\n", false, 2 },
	{ HDR("jo@example.org", "Hello") TEXT "Nothing to see here.\n", false, 0 },
};

static void test_facts(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fact_rows); i++) {
		struct parse_record *r = parse_message(fact_rows[i].msg, strlen(fact_rows[i].msg),
						       NULL, NULL);

		assert_non_null(r);
		check_int("whereabouts", i, "", r->whereabouts_unknown, fact_rows[i].whereabouts);
		check_int("fields_found", i, "", r->fields_found, fact_rows[i].fields);
		parse_record_free(r);
	}
}

/* ---- JSON shape ---- */

static void check_keys(JsonObject *o, const char *what, const char *const *keys)
{
	size_t n = 0;

	for (; keys[n] != NULL; n++)
		if (!json_object_has_member(o, keys[n]))
			fail_msg("%s: no key '%s'", what, keys[n]);
	if (json_object_get_size(o) != n)
		fail_msg("%s: %u keys, want %zu", what, json_object_get_size(o), n);
}

static void test_json_shape(void **state)
{
	static const char *const top[] = {
		"kind", "message", "case_ref", "child", "address", "carers", "siblings", "school",
		"previous_school", "destination", "deletion", "risk", "referrer", "issues",
		"more_pupils", NULL,
	};
	static const char *const message[] = { "message_id", "from", "subject", "date", NULL };
	static const char *const child[] = {
		"forename", "middle_names", "surname", "preferred_name", "dob", "sex", "upn",
		"former_upn", "ethnicity", "eal", "fsm", "sen", NULL,
	};
	static const char *const carer[] = { "name", "relationship", "phone", "email",
					     "parental_responsibility", NULL };
	static const char *const school[] = { "name", "laestab", "date_on_roll", "date_off_roll",
					      "date_last_attended", NULL };
	static const char *const dest[] = { "school", "laestab", "address", "postcode", "country",
					    "start_date", NULL };
	static const char *const referrer[] = { "name", "role", "organisation", "email", "phone",
						NULL };
	static const char *const pair_ap[] = { "text", "postcode", NULL };
	static const char *const pair_nl[] = { "name", "laestab", NULL };
	static const char *const pair_gt[] = { "ground", "text", "regulation", NULL };
	static const char *const bounce[] = { "recipient", "status", "action", "diagnostic",
					      "original_message_id", NULL };
	static const char *const pair_fn[] = { "factors", "notes", NULL };
	static const char *const issue[] = { "field", "problem", NULL };
	struct parse_record *r = parse_record_new();
	struct parse_carer *c = parse_carer_new();
	JsonNode *root;
	JsonObject *o;

	g_ptr_array_add(r->carers, c);
	parse_issue_add(r, "child.dob", "cannot read date '%s': %s", "x", "not a date");
	r->auto_submitted = true;
	root = parse_record_to_json(r);
	o = json_node_get_object(root);
	check_keys(o, "top", top);
	assert_int_equal(json_array_get_length(json_object_get_array_member(o, "more_pupils")), 0);
	json_node_unref(root);
	/* a further pupil is a whole record: every top-level key but more_pupils */
	g_ptr_array_add(r->more_pupils, parse_record_new());
	root = parse_record_to_json(r);
	o = json_node_get_object(root);
	{
		JsonArray *more = json_object_get_array_member(o, "more_pupils");
		JsonObject *p2;

		assert_int_equal(json_array_get_length(more), 1);
		p2 = json_array_get_object_element(more, 0);
		assert_false(json_object_has_member(p2, "more_pupils"));
		assert_int_equal(json_object_get_size(p2), G_N_ELEMENTS(top) - 2);
		for (size_t i = 0; top[i] != NULL; i++)
			if (strcmp(top[i], "more_pupils") != 0 && !json_object_has_member(p2, top[i]))
				fail_msg("more_pupils.0 has no '%s'", top[i]);
	}
	g_ptr_array_set_size(r->more_pupils, 0);
	check_keys(json_object_get_object_member(o, "message"), "message", message);
	check_keys(json_object_get_object_member(o, "child"), "child", child);
	check_keys(json_object_get_object_member(o, "address"), "address", pair_ap);
	check_keys(json_object_get_object_member(o, "school"), "school", school);
	check_keys(json_object_get_object_member(o, "previous_school"), "previous_school", pair_nl);
	check_keys(json_object_get_object_member(o, "destination"), "destination", dest);
	check_keys(json_object_get_object_member(o, "deletion"), "deletion", pair_gt);
	assert_false(json_object_has_member(o, "bounce"));   /* only on bounces */
	check_keys(json_object_get_object_member(o, "risk"), "risk", pair_fn);
	check_keys(json_object_get_object_member(o, "referrer"), "referrer", referrer);
	check_keys(json_array_get_object_element(json_object_get_array_member(o, "carers"), 0),
		   "carer", carer);
	check_keys(json_array_get_object_element(json_object_get_array_member(o, "issues"), 0),
		   "issue", issue);
	assert_string_equal(json_object_get_string_member(o, "kind"), "unknown");
	assert_true(json_object_get_null_member(o, "case_ref"));
	assert_true(json_object_get_null_member(json_object_get_object_member(o, "child"), "eal"));
	assert_int_equal(json_array_get_length(json_object_get_array_member(o, "siblings")), 0);
	assert_int_equal(json_array_get_length(json_object_get_array_member(
		json_object_get_object_member(o, "risk"), "factors")), 0);
	json_node_unref(root);
	r->kind = PARSE_KIND_BOUNCE;
	root = parse_record_to_json(r);
	o = json_node_get_object(root);
	check_keys(json_object_get_object_member(o, "bounce"), "bounce", bounce);
	json_node_unref(root);
	parse_record_free(r);
}

static void test_factor_list(void **state)
{
	struct parse_record *r = parse_record_new();

	parse_factor_add(r, "young_carer");
	parse_factor_add(r, "cse");
	parse_factor_add(r, "grt");
	parse_factor_add(r, "cse");
	assert_int_equal(r->risk.factors->len, 3);
	assert_string_equal(g_ptr_array_index(r->risk.factors, 0), "cse");
	assert_string_equal(g_ptr_array_index(r->risk.factors, 1), "grt");
	assert_string_equal(g_ptr_array_index(r->risk.factors, 2), "young_carer");
	assert_true(parse_record_has_factor(r, "grt"));
	assert_false(parse_record_has_factor(r, "fgm"));
	assert_false(parse_record_has_factor(NULL, "fgm"));
	parse_factor_remove(r, "grt");
	assert_false(parse_record_has_factor(r, "grt"));
	parse_record_free(r);
	parse_record_free(NULL);
}

static void test_kind_names(void **state)
{
	static const char *const names[] = {
		[PARSE_KIND_UNKNOWN] = "unknown", [PARSE_KIND_REFERRAL] = "referral",
		[PARSE_KIND_OFF_ROLL] = "off_roll", [PARSE_KIND_ON_ROLL] = "on_roll",
		[PARSE_KIND_REPLY] = "reply", [PARSE_KIND_BOUNCE] = "bounce",
		[PARSE_KIND_AUTO_REPLY] = "auto_reply",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		assert_string_equal(parse_kind_name((enum parse_kind)i), names[i]);
	assert_string_equal(parse_kind_name((enum parse_kind)99), "unknown");
}

/* ---- the field dictionary ---- */

static char *read_text(const char *path, gsize *len_r)
{
	char *text = NULL;
	GError *error = NULL;

	if (!g_file_get_contents(path, &text, len_r, &error))
		fail_msg("%s: %s", path, error->message);
	return text;
}

/* test_dictionary_file - the shipped data/fields.conf is what the built-in
 * copy holds, and an authority's extra line takes effect */
static void test_dictionary_file(void **state)
{
	static const char msg[] =
		"From: office@example.org\nSubject: CME referral\n\n"
		"Kid's moniker: Amy\nFamily name: Smith\nD.O.B: 03/04/2015\n";
	gsize len;
	g_autofree char *text = read_text(CMEGW_SRCDIR "/data/fields.conf", &len);
	g_autofree char *more = NULL;
	GError *error = NULL;
	struct parse_dictionary *shipped = parse_dictionary_new(text, len, &error);
	struct parse_dictionary *local;
	struct parse_limits limits = { 0 };
	struct parse_record *r;

	assert_non_null(shipped);
	assert_int_equal(parse_dictionary_size(shipped),
			 parse_dictionary_size(parse_dictionary_default()));
	assert_true(parse_dictionary_size(shipped) > 300);
	/* the shipped words: a label it does not know stays unread */
	limits.dictionary = shipped;
	r = parse_message(msg, strlen(msg), &limits, NULL);
	assert_null(r->child.forename);
	assert_string_equal(r->child.surname, "Smith");
	assert_string_equal(r->child.dob, "2015-04-03");
	parse_record_free(r);
	/* the authority adds its form's label */
	more = g_strconcat(text, "\n[labels]\nKid's moniker = forename\n", NULL);
	local = parse_dictionary_new(more, strlen(more), &error);
	assert_non_null(local);
	limits.dictionary = local;
	r = parse_message(msg, strlen(msg), &limits, NULL);
	assert_string_equal(r->child.forename, "Amy");
	parse_record_free(r);
	parse_dictionary_free(local);
	parse_dictionary_free(shipped);
}

static const struct { const char *text, *error; } dict_bad_rows[] = {
	{ "[labels]\nFirst name = forname\n", "line 2: unknown field or section 'forname'" },
	{ "[labels]\nFirst name\n", "line 2: 'First name' is not WORDS = MEANING" },
	{ "First name = forename\n", "line 1: 'First name = forename' comes before any [section]" },
	{ "[label]\n", "line 1: unknown section [label]" },
	{ "[labels]\nSchool = school @skool\n", "line 2: unknown field or section '@skool'" },
	{ "[labels]\nx = forename\n[kinds]\nLeaver = offroll\n", "line 4: unknown kind 'offroll'" },
	{ "[labels]\nx = forename\n[grounds]\nmoved = moved\n", "line 4: unknown deletion ground 'moved'" },
	{ "[prefixes]\nMum's = mother\n", "line 2: unknown section 'mother'" },
	{ "# nothing\n", "no [labels]" },
};

static void test_dictionary_errors(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(dict_bad_rows); i++) {
		GError *error = NULL;
		struct parse_dictionary *d = parse_dictionary_new(dict_bad_rows[i].text,
								  strlen(dict_bad_rows[i].text), &error);

		if (d != NULL)
			fail_msg("dictionary row %zu: read, want '%s'", i, dict_bad_rows[i].error);
		assert_int_equal(error->code, PARSE_ERROR_DICTIONARY);
		check_str("dictionary", i, dict_bad_rows[i].text, error->message,
			  dict_bad_rows[i].error);
		g_error_free(error);
	}
}

/* ---- regulation letters ---- */

static const struct { const char *text, *ground, *regulation; } reg_rows[] = {
	{ "Regulation 9(1)(i) - 20 days", "absent_20_days", "ENG2024:9(1)(i)" },
	{ "reg 9(1)(a)", "registered_elsewhere", "ENG2024:9(1)(a)" },
	{ "9 (1) (f) EHE", "home_education", "ENG2024:9(1)(f)" },
	{ "9(1)(l)", "died", "ENG2024:9(1)(l)" },
	{ "9(1)(n)", "permanently_excluded", "ENG2024:9(1)(n)" },
	{ "Regulation 8(1)(h)", "absent_20_days", "ENG2006:8(1)(h)" },
	{ "8(1)(d) home education", "home_education", "ENG2006:8(1)(d)" },
	{ "8(1)(a) SAO revoked", "sao_revoked", "ENG2006:8(1)(a)" },
	{ "8(1)(a)", "sao_amended", "ENG2006:8(1)(a)" },
	{ "8(1)(n)", "nursery_not_continuing", "ENG2006:8(1)(n)" },
	{ "8(1)(l)", "other", "ENG2006:8(1)(l)" },
	{ "Regulation 9(1)(z)", NULL, NULL },      /* no such letter */
	{ "section 19(1)(i)", NULL, NULL },        /* not regulation 8 or 9 */
	{ "moved abroad", NULL, NULL },
};

static void test_regulations(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(reg_rows); i++) {
		char *reg = NULL;
		const char *g = parse_regulation_read(reg_rows[i].text, &reg);

		check_str("regulation ground", i, reg_rows[i].text, g, reg_rows[i].ground);
		check_str("regulation", i, reg_rows[i].text, reg, reg_rows[i].regulation);
		g_free(reg);
	}
}

/* ---- shapes: one message per row, the fields each shape must give ---- */

static const struct { const char *msg, *forename, *surname, *dob; } shape_rows[] = {
	/* Microsoft Forms: bold questions, answers in the next paragraph */
	{ "From: f@example.org\nSubject: CME referral\nContent-Type: text/html\n\n"
	  "<p><strong>First name</strong></p><p>Amy</p><p><strong>Surname</strong></p>"
	  "<p>Smith</p><p><strong>Date of birth</strong></p><p>3.4.15</p>",
	  "Amy", "Smith", "2015-04-03" },
	/* a bold heading over Label: value lines is a heading, not a question */
	{ "From: f@example.org\nSubject: CME referral\nContent-Type: text/html\n\n"
	  "<p><b>Child details</b></p><p>First name: Amy</p><p>Surname: Smith</p>",
	  "Amy", "Smith", NULL },
	/* a definition list */
	{ "From: f@example.org\nSubject: CME referral\nContent-Type: text/html\n\n"
	  "<dl><dt>Forename</dt><dd>Amy</dd><dt>Surname</dt><dd>Smith</dd></dl>",
	  "Amy", "Smith", NULL },
	/* labels and values on separate lines */
	{ "From: f@example.org\nSubject: CME referral\n\nForename\nAmy\n\nSurname\nSmith\n\n"
	  "Date of birth\n3rd April 2015\n", "Amy", "Smith", "2015-04-03" },
	/* a JSON attachment */
	{ "From: f@example.org\nSubject: CME referral\nContent-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Type: text/plain\n\nattached\n--b\nContent-Type: application/json\n\n"
	  "{\"child\": {\"first_name\": \"Amy\", \"lastName\": \"Smith\"}}\n--b--\n",
	  "Amy", "Smith", NULL },
	/* a CSV attachment: header row and a row */
	{ "From: f@example.org\nSubject: CME referral\nContent-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Type: text/csv; name=x.csv\n\nForename,Surname,DOB\r\n\"Amy\",Smith,2015-04-03\r\n"
	  "--b--\n", "Amy", "Smith", "2015-04-03" },
};

static void test_shapes(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(shape_rows); i++) {
		struct parse_record *r = parse_message(shape_rows[i].msg, strlen(shape_rows[i].msg),
						       NULL, NULL);

		assert_non_null(r);
		check_str("shape forename", i, "", r->child.forename, shape_rows[i].forename);
		check_str("shape surname", i, "", r->child.surname, shape_rows[i].surname);
		check_str("shape dob", i, "", r->child.dob, shape_rows[i].dob);
		parse_record_free(r);
	}
}

/* ---- address parts: a house number runs into its street ---- */

static const struct { const char *lines, *want; } address_rows[] = {
	{ "House number: 14\nStreet: Example Road\nTown: Chatham\n", "14 Example Road, Chatham" },
	{ "House number: 14A\nStreet: Example Road\n", "14A Example Road" },
	{ "House number: 3-5\nStreet: Example Road\n", "3-5 Example Road" },
	/* a flat, a name or a number with words is a line of its own */
	{ "Address line 1: Flat 3\nAddress line 2: 22 Quay Street\n", "Flat 3, 22 Quay Street" },
	{ "House name number: Rose Cottage\nStreet: Example Lane\n", "Rose Cottage, Example Lane" },
	{ "Address line 1: 14 Example Road\nAddress line 2: Chatham\n", "14 Example Road, Chatham" },
};

static void test_address_parts(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(address_rows); i++) {
		g_autofree char *msg = g_strdup_printf(
			"From: f@example.org\nSubject: CME referral\n\nChild's first name: Amy\n"
			"Child's surname: Smith\n%sPostcode: ME4 4TR\n", address_rows[i].lines);
		struct parse_record *r = parse_message(msg, strlen(msg), NULL, NULL);

		assert_non_null(r);
		check_str("address", i, address_rows[i].lines, r->address.text, address_rows[i].want);
		parse_record_free(r);
	}
}

/* ---- parse_words_ascii: parse_words() without allocating ---- */

static void test_words_ascii(void **state)
{
	static const char *const rows[] = {
		"Child Protection Plan: YES", "  O'Brien -- D.O.B.  ", "", "...", "a1-b2_c3",
		"x", "CP plan; missing (since 2025)",
	};
	char buf[32];

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *want = parse_words(rows[i]);

		assert_true(parse_words_ascii(rows[i], buf, sizeof buf));
		check_str("words ascii", i, rows[i], buf, want);
	}
	/* not ASCII, or too long for the buffer: the caller allocates */
	assert_false(parse_words_ascii("Cl\xc3\xa9ment", buf, sizeof buf));
	assert_false(parse_words_ascii("a b c d e f g h i j k l m n o p q", buf, sizeof buf));
	assert_true(parse_words_ascii("a b c d e f g h i j k l m n o p", buf, sizeof buf));
	assert_string_equal(buf, "a b c d e f g h i j k l m n o p");
}

/* test_words_any - parse_words_has_any() is parse_words_has() of each
 * phrase: whole words only, at the start, the middle and the end of W */
static void test_words_any(void **state)
{
	static const char *const texts[] = {
		"out of office", "re automatic reply re your referral", "ooo", "", "oooo",
		"new pupil return", "not known", "unknown", "pupil", "a b",
		"children missing education cme referral", "the office", "reply",
	};
	static const char *const phrases[] = {
		"automatic reply", "out of office", "ooo", "new pupil", "known", "cme",
		"pupil return", "b", "", "reply re",
	};

	for (size_t t = 0; t < G_N_ELEMENTS(texts); t++) {
		/* every prefix of the phrase list, so lists of one and of none too */
		for (size_t n = 0; n <= G_N_ELEMENTS(phrases); n++) {
			bool want = false;

			for (size_t i = 0; i < n; i++)
				want = want || parse_words_has(texts[t], phrases[i]);
			if (parse_words_has_any(texts[t], phrases, n) != want)
				fail_msg("words any: '%s', %zu phrases: got %d", texts[t], n, !want);
		}
	}
	assert_true(parse_words_has_any("re automatic reply", phrases, 1));
	assert_false(parse_words_has_any("automatic replying", phrases, 1));
	assert_false(parse_words_has_any("cmeo", phrases, G_N_ELEMENTS(phrases)));
}

/* ---- the light XML tree (parse_xml.c) ---- */

/* dump - a tree as text: name[val](children), "text" */
static void dump(const struct parse_xnode *n, GString *out)
{
	if (n->name == NULL) {
		g_string_append_printf(out, "\"%s\"", n->text);
		return;
	}
	g_string_append(out, n->name);
	if (n->val != NULL)
		g_string_append_printf(out, "[%s]", n->val);
	if (n->children == NULL)
		return;
	g_string_append_c(out, '(');
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next) {
		dump(c, out);
		if (c->next != NULL)
			g_string_append_c(out, ',');
	}
	g_string_append_c(out, ')');
}

static const char *const word_unread[] = { "rPr", "pPr", NULL };

static const struct {
	const char *xml;
	const char *const *skip;
	const char *want;     /* NULL: not well-formed, refused */
} xml_rows[] = {
	{ "<a><b val=\"x\">hi</b><c/></a>", NULL, "a(b[x](\"hi\"),c)" },
	/* local names; skipped elements go with all they hold */
	{ "<w:document xmlns:w=\"urn:w\"><w:body><w:p><w:pPr><w:t>hidden</w:t></w:pPr>"
	  "<w:r><w:rPr><w:b/></w:rPr><w:t>seen</w:t></w:r></w:p></w:body></w:document>",
	  word_unread, "document(body(p(r(t(\"seen\")))))" },
	/* XML's own entities, character references and CDATA: one text */
	{ "<a>x &amp; y &#233;<![CDATA[<z>]]></a>", NULL, "a(\"x & y \xc3\xa9<z>\")" },
	{ "<a><b></a>", NULL, NULL },
	{ "<a>&nbsp;</a>", NULL, NULL },                  /* HTML's, not XML's */
	{ "", NULL, NULL },
	/* a DTD's entities are never fetched nor expanded */
	{ "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>", NULL, NULL },
	/* a document's own entities are read as libxml2 reads them, and a
	 * "billion laughs" is refused by its amplification limit */
	{ "<!DOCTYPE a [<!ENTITY l \"ha\"><!ENTITY m \"&l;&l;&l;&l;\">]><a>&m;</a>", NULL,
	  "a(\"hahahaha\")" },
	{ "<!DOCTYPE a [<!ENTITY l0 \"ha\">"
	  "<!ENTITY l1 \"&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;\">"
	  "<!ENTITY l2 \"&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;\">"
	  "<!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\">"
	  "<!ENTITY l4 \"&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;\">"
	  "<!ENTITY l5 \"&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;\">"
	  "<!ENTITY l6 \"&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;\">"
	  "<!ENTITY l7 \"&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;\">"
	  "<!ENTITY l8 \"&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;\">"
	  "<!ENTITY l9 \"&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;\">"
	  "]><a>&l9;</a>",
	  NULL, NULL },
};

static void test_xml_tree(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(xml_rows); i++) {
		struct parse_xtree t;
		bool ok = parse_xml_read(&t, xml_rows[i].xml, strlen(xml_rows[i].xml), NULL,
					 xml_rows[i].skip);
		const struct parse_xnode *root = parse_xml_root(&t);
		GString *got = g_string_new(NULL);

		if (ok && root != NULL)
			dump(root, got);
		check_str("xml tree", i, xml_rows[i].xml, ok ? got->str : NULL, xml_rows[i].want);
		g_string_free(got, TRUE);
		parse_xml_clear(&t);
	}
}

/* ---- the light HTML tree (parse_html.c): what libxml2's parser implies ---- */

/* form_dump - a form's items as text: F:label=line/line, H:heading, T:text */
static char *form_dump(const struct parse_form *form)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < form->items->len; i++) {
		const struct parse_item *it = g_ptr_array_index(form->items, i);

		if (out->len > 0)
			g_string_append_c(out, '|');
		g_string_append(out, it->type == PARSE_ITEM_FIELD ? "F:" :
				     it->type == PARSE_ITEM_HEADING ? "H:" :
				     it->type == PARSE_ITEM_TEXT ? "T:" : "FWD");
		if (it->label != NULL)
			g_string_append(out, it->label);
		for (guint k = 0; it->lines != NULL && k < it->lines->len; k++)
			g_string_append_printf(out, "%s%s", k == 0 ? "=" : "/",
					       (const char *)g_ptr_array_index(it->lines, k));
	}
	return g_string_free(out, FALSE);
}

static const struct { const char *html; bool quoted_stops; const char *want; } html_rows[] = {
	/* a fragment: <html>, <body> and <tbody> implied; unclosed cells closed */
	{ "<table><tr><td>Surname<td>Smith</table>", false, "F:Surname=Smith" },
	/* the part is UTF-8 already: a <meta> naming another charset is ignored */
	{ "<html><head><meta charset=\"windows-1252\"><title>Form</title></head><body>"
	  "<table><tr><th>Surname</th><td>Cl\xc3\xa9ment</td></tr></table></body></html>",
	  false, "F:Surname=Cl\xc3\xa9ment" },
	/* an input's value is its text; <br> breaks the value's lines */
	{ "<table><tr><td>Surname</td><td><input value=\"Smith\"></td></tr>"
	  "<tr><td>Address</td><td>1 Example Road<br>Chatham</td></tr></table>",
	  false, "F:Surname=Smith|F:Address=1 Example Road/Chatham" },
	/* script and style are not read; comments split no text */
	{ "<style>td{color:red}</style><script>var a='Surname: X';</script>"
	  "<p>Surname: Sm<!-- c -->ith</p>", false, "F:Surname=Smith" },
	/* Microsoft Forms' bold questions, the answer in the next paragraph */
	{ "<p><b>Child's surname</b></p><p>Smith</p>", false, "F:Child's surname=Smith" },
	/* a reply's quoted original: read as a forward, or not at all */
	{ "<p>Surname: Smith</p><div class=\"gmail_quote\"><p>Surname: Jones</p></div>", true,
	  "F:Surname=Smith" },
	{ "<p>See below</p><div id=\"divRplyFwdMsg\"><p>Surname: Jones</p></div>", false,
	  "H:See below|FWD|F:Surname=Jones" },
	{ "<dl><dt>Surname</dt><dd>Smith</dd></dl>", false, "F:Surname=Smith" },
};

static void test_html_tree(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(html_rows); i++) {
		struct parse_form form;
		g_autofree char *got = NULL;

		parse_form_init(&form);
		parse_form_html(&form, html_rows[i].html, strlen(html_rows[i].html),
				html_rows[i].quoted_stops);
		got = form_dump(&form);
		check_str("html tree", i, html_rows[i].html, got, html_rows[i].want);
		parse_form_clear(&form);
	}
}

/* ---- a value's lines, each folded into the form's arena ---- */

static void test_item_lines(void **state)
{
	struct parse_form form;
	struct parse_item *it;
	GString *many = g_string_new(NULL);
	char cut[] = "Zo\xc3\xab";

	parse_form_init(&form);
	it = parse_form_add(&form, PARSE_ITEM_FIELD, "Address");
	parse_item_add_lines(it, "  14 Larkspur   Close\n\n \t\nChatham\r\nME4 4TR");
	assert_int_equal(it->lines->len, 3);
	assert_string_equal(it->lines->pdata[0], "14 Larkspur Close");
	assert_string_equal(it->lines->pdata[1], "Chatham");
	assert_string_equal(it->lines->pdata[2], "ME4 4TR");
	parse_item_add_lines(NULL, "x");   /* no item (past the form's limit): nothing */
	parse_item_add_lines(it, NULL);
	assert_int_equal(it->lines->len, 3);

	/* 250 lines: 199 of them, the 200th holds the rest, nothing is lost */
	it = parse_form_add(&form, PARSE_ITEM_FIELD, "Notes");
	for (int i = 1; i <= 250; i++)
		g_string_append_printf(many, "line %d\n", i);
	parse_item_add_lines(it, many->str);
	assert_int_equal(it->lines->len, 200);
	assert_string_equal(it->lines->pdata[198], "line 199");
	assert_true(g_str_has_prefix(it->lines->pdata[199], "line 200 line 201 "));
	assert_true(g_str_has_suffix(it->lines->pdata[199], " line 250"));
	g_string_free(many, TRUE);
	parse_form_clear(&form);

	/* a length that ends inside a character: the part character is dropped */
	{
		char out[8];

		assert_int_equal(parse_fold_into_len(out, cut, 3), 2);
		assert_string_equal(out, "Zo");
		assert_int_equal(parse_fold_into_len(out, cut, 4), 4);
		assert_string_equal(out, "Zo\xc3\xab");
		assert_int_equal(parse_fold_into_len(out, "a b", 1), 1);
		assert_string_equal(out, "a");
	}
	/* the numbered headings and issue paths the readers write */
	{
		char path[16];
		g_autofree char *h1 = parse_numbered("Parent/carer", 2);
		g_autofree char *h2 = parse_numbered("", 10);
		g_autofree char *h3 = parse_numbered("pupils", 0);

		assert_string_equal(h1, "Parent/carer 2");
		assert_string_equal(h2, "10");
		assert_string_equal(h3, "pupils 0");
		assert_string_equal(parse_path_n(path, sizeof path, "carers.", 1, ".phone"),
				    "carers.1.phone");
		assert_string_equal(parse_path_n(path, sizeof path, "siblings.", 123, ".dob"),
				    "siblings.123.do");   /* cut to fit, never past BUF */
	}
	(void)state;
}

/* ---- multipart/alternative: the last part first, the others as fallback ---- */

#define ALT_HEAD "From: forms@example.net\nSubject: CME referral\n" \
	"Content-Type: multipart/alternative; boundary=b\n\n"
#define ALT_TEXT(first, last) "--b\nContent-Type: text/plain\n\nChild's first name: " first \
	"\nChild's surname: " last "\nDate of birth: 03/04/2015\n"
#define ALT_HTML(body) "--b\nContent-Type: text/html\n\n<html><body>" body "</body></html>\n"

static const struct { const char *msg, *forename, *dob; } alt_rows[] = {
	/* both give fields: the last (the richest, RFC 2046) is the record */
	{ ALT_HEAD ALT_TEXT("Ada", "Tester")
	  ALT_HTML("<table><tr><td>First name</td><td>Beth</td></tr>"
		   "<tr><td>Surname</td><td>Tester</td></tr></table>") "--b--\n",
	  "Beth", NULL },
	/* the HTML gives no field: the plain text is still read */
	{ ALT_HEAD ALT_TEXT("Ada", "Tester") ALT_HTML("<p>Thank you for your submission.</p>")
	  "--b--\n", "Ada", "2015-04-03" },
	/* an empty last part falls back the same way */
	{ ALT_HEAD ALT_TEXT("Ada", "Tester") ALT_HTML("") "--b--\n", "Ada", "2015-04-03" },
};

static void test_alternatives(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(alt_rows); i++) {
		struct parse_record *r = parse_message(alt_rows[i].msg, strlen(alt_rows[i].msg),
						       NULL, NULL);

		assert_non_null(r);
		check_str("alternative forename", i, "", r->child.forename, alt_rows[i].forename);
		check_str("alternative dob", i, "", r->child.dob, alt_rows[i].dob);
		check_str("alternative surname", i, "", r->child.surname, "Tester");
		parse_record_free(r);
	}
}

/* ---- bounces ---- */

static const struct { const char *msg, *rcpt, *status, *id, *ref; } bounce_rows[] = {
	{ "From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail Returned to Sender\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
	  "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
	  "Final-Recipient: rfc822; a@example.org\nAction: delayed\nStatus: 4.4.1\n\n"
	  "Final-Recipient: rfc822; b@example.org\nAction: failed\nStatus: 5.1.1\n\n"
	  "--b\nContent-Type: message/rfc822\n\nMessage-ID: <ours.1@example.org>\n"
	  "Subject: [CME-2026-000001] x\n\nbody\n--b--\n",
	  "b@example.org", "5.1.1", "ours.1@example.org", "CME-2026-000001" },
	{ "From: postmaster@example.net\nSubject: Delivery failure\n\n"
	  "Your message to c@example.org couldn't be delivered. 550 5.4.1 denied\n"
	  "Message-ID: <ours.2@example.org>\n",
	  "c@example.org", "5.4.1", "ours.2@example.org", NULL },
};

static void test_bounces(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bounce_rows); i++) {
		struct parse_record *r = parse_message(bounce_rows[i].msg, strlen(bounce_rows[i].msg),
						       NULL, NULL);

		assert_int_equal(r->kind, PARSE_KIND_BOUNCE);
		check_str("bounce recipient", i, "", r->bounce.recipient, bounce_rows[i].rcpt);
		check_str("bounce status", i, "", r->bounce.status, bounce_rows[i].status);
		check_str("bounce id", i, "", r->bounce.original_message_id, bounce_rows[i].id);
		check_str("bounce ref", i, "", r->case_ref, bounce_rows[i].ref);
		parse_record_free(r);
	}
}

/* ---- multi-pupil exports ---- */

/* a message from a school with ATTACHMENT (NAME, content type TYPE) */
static char *export_message(const char *subject, const char *name, const char *type,
			    const char *attachment)
{
	return g_strdup_printf("From: Office <office@parkside.sch.test>\nTo: cme@council.example.org\n"
			       "Subject: %s\nDate: Wed, 4 Mar 2026 09:12:00 +0000\n"
			       "Message-ID: <export@parkside.sch.test>\nMIME-Version: 1.0\n"
			       "Content-Type: multipart/mixed; boundary=b\n\n--b\n" TEXT
			       "Export attached.\n--b\nContent-Type: %s; name=\"%s\"\n"
			       "Content-Disposition: attachment; filename=\"%s\"\n\n%s\n--b--\n",
			       subject, type, name, name, attachment);
}

static struct parse_record *parse_export(const char *subject, const char *name, const char *type,
					 const char *attachment)
{
	g_autofree char *msg = export_message(subject, name, type, attachment);
	struct parse_record *r = parse_message(msg, strlen(msg), NULL, NULL);

	assert_non_null(r);
	return r;
}

/* pupil - record N of an export: 0 the record itself, then more_pupils */
static const struct parse_record *pupil(const struct parse_record *r, guint n)
{
	if (n == 0)
		return r;
	assert_true(n - 1 < r->more_pupils->len);
	return g_ptr_array_index(r->more_pupils, n - 1);
}

/* issue_fields - the record's issue fields joined with spaces ("" for none) */
static char *issue_fields(const struct parse_record *r)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < r->issues->len; i++) {
		const struct parse_issue *is = g_ptr_array_index(r->issues, i);

		g_string_append_printf(s, "%s%s", i > 0 ? " " : "", is->field);
	}
	return g_string_free(s, FALSE);
}

static const struct { const char *forename, *surname, *dob, *upn, *issues; } csv_pupils[] = {
	{ "Amy", "Examplechild", "2014-05-03", "N887250012001", "" },
	{ "Ben", "Samplechild", "2015-06-04", "C887250012002", "" },
	{ "Cal", "Testchild", "2016-07-05", "A887250012003", "child.upn" },   /* check letter R */
};

static void test_multi_csv(void **state)
{
	struct parse_record *r = parse_export(
		"Leavers report", "Leavers.csv", "text/csv",
		"UPN,Surname,Forename,DOB,Leaving Date,Reason for leaving\r\n"
		"N887250012001,Examplechild,Amy,03/05/2014,20/03/2026,Moved abroad\r\n"
		",,,,,\r\n"
		"C887250012002,Samplechild,Ben,04/06/2015,20/03/2026,Moved abroad\r\n"
		"A887250012003,Testchild,Cal,05/07/2016,20/03/2026,Moved abroad\r\n");

	assert_int_equal(r->kind, PARSE_KIND_OFF_ROLL);
	assert_int_equal(r->more_pupils->len, 2);   /* the blank row is no pupil */
	for (guint i = 0; i < G_N_ELEMENTS(csv_pupils); i++) {
		const struct parse_record *p = pupil(r, i);
		g_autofree char *issues = issue_fields(p);

		check_str("csv pupil forename", i, "", p->child.forename, csv_pupils[i].forename);
		check_str("csv pupil surname", i, "", p->child.surname, csv_pupils[i].surname);
		check_str("csv pupil dob", i, "", p->child.dob, csv_pupils[i].dob);
		check_str("csv pupil upn", i, "", p->child.upn, csv_pupils[i].upn);
		check_str("csv pupil issues", i, "", issues, csv_pupils[i].issues);
		check_str("csv pupil message", i, "", p->message.message_id, "export@parkside.sch.test");
		check_str("csv pupil referrer", i, "", p->referrer.email, "office@parkside.sch.test");
		check_str("csv pupil ground", i, "", p->deletion.ground, "moved_away");
		check_int("csv pupil kind", i, "", p->kind, PARSE_KIND_OFF_ROLL);
		check_int("csv pupil more", i, "", p->more_pupils->len, i == 0 ? 2 : 0);
	}
	parse_record_free(r);
}

#define CTF_PUPIL(upn, sur, fore, dob) "<Pupil><UPN>" upn "</UPN><Surname>" sur "</Surname>" \
	"<Forename>" fore "</Forename><DOB>" dob "</DOB><Sex>F</Sex></Pupil>"

static void test_multi_ctf(void **state)
{
	struct parse_record *r = parse_export(
		"Children Missing Education transfer", "8872345_CML_MMMMMMM_001.XML",
		"application/xml",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?><CTfile><Header>"
		"<DocumentName>Common Transfer File</DocumentName><DataDescriptor>CML</DataDescriptor>"
		"<SourceSchool><LEA>887</LEA><Estab>2345</Estab><SchoolName>Oakfield Primary School"
		"</SchoolName></SourceSchool><DestSchool><LEA>MMM</LEA><Estab>MMMM</Estab></DestSchool>"
		"</Header><CTFpupilData>"
		CTF_PUPIL("F887250012004", "Exampleton", "Dora", "2015-01-20")
		CTF_PUPIL("V887250012005", "Sampleton", "Edie", "2016-02-21")
		"</CTFpupilData></CTfile>");
	static const char *const names[] = { "Dora", "Edie" };

	assert_int_equal(r->kind, PARSE_KIND_OFF_ROLL);
	assert_int_equal(r->more_pupils->len, 1);
	for (guint i = 0; i < 2; i++) {
		const struct parse_record *p = pupil(r, i);
		g_autofree char *issues = issue_fields(p);

		check_str("ctf pupil forename", i, "", p->child.forename, names[i]);
		check_str("ctf pupil school", i, "", p->school.name, "Oakfield Primary School");
		check_str("ctf pupil laestab", i, "", p->school.laestab, "8872345");
		check_str("ctf pupil destination", i, "", p->destination.laestab, "MMMMMMM");
		check_str("ctf pupil issues", i, "", issues, "");
		check_int("ctf pupil kind", i, "", p->kind, PARSE_KIND_OFF_ROLL);
	}
	parse_record_free(r);
}

static void test_multi_single(void **state)
{
	struct parse_record *r = parse_export(
		"Leavers report", "Leavers.csv", "text/csv",
		"UPN,Surname,Forename,DOB,Leaving Date\n"
		"N887250012001,Examplechild,Amy,03/05/2014,20/03/2026\n\n");

	check_str("single", 0, "", r->child.forename, "Amy");
	assert_int_equal(r->more_pupils->len, 0);
	assert_int_equal(r->issues->len, 0);
	parse_record_free(r);
}

static void test_multi_limit(void **state)
{
	GString *csv = g_string_new("Surname,Forename,DOB,Leaving Date\n");
	struct parse_record *r;
	const struct parse_issue *is;

	for (unsigned i = 0; i < PARSE_MAX_PUPILS + 5; i++)
		g_string_append_printf(csv, "Examplechild,Pupil%u,03/05/2014,20/03/2026\n", i + 1);
	r = parse_export("Leavers report", "Leavers.csv", "text/csv", csv->str);
	g_string_free(csv, TRUE);
	assert_int_equal(r->more_pupils->len, PARSE_MAX_PUPILS - 1);
	check_str("limit last", 0, "", pupil(r, PARSE_MAX_PUPILS - 1)->child.forename, "Pupil200");
	assert_int_equal(r->issues->len, 1);
	is = g_ptr_array_index(r->issues, 0);
	assert_string_equal(is->field, "child");
	if (strstr(is->problem, "5 more pupils") == NULL || strstr(is->problem, "200") == NULL)
		fail_msg("limit issue '%s'", is->problem);
	assert_int_equal(pupil(r, 1)->issues->len, 0);
	parse_record_free(r);
}

/* ---- limits and hostile input ---- */

static void expect_error(const char *msg, size_t len, const struct parse_limits *limits,
			 int code)
{
	GError *error = NULL;
	struct parse_record *r = parse_message(msg, len, limits, &error);

	assert_null(r);
	assert_non_null(error);
	assert_true(error->domain == PARSE_ERROR);
	assert_int_equal(error->code, code);
	g_error_free(error);
}

/* expect_limit - a message over a limit is kind unknown with an issue
 * naming the limit, never NULL */
static void expect_limit(const char *msg, const struct parse_limits *limits, const char *name)
{
	struct parse_record *r = parse_message(msg, strlen(msg), limits, NULL);
	const struct parse_issue *is;

	assert_non_null(r);
	assert_int_equal(r->kind, PARSE_KIND_UNKNOWN);
	assert_int_equal(r->issues->len, 1);
	is = g_ptr_array_index(r->issues, 0);
	assert_string_equal(is->field, "message");
	if (strstr(is->problem, name) == NULL)
		fail_msg("issue '%s' does not name %s", is->problem, name);
	parse_record_free(r);
}

static void test_limits(void **state)
{
	static const char nested[] =
		"From: jo@example.org\nContent-Type: multipart/mixed; boundary=a\n\n"
		"--a\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n"
		"hi\n--b--\n--a\nContent-Type: text/plain\n\nthere\n--a--\n";
	struct parse_limits size = { .max_message_bytes = 10 };
	struct parse_limits depth = { .max_mime_depth = 2 };
	struct parse_limits parts = { .max_parts = 3 };
	struct parse_limits roomy = { .max_message_bytes = 4096, .max_mime_depth = 3,
				      .max_parts = 4 };
	struct parse_limits att = { .max_attachment_bytes = 4 };
	struct parse_limits decoded = { .max_decoded_bytes = 6 };
	struct parse_record *r;

	expect_limit(nested, &size, "max_message_bytes");
	expect_limit(nested, &depth, "max_mime_depth");
	expect_limit(nested, &parts, "max_parts");
	expect_limit(nested, &att, "max_attachment_bytes");
	expect_limit(nested, &decoded, "max_decoded_bytes");
	expect_error("", 0, NULL, PARSE_ERROR_MIME);
	expect_error(NULL, 0, NULL, PARSE_ERROR_MIME);
	r = parse_message(nested, strlen(nested), &roomy, NULL);
	assert_non_null(r);
	parse_record_free(r);
}

/* fuzz_one - any bytes: a record or an error, never a crash */
static void fuzz_one(const char *data, size_t len)
{
	GError *error = NULL;
	struct parse_record *r = parse_message(data, len, NULL, &error);

	if (r != NULL) {
		JsonNode *n = parse_record_to_json(r);

		json_node_unref(n);
		parse_record_free(r);
		assert_null(error);
	} else {
		assert_non_null(error);
		g_error_free(error);
	}
}

static void test_hostile(void **state)
{
	static const char base[] = HDR("jo@example.org", "CME referral")
		"Content-Type: multipart/alternative; boundary=z\n\n--z\nContent-Type: text/plain\n\n"
		FORM "Address: 1 Road\n  Town ME4 4TR\nSiblings: Tom 12/05/2012, Lily\n"
		"Child protection plan: Not sure\n--z\nContent-Type: text/html\n\n<table><tr><th "
		"colspan=2>Parent/carer 1</th></tr><tr><td>Name</td><td>Jo<br>Smith</td></tr>"
		"</table>\n--z--\n";
	GRand *rng = g_rand_new_with_seed(20260304);
	GString *s;

	/* random bytes, random cuts and flips of a real message */
	for (int round = 0; round < 400; round++) {
		g_autofree char *copy = g_memdup2(base, sizeof base);
		size_t len = (size_t)g_rand_int_range(rng, 0, (gint32)sizeof base);

		for (int k = 0; k < 8; k++)
			copy[g_rand_int_range(rng, 0, (gint32)sizeof base - 1)] =
				(char)g_rand_int_range(rng, 0, 256);
		fuzz_one(copy, len);
	}
	for (int round = 0; round < 50; round++) {
		char junk[512];

		for (size_t k = 0; k < sizeof junk; k++)
			junk[k] = (char)g_rand_int_range(rng, 0, 256);
		fuzz_one(junk, sizeof junk);
	}
	/* deep HTML, a long line, many labels, NUL bytes */
	s = g_string_new(HDR("jo@example.org", "CME referral") "Content-Type: text/html\n\n");
	for (int i = 0; i < 20000; i++)
		g_string_append(s, "<div><table><tr><td>");
	g_string_append(s, "Surname</td><td>Smith");
	fuzz_one(s->str, s->len);
	g_string_assign(s, HDR("jo@example.org", "CME referral") TEXT "Concerns: ");
	for (int i = 0; i < 100000; i++)
		g_string_append(s, "no county ");
	g_string_append(s, "\n");
	for (int i = 0; i < 20000; i++)
		g_string_append(s, "Name: Jo Smith\nParent/carer 9 phone: 07700 900412\n");
	fuzz_one(s->str, s->len);
	g_string_assign(s, HDR("jo@example.org", "CME referral") TEXT "Surname: Sm");
	g_string_append_len(s, "\0\0ith\n", 6);
	fuzz_one(s->str, s->len);
	g_string_free(s, TRUE);
	g_rand_free(rng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_postcodes),
		cmocka_unit_test(test_postcode_find),
		cmocka_unit_test(test_phones),
		cmocka_unit_test(test_upn_check),
		cmocka_unit_test(test_upn_normalise),
		cmocka_unit_test(test_laestab),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_tri),
		cmocka_unit_test(test_sex),
		cmocka_unit_test(test_sen),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_item_lines),
		cmocka_unit_test(test_case_tag),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_risk_scan),
		cmocka_unit_test(test_risk_answers),
		cmocka_unit_test(test_whereabouts),
		cmocka_unit_test(test_grounds),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_role_domains),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_facts),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_factor_list),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_dictionary_file),
		cmocka_unit_test(test_dictionary_errors),
		cmocka_unit_test(test_regulations),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_alternatives),
		cmocka_unit_test(test_address_parts),
		cmocka_unit_test(test_bounces),
		cmocka_unit_test(test_multi_csv),
		cmocka_unit_test(test_multi_ctf),
		cmocka_unit_test(test_multi_single),
		cmocka_unit_test(test_multi_limit),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_words_ascii),
		cmocka_unit_test(test_words_any),
		cmocka_unit_test(test_xml_tree),
		cmocka_unit_test(test_html_tree),
	};

	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
