/* parse_labels.c - what a form's labels and headings ask for: synonyms
 * (DOMAIN.md section 9), section prefixes ("Parent/carer 2 phone"), roles,
 * deletion grounds */
#include <string.h>

#include "parse/parse_p.h"

struct base_label {
	const char *words;          /* parse_words() form */
	enum parse_field field;
	enum parse_section section;
};

#define F(x) PARSE_F_##x
#define S(x) PARSE_SECT_##x

static const struct base_label base_labels[] = {
	{ "name", F(NAME), S(NONE) }, { "full name", F(NAME), S(NONE) },
	{ "names", F(NAME), S(NONE) }, { "legal name", F(NAME), S(NONE) },
	{ "full legal name", F(NAME), S(NONE) }, { "name s", F(NAME), S(NONE) },
	{ "first name", F(FORENAME), S(NONE) }, { "first names", F(FORENAME), S(NONE) },
	{ "first name s", F(FORENAME), S(NONE) }, { "forename", F(FORENAME), S(NONE) },
	{ "forenames", F(FORENAME), S(NONE) }, { "forename s", F(FORENAME), S(NONE) },
	{ "given name", F(FORENAME), S(NONE) }, { "given names", F(FORENAME), S(NONE) },
	{ "christian name", F(FORENAME), S(NONE) }, { "legal forename", F(FORENAME), S(NONE) },
	{ "legal first name", F(FORENAME), S(NONE) },
	{ "middle name", F(MIDDLE), S(NONE) }, { "middle names", F(MIDDLE), S(NONE) },
	{ "middle name s", F(MIDDLE), S(NONE) },
	{ "surname", F(SURNAME), S(NONE) }, { "last name", F(SURNAME), S(NONE) },
	{ "family name", F(SURNAME), S(NONE) }, { "legal surname", F(SURNAME), S(NONE) },
	{ "legal last name", F(SURNAME), S(NONE) },
	{ "preferred name", F(PREFERRED), S(NONE) }, { "known as", F(PREFERRED), S(NONE) },
	{ "preferred forename", F(PREFERRED), S(NONE) }, { "alias", F(PREFERRED), S(NONE) },
	{ "also known as", F(PREFERRED), S(NONE) }, { "aka", F(PREFERRED), S(NONE) },
	{ "preferred first name", F(PREFERRED), S(NONE) },
	{ "date of birth", F(DOB), S(NONE) }, { "dob", F(DOB), S(NONE) },
	{ "d o b", F(DOB), S(NONE) }, { "birth date", F(DOB), S(NONE) },
	{ "birthdate", F(DOB), S(NONE) },
	{ "gender", F(SEX), S(NONE) }, { "sex", F(SEX), S(NONE) }, { "m f", F(SEX), S(NONE) },
	{ "male female", F(SEX), S(NONE) }, { "gender sex", F(SEX), S(NONE) },
	{ "sex gender", F(SEX), S(NONE) },
	{ "upn", F(UPN), S(NONE) }, { "unique pupil number", F(UPN), S(NONE) },
	{ "pupil number", F(UPN), S(NONE) }, { "pupil no", F(UPN), S(NONE) },
	{ "upn number", F(UPN), S(NONE) }, { "unique pupil number upn", F(UPN), S(NONE) },
	{ "ethnicity", F(ETHNICITY), S(NONE) }, { "ethnic origin", F(ETHNICITY), S(NONE) },
	{ "ethnic group", F(ETHNICITY), S(NONE) }, { "ethnicity code", F(ETHNICITY), S(NONE) },
	{ "eal", F(EAL), S(NONE) }, { "english as an additional language", F(EAL), S(NONE) },
	{ "english as additional language", F(EAL), S(NONE) }, { "eal status", F(EAL), S(NONE) },
	{ "first language", F(LANGUAGE), S(NONE) }, { "home language", F(LANGUAGE), S(NONE) },
	{ "main language", F(LANGUAGE), S(NONE) }, { "language", F(LANGUAGE), S(NONE) },
	{ "language spoken at home", F(LANGUAGE), S(NONE) },
	{ "fsm", F(FSM), S(NONE) }, { "free school meals", F(FSM), S(NONE) },
	{ "fsm eligible", F(FSM), S(NONE) }, { "fsm eligibility", F(FSM), S(NONE) },
	{ "pupil premium", F(FSM), S(NONE) }, { "fsm pupil premium", F(FSM), S(NONE) },
	{ "sen", F(SEN), S(NONE) }, { "send", F(SEN), S(NONE) }, { "sen status", F(SEN), S(NONE) },
	{ "send status", F(SEN), S(NONE) }, { "sen ehcp", F(SEN), S(NONE) },
	{ "sen or ehcp", F(SEN), S(NONE) }, { "sen send", F(SEN), S(NONE) },
	{ "special educational needs", F(SEN), S(NONE) }, { "sen support", F(SEN), S(NONE) },
	{ "special educational needs and disabilities", F(SEN), S(NONE) },
	{ "aln", F(SEN), S(NONE) }, { "additional learning needs", F(SEN), S(NONE) },
	{ "sen aln", F(SEN), S(NONE) }, { "sen stage", F(SEN), S(NONE) },
	{ "ehcp", F(EHCP), S(NONE) }, { "ehc plan", F(EHCP), S(NONE) },
	{ "education health and care plan", F(EHCP), S(NONE) }, { "statement", F(EHCP), S(NONE) },
	{ "statement of sen", F(EHCP), S(NONE) }, { "ehcp statement", F(EHCP), S(NONE) },
	{ "address", F(ADDRESS), S(NONE) }, { "current address", F(ADDRESS), S(NONE) },
	{ "home address", F(ADDRESS), S(NONE) }, { "last known address", F(ADDRESS), S(NONE) },
	{ "full address", F(ADDRESS), S(NONE) }, { "current home address", F(ADDRESS), S(NONE) },
	{ "last known home address", F(ADDRESS), S(NONE) },
	{ "address including postcode", F(ADDRESS), S(NONE) },
	{ "address and postcode", F(ADDRESS), S(NONE) }, { "residential address", F(ADDRESS), S(NONE) },
	{ "permanent address", F(ADDRESS), S(NONE) }, { "last known address and postcode", F(ADDRESS), S(NONE) },
	{ "address line 1", F(ADDRESS_PART), S(NONE) }, { "address line 2", F(ADDRESS_PART), S(NONE) },
	{ "address line 3", F(ADDRESS_PART), S(NONE) }, { "address 1", F(ADDRESS_PART), S(NONE) },
	{ "address 2", F(ADDRESS_PART), S(NONE) }, { "address 3", F(ADDRESS_PART), S(NONE) },
	{ "street", F(ADDRESS_PART), S(NONE) }, { "house name number", F(ADDRESS_PART), S(NONE) },
	{ "house number", F(ADDRESS_PART), S(NONE) }, { "town", F(ADDRESS_PART), S(NONE) },
	{ "city", F(ADDRESS_PART), S(NONE) }, { "town city", F(ADDRESS_PART), S(NONE) },
	{ "county", F(ADDRESS_PART), S(NONE) }, { "locality", F(ADDRESS_PART), S(NONE) },
	{ "postcode", F(POSTCODE), S(NONE) }, { "post code", F(POSTCODE), S(NONE) },
	{ "postal code", F(POSTCODE), S(NONE) }, { "zip", F(POSTCODE), S(NONE) },
	{ "zip code", F(POSTCODE), S(NONE) }, { "postcode zip", F(POSTCODE), S(NONE) },
	{ "country", F(COUNTRY), S(NONE) },
	{ "school", F(SCHOOL), S(NONE) }, { "school name", F(SCHOOL), S(NONE) },
	{ "setting", F(SCHOOL), S(NONE) }, { "school setting", F(SCHOOL), S(NONE) },
	{ "school academy", F(SCHOOL), S(NONE) }, { "educational setting", F(SCHOOL), S(NONE) },
	{ "school attended", F(SCHOOL), S(SCHOOL) }, { "last known school", F(SCHOOL), S(SCHOOL) },
	{ "school last attended", F(SCHOOL), S(SCHOOL) }, { "current school", F(SCHOOL), S(SCHOOL) },
	{ "current or last school", F(SCHOOL), S(SCHOOL) }, { "current last school", F(SCHOOL), S(SCHOOL) },
	{ "last school attended", F(SCHOOL), S(SCHOOL) }, { "current setting", F(SCHOOL), S(SCHOOL) },
	{ "current last known school", F(SCHOOL), S(SCHOOL) }, { "school on roll", F(SCHOOL), S(SCHOOL) },
	{ "previous school", F(SCHOOL), S(PREV_SCHOOL) }, { "previous setting", F(SCHOOL), S(PREV_SCHOOL) },
	{ "school previously attended", F(SCHOOL), S(PREV_SCHOOL) },
	{ "previous school attended", F(SCHOOL), S(PREV_SCHOOL) },
	{ "destination school", F(SCHOOL), S(DEST) }, { "new school", F(SCHOOL), S(DEST) },
	{ "receiving school", F(SCHOOL), S(DEST) }, { "school moving to", F(SCHOOL), S(DEST) },
	{ "next school", F(SCHOOL), S(DEST) }, { "destination", F(SCHOOL), S(DEST) },
	{ "new setting", F(SCHOOL), S(DEST) }, { "destination setting", F(SCHOOL), S(DEST) },
	{ "moving to", F(ADDRESS), S(DEST) }, { "moved to", F(ADDRESS), S(DEST) },
	{ "destination country", F(COUNTRY), S(DEST) }, { "country moving to", F(COUNTRY), S(DEST) },
	{ "destination address", F(ADDRESS), S(DEST) },
	{ "laestab", F(LAESTAB), S(NONE) }, { "la estab", F(LAESTAB), S(NONE) },
	{ "la establishment number", F(LAESTAB), S(NONE) }, { "la establishment no", F(LAESTAB), S(NONE) },
	{ "dfe number", F(LAESTAB), S(NONE) }, { "dfe no", F(LAESTAB), S(NONE) },
	{ "dfe", F(LAESTAB), S(NONE) }, { "dfe establishment number", F(LAESTAB), S(NONE) },
	{ "dfes number", F(LAESTAB), S(NONE) }, { "establishment number", F(LAESTAB), S(NONE) },
	{ "la no estab no", F(LAESTAB), S(NONE) }, { "dfe laestab", F(LAESTAB), S(NONE) },
	{ "laestab number", F(LAESTAB), S(NONE) }, { "laestab no", F(LAESTAB), S(NONE) },
	{ "la estab number", F(LAESTAB), S(NONE) }, { "la estab no", F(LAESTAB), S(NONE) },
	{ "dfe code", F(LAESTAB), S(NONE) }, { "school dfe number", F(LAESTAB), S(NONE) },
	{ "date of admission", F(DATE_ON), S(NONE) }, { "date on roll", F(DATE_ON), S(NONE) },
	{ "admission date", F(DATE_ON), S(NONE) }, { "date admitted", F(DATE_ON), S(NONE) },
	{ "date joined", F(DATE_ON), S(NONE) }, { "date started", F(DATE_ON), S(NONE) },
	{ "on roll date", F(DATE_ON), S(NONE) }, { "date added to roll", F(DATE_ON), S(NONE) },
	{ "date of entry", F(DATE_ON), S(NONE) }, { "entry date", F(DATE_ON), S(NONE) },
	{ "date placed on roll", F(DATE_ON), S(NONE) }, { "date of joining", F(DATE_ON), S(NONE) },
	{ "date left", F(DATE_OFF), S(NONE) }, { "date off roll", F(DATE_OFF), S(NONE) },
	{ "leaving date", F(DATE_OFF), S(NONE) }, { "date of leaving", F(DATE_OFF), S(NONE) },
	{ "date removed from roll", F(DATE_OFF), S(NONE) }, { "date of removal", F(DATE_OFF), S(NONE) },
	{ "date of removal from roll", F(DATE_OFF), S(NONE) }, { "off roll date", F(DATE_OFF), S(NONE) },
	{ "date of deletion", F(DATE_OFF), S(NONE) }, { "deletion date", F(DATE_OFF), S(NONE) },
	{ "date taken off roll", F(DATE_OFF), S(NONE) }, { "date removed", F(DATE_OFF), S(NONE) },
	{ "date left school", F(DATE_OFF), S(NONE) }, { "removal date", F(DATE_OFF), S(NONE) },
	{ "last day of attendance", F(DATE_LAST), S(NONE) }, { "date last attended", F(DATE_LAST), S(NONE) },
	{ "last date of attendance", F(DATE_LAST), S(NONE) }, { "last attended", F(DATE_LAST), S(NONE) },
	{ "date of last attendance", F(DATE_LAST), S(NONE) }, { "last day attended", F(DATE_LAST), S(NONE) },
	{ "last attendance date", F(DATE_LAST), S(NONE) }, { "last date attended", F(DATE_LAST), S(NONE) },
	{ "start date", F(START), S(NONE) }, { "expected start date", F(START), S(NONE) },
	{ "starting date", F(START), S(NONE) }, { "date starting", F(START), S(NONE) },
	{ "proposed start date", F(START), S(NONE) }, { "date of start", F(START), S(NONE) },
	{ "telephone", F(PHONE), S(NONE) }, { "phone", F(PHONE), S(NONE) }, { "tel", F(PHONE), S(NONE) },
	{ "telephone number", F(PHONE), S(NONE) }, { "phone number", F(PHONE), S(NONE) },
	{ "contact number", F(PHONE), S(NONE) }, { "mobile", F(PHONE), S(NONE) },
	{ "mobile number", F(PHONE), S(NONE) }, { "contact telephone", F(PHONE), S(NONE) },
	{ "contact telephone number", F(PHONE), S(NONE) }, { "tel no", F(PHONE), S(NONE) },
	{ "telephone no", F(PHONE), S(NONE) }, { "home phone", F(PHONE), S(NONE) },
	{ "landline", F(PHONE), S(NONE) }, { "mobile phone", F(PHONE), S(NONE) },
	{ "mob", F(PHONE), S(NONE) }, { "contact phone", F(PHONE), S(NONE) },
	{ "telephone mobile", F(PHONE), S(NONE) }, { "phone no", F(PHONE), S(NONE) },
	{ "contact no", F(PHONE), S(NONE) }, { "direct line", F(PHONE), S(NONE) },
	{ "email", F(EMAIL), S(NONE) }, { "e mail", F(EMAIL), S(NONE) },
	{ "email address", F(EMAIL), S(NONE) }, { "e mail address", F(EMAIL), S(NONE) },
	{ "contact email", F(EMAIL), S(NONE) }, { "secure email", F(EMAIL), S(NONE) },
	{ "work email", F(EMAIL), S(NONE) },
	{ "relationship", F(RELATIONSHIP), S(NONE) }, { "relationship to child", F(RELATIONSHIP), S(NONE) },
	{ "relationship to the child", F(RELATIONSHIP), S(NONE) }, { "relation", F(RELATIONSHIP), S(NONE) },
	{ "relationship to pupil", F(RELATIONSHIP), S(NONE) },
	{ "relationship to young person", F(RELATIONSHIP), S(NONE) },
	{ "relation to child", F(RELATIONSHIP), S(NONE) },
	{ "relationship to the young person", F(RELATIONSHIP), S(NONE) },
	{ "parental responsibility", F(PR), S(CARER) }, { "pr", F(PR), S(CARER) },
	{ "organisation", F(ORG), S(NONE) }, { "organization", F(ORG), S(NONE) },
	{ "agency", F(ORG), S(NONE) }, { "organisation agency", F(ORG), S(NONE) },
	{ "agency organisation", F(ORG), S(NONE) }, { "organisation school", F(ORG), S(NONE) },
	{ "service", F(ORG), S(NONE) }, { "team", F(ORG), S(NONE) },
	{ "organisation service", F(ORG), S(NONE) }, { "employer", F(ORG), S(NONE) },
	{ "department", F(ORG), S(NONE) }, { "organisation name", F(ORG), S(NONE) },
	{ "authority", F(ORG), S(NONE) }, { "local authority", F(ORG), S(NONE) },
	{ "referring authority", F(ORG), S(REFERRER) }, { "referring agency", F(ORG), S(REFERRER) },
	{ "referring school", F(ORG), S(REFERRER) },
	{ "role", F(ROLE), S(NONE) }, { "job title", F(ROLE), S(NONE) },
	{ "position", F(ROLE), S(NONE) }, { "designation", F(ROLE), S(NONE) },
	{ "role job title", F(ROLE), S(NONE) }, { "job role", F(ROLE), S(NONE) },
	{ "professional role", F(ROLE), S(NONE) }, { "job title role", F(ROLE), S(NONE) },
	{ "role in school", F(ROLE), S(NONE) }, { "capacity", F(ROLE), S(NONE) },
	{ "reason for leaving", F(REASON), S(NONE) }, { "reason for removal", F(REASON), S(NONE) },
	{ "reason for deletion", F(REASON), S(NONE) }, { "grounds for removal", F(REASON), S(NONE) },
	{ "grounds for deletion", F(REASON), S(NONE) }, { "ground for deletion", F(REASON), S(NONE) },
	{ "ground for removal", F(REASON), S(NONE) }, { "deletion ground", F(REASON), S(NONE) },
	{ "deletion reason", F(REASON), S(NONE) }, { "reason for removal from roll", F(REASON), S(NONE) },
	{ "regulation 8 reason", F(REASON), S(NONE) }, { "regulation 9 reason", F(REASON), S(NONE) },
	{ "reason for leaving school", F(REASON), S(NONE) }, { "leaving reason", F(REASON), S(NONE) },
	{ "reason left", F(REASON), S(NONE) }, { "reason for deletion from roll", F(REASON), S(NONE) },
	{ "removal ground", F(REASON), S(NONE) }, { "deletion grounds", F(REASON), S(NONE) },
	{ "grounds", F(REASON), S(NONE) }, { "regulation", F(REASON), S(NONE) },
	{ "siblings", F(SIBLINGS), S(NONE) }, { "sibling details", F(SIBLINGS), S(NONE) },
	{ "brothers and sisters", F(SIBLINGS), S(NONE) }, { "brothers sisters", F(SIBLINGS), S(NONE) },
	{ "other children in household", F(SIBLINGS), S(NONE) },
	{ "other children in the household", F(SIBLINGS), S(NONE) },
	{ "siblings names", F(SIBLINGS), S(NONE) }, { "names of siblings", F(SIBLINGS), S(NONE) },
	{ "siblings in household", F(SIBLINGS), S(NONE) }, { "other children", F(SIBLINGS), S(NONE) },
	{ "safeguarding concerns", F(CONCERNS), S(NONE) }, { "safeguarding", F(CONCERNS), S(NONE) },
	{ "any safeguarding concerns", F(CONCERNS), S(NONE) },
	{ "other safeguarding concerns", F(CONCERNS), S(NONE) }, { "concerns", F(CONCERNS), S(NONE) },
	{ "risk factors", F(CONCERNS), S(NONE) }, { "risks", F(CONCERNS), S(NONE) },
	{ "risk", F(CONCERNS), S(NONE) }, { "known risks", F(CONCERNS), S(NONE) },
	{ "vulnerabilities", F(CONCERNS), S(NONE) }, { "safeguarding information", F(CONCERNS), S(NONE) },
	{ "safeguarding issues", F(CONCERNS), S(NONE) }, { "safeguarding risks", F(CONCERNS), S(NONE) },
	{ "details of concerns", F(CONCERNS), S(NONE) }, { "risk indicators", F(CONCERNS), S(NONE) },
	{ "are there any safeguarding concerns", F(CONCERNS), S(NONE) },
	{ "any concerns", F(CONCERNS), S(NONE) }, { "other concerns", F(CONCERNS), S(NONE) },
	{ "safeguarding concerns details", F(CONCERNS), S(NONE) },
	{ "additional vulnerabilities", F(CONCERNS), S(NONE) }, { "risk assessment", F(CONCERNS), S(NONE) },
	{ "additional information", F(NOTES), S(NONE) }, { "further information", F(NOTES), S(NONE) },
	{ "other information", F(NOTES), S(NONE) }, { "any other relevant information", F(NOTES), S(NONE) },
	{ "other relevant information", F(NOTES), S(NONE) }, { "relevant history", F(NOTES), S(NONE) },
	{ "reason for referral", F(NOTES), S(NONE) }, { "details", F(NOTES), S(NONE) },
	{ "comments", F(NOTES), S(NONE) }, { "notes", F(NOTES), S(NONE) },
	{ "background", F(NOTES), S(NONE) }, { "summary", F(NOTES), S(NONE) },
	{ "further details", F(NOTES), S(NONE) }, { "any other information", F(NOTES), S(NONE) },
	{ "reason for concern", F(NOTES), S(NONE) }, { "circumstances", F(NOTES), S(NONE) },
	{ "enquiries made", F(NOTES), S(NONE) }, { "actions taken", F(NOTES), S(NONE) },
	{ "checks undertaken", F(NOTES), S(NONE) }, { "reasonable enquiries made", F(NOTES), S(NONE) },
	{ "previous history", F(NOTES), S(NONE) }, { "current situation", F(NOTES), S(NONE) },
	{ "description", F(NOTES), S(NONE) }, { "other relevant details", F(NOTES), S(NONE) },
	{ "from", F(FROM), S(NONE) },
	{ "officer", F(NAME), S(REFERRER) }, { "officer name", F(NAME), S(REFERRER) },
	{ "case officer", F(NAME), S(REFERRER) }, { "cme officer", F(NAME), S(REFERRER) },
	{ "lead professional", F(NAME), S(REFERRER) }, { "contact name", F(NAME), S(NONE) },
};

struct prefix {
	const char *words;
	enum parse_section section;
	const char *relationship;
};

static const struct prefix prefixes[] = {
	{ "childs", S(CHILD), NULL }, { "child", S(CHILD), NULL },
	{ "pupils", S(CHILD), NULL }, { "pupil", S(CHILD), NULL },
	{ "young persons", S(CHILD), NULL }, { "young person", S(CHILD), NULL },
	{ "students", S(CHILD), NULL }, { "student", S(CHILD), NULL },
	{ "learners", S(CHILD), NULL }, { "learner", S(CHILD), NULL },
	{ "parent carer", S(CARER), NULL }, { "parent or carer", S(CARER), NULL },
	{ "parent guardian", S(CARER), NULL }, { "parent carers", S(CARER), NULL },
	{ "parents carers", S(CARER), NULL }, { "parents", S(CARER), NULL },
	{ "parent", S(CARER), NULL }, { "carers", S(CARER), NULL }, { "carer", S(CARER), NULL },
	{ "main carer", S(CARER), NULL }, { "parent carer guardian", S(CARER), NULL },
	{ "person with parental responsibility", S(CARER), NULL },
	{ "guardians", S(CARER), "Guardian" }, { "guardian", S(CARER), "Guardian" },
	{ "mothers", S(CARER), "Mother" }, { "mother", S(CARER), "Mother" },
	{ "mums", S(CARER), "Mother" }, { "mum", S(CARER), "Mother" },
	{ "fathers", S(CARER), "Father" }, { "father", S(CARER), "Father" },
	{ "dads", S(CARER), "Father" }, { "dad", S(CARER), "Father" },
	{ "referrers", S(REFERRER), NULL }, { "referrer", S(REFERRER), NULL },
	{ "referring", S(REFERRER), NULL }, { "your", S(REFERRER), NULL },
	{ "referred by", S(REFERRER), NULL }, { "person referring", S(REFERRER), NULL },
	{ "person making referral", S(REFERRER), NULL },
	{ "person making the referral", S(REFERRER), NULL },
	{ "person completing form", S(REFERRER), NULL },
	{ "person completing this form", S(REFERRER), NULL },
	{ "completed by", S(REFERRER), NULL }, { "reported by", S(REFERRER), NULL },
	{ "last known school", S(SCHOOL), NULL }, { "current school", S(SCHOOL), NULL },
	{ "school last attended", S(SCHOOL), NULL }, { "schools", S(SCHOOL), NULL },
	{ "school", S(SCHOOL), NULL },
	{ "previous school", S(PREV_SCHOOL), NULL }, { "previous schools", S(PREV_SCHOOL), NULL },
	{ "destination school", S(DEST), NULL }, { "new school", S(DEST), NULL },
	{ "receiving school", S(DEST), NULL }, { "destination", S(DEST), NULL },
	{ "new", S(DEST), NULL }, { "forwarding", S(DEST), NULL }, { "future", S(DEST), NULL },
	{ "moving to", S(DEST), NULL }, { "onward", S(DEST), NULL },
	{ "sibling", S(SIBLING), NULL }, { "siblings", S(SIBLING), NULL },
	{ "brother", S(SIBLING), NULL }, { "sister", S(SIBLING), NULL },
};

/* the words after a section name that number it: "Parent/carer 2" */
static int index_word(const char *w)
{
	static const char *const words[][3] = {
		{ "1", "one", "first" }, { "2", "two", "second" }, { "3", "three", "third" },
		{ "4", "four", "fourth" }, { "5", "five", "fifth" }, { "6", "six", "sixth" },
	};
	static const char *const ords[] = { "1st", "2nd", "3rd", "4th", "5th", "6th" };

	for (int i = 0; i < 6; i++) {
		if (strcmp(w, words[i][0]) == 0 || strcmp(w, words[i][1]) == 0 ||
		    strcmp(w, words[i][2]) == 0 || strcmp(w, ords[i]) == 0)
			return i;
	}
	return -1;
}

/* word_at_start - the length of PREFIX when W starts with it as whole words */
static size_t word_at_start(const char *w, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(w, prefix, n) == 0 && (w[n] == '\0' || w[n] == ' '))
		return n;
	return 0;
}

/* has_phrase - W holds the words PHRASE */
static bool has_phrase(const char *w, const char *phrase)
{
	size_t n = strlen(phrase);

	for (const char *p = w; (p = strstr(p, phrase)) != NULL; p++)
		if ((p == w || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

static bool has_any(const char *w, const char *const *phrases)
{
	for (; *phrases != NULL; phrases++)
		if (has_phrase(w, *phrases))
			return true;
	return false;
}

/* base_find - the synonym table entry for W, NULL when none */
static const struct base_label *base_find(const char *w)
{
	for (size_t i = 0; i < G_N_ELEMENTS(base_labels); i++)
		if (strcmp(w, base_labels[i].words) == 0)
			return &base_labels[i];
	return NULL;
}

/* prefix_match - the longest section prefix W starts with; *REST_R points
 * past it and its number, *INDEX_R the number or -1 */
static const struct prefix *prefix_match(const char *w, const char **rest_r, int *index_r)
{
	const struct prefix *best = NULL;
	size_t best_n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		size_t n = word_at_start(w, prefixes[i].words);

		if (n > best_n) {
			best = &prefixes[i];
			best_n = n;
		}
	}
	if (best == NULL)
		return NULL;
	*rest_r = w + best_n;
	if (**rest_r == ' ')
		(*rest_r)++;
	*index_r = -1;
	if (**rest_r != '\0') {
		const char *sp = strchr(*rest_r, ' ');
		g_autofree char *first = sp != NULL ? g_strndup(*rest_r, (gsize)(sp - *rest_r))
						    : g_strdup(*rest_r);
		int idx = index_word(first);

		if (idx >= 0) {
			*index_r = idx;
			*rest_r = sp != NULL ? sp + 1 : *rest_r + strlen(*rest_r);
		}
	}
	return best;
}

static void set_from_prefix(struct parse_label *out, const struct prefix *px, int index)
{
	out->section = px->section;
	out->index = index;
	out->relationship = px->relationship;
	out->child = px->section == PARSE_SECT_CHILD;
}

/* empty_rest - what a bare section name asks for: "Referrer", "Previous school" */
static enum parse_field empty_rest(enum parse_section s)
{
	switch (s) {
	case PARSE_SECT_SCHOOL: case PARSE_SECT_PREV_SCHOOL: case PARSE_SECT_DEST:
		return PARSE_F_SCHOOL;
	case PARSE_SECT_CARER: case PARSE_SECT_REFERRER: case PARSE_SECT_SIBLING:
	case PARSE_SECT_CHILD:
		return PARSE_F_NAME;
	default:
		return PARSE_F_NONE;
	}
}

/* lookup_prefixed - "Parent/carer 2 phone", "Referrer email", "Child's school" */
static bool lookup_prefixed(const char *w, struct parse_label *out)
{
	const char *rest;
	int index;
	const struct prefix *px = prefix_match(w, &rest, &index);
	const struct base_label *b;

	if (px == NULL)
		return false;
	if (*rest == '\0') {
		out->field = empty_rest(px->section);
		if (out->field == PARSE_F_NONE)
			return false;
		set_from_prefix(out, px, index);
		return true;
	}
	b = base_find(rest);
	if (b == NULL)
		return false;
	out->field = b->field;
	set_from_prefix(out, px, index);
	if (b->section != PARSE_SECT_NONE && px->section == PARSE_SECT_CHILD)
		out->section = b->section;   /* "Child's last known school" */
	return true;
}

/* lookup_of - "Name of child", "Date of birth of pupil", "Name of school" */
static bool lookup_of(const char *w, struct parse_label *out)
{
	const char *of = NULL;
	const struct base_label *b;
	const struct prefix *px;
	const char *rest;
	int index;
	g_autofree char *head = NULL;

	for (const char *p = w; (p = strstr(p, " of ")) != NULL; p++)
		of = p;
	if (of == NULL)
		return false;
	px = prefix_match(of + 4, &rest, &index);
	if (px == NULL || *rest != '\0')
		return false;
	head = g_strndup(w, (gsize)(of - w));
	if (strcmp(head, "name") == 0)
		b = NULL;
	else if ((b = base_find(head)) == NULL)
		return false;
	out->field = b != NULL ? b->field : empty_rest(px->section);
	if (out->field == PARSE_F_NONE)
		out->field = PARSE_F_NAME;
	set_from_prefix(out, px, index);
	return true;
}

/* lookup_contains - question-style labels: "Is the child eligible for free
 * school meals?", "Does this person have parental responsibility?" */
static bool lookup_contains(const char *w, struct parse_label *out, bool late)
{
	static const struct { const char *phrase; enum parse_field field; bool late; } rules[] = {
		{ "parental responsibility", F(PR), false },
		{ "free school meals", F(FSM), false }, { "fsm", F(FSM), false },
		{ "english as an additional language", F(EAL), false }, { "eal", F(EAL), false },
		{ "ehcp", F(EHCP), false }, { "ehc plan", F(EHCP), false },
		{ "education health and care plan", F(EHCP), false },
		{ "statement of special", F(EHCP), false },
		{ "special educational needs", F(SEN), false }, { "sen support", F(SEN), false },
		{ "sen", F(SEN), false }, { "send", F(SEN), false },
		{ "additional learning needs", F(SEN), false }, { "aln", F(SEN), false },
		{ "date of birth", F(DOB), false }, { "unique pupil number", F(UPN), false },
		{ "upn", F(UPN), false }, { "laestab", F(LAESTAB), false },
		{ "dfe number", F(LAESTAB), false }, { "whereabouts", F(WHEREABOUTS), false },
		{ "reason for leaving", F(REASON), false }, { "reason for removal", F(REASON), false },
		{ "reason for deletion", F(REASON), false },
		{ "date of admission", F(DATE_ON), false }, { "date on roll", F(DATE_ON), false },
		{ "date off roll", F(DATE_OFF), false }, { "date removed from roll", F(DATE_OFF), false },
		{ "last day of attendance", F(DATE_LAST), false },
		{ "date last attended", F(DATE_LAST), false },
		{ "postcode", F(POSTCODE), true }, { "email", F(EMAIL), true },
		{ "e mail", F(EMAIL), true }, { "telephone", F(PHONE), true },
		{ "phone", F(PHONE), true }, { "mobile", F(PHONE), true },
		{ "address", F(ADDRESS), true },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(rules); i++)
		if (rules[i].late == late && has_phrase(w, rules[i].phrase)) {
			out->field = rules[i].field;
			if (rules[i].field == PARSE_F_PR)
				out->section = PARSE_SECT_CARER;
			return true;
		}
	return false;
}

/* strip_parens - LABEL without its "(...)" and "[...]" parts; *INNER_R gets
 * what was inside them */
static char *strip_parens(const char *label, char **inner_r)
{
	GString *out = g_string_new(NULL), *in = g_string_new(NULL);
	int depth = 0;

	for (const char *p = label; *p != '\0'; p++) {
		if (*p == '(' || *p == '[') {
			depth++;
			g_string_append_c(in, ' ');
		} else if ((*p == ')' || *p == ']') && depth > 0) {
			depth--;
		} else if (depth > 0) {
			g_string_append_c(in, *p);
		} else {
			g_string_append_c(out, *p);
		}
	}
	*inner_r = g_string_free(in, FALSE);
	return g_string_free(out, FALSE);
}

/* trim_words - drop question numbers in front ("1.", "Q3") and filler at
 * the end ("if known", "dd/mm/yyyy") */
static char *trim_words(const char *w)
{
	static const char *const fillers[] = {
		"if known", "if applicable", "if any", "please specify", "please state",
		"please give details", "please provide details", "if yes please give details",
		"if yes give details", "if so please give details", "dd mm yyyy", "dd mm yy",
		"yyyy mm dd", "yes no", "y n", "yes no unknown", "yes no not sure",
		"yes no dont know", "please tick", "optional", "required", "mandatory",
		"where known", "in full", "if different", "please", "yes no n a",
	};
	const char *p = w;
	char *out;
	bool again = true;

	while (g_ascii_isdigit(*p) || ((*p == 'q' || *p == 'Q') && g_ascii_isdigit(p[1]))) {
		const char *sp = strchr(p, ' ');

		if (sp == NULL)
			break;
		p = sp + 1;
	}
	out = g_strdup(p);
	while (again) {
		size_t n = strlen(out);

		again = false;
		for (size_t i = 0; i < G_N_ELEMENTS(fillers); i++) {
			size_t f = strlen(fillers[i]);

			if (n > f && out[n - f - 1] == ' ' && strcmp(out + n - f, fillers[i]) == 0) {
				out[n - f - 1] = '\0';
				again = true;
				break;
			}
		}
	}
	return out;
}

void parse_label_classify(const char *label, struct parse_label *out)
{
	g_autofree char *inner = NULL;
	g_autofree char *outer = NULL;
	g_autofree char *raw = NULL;
	g_autofree char *w = NULL;
	const struct base_label *b;
	struct parse_risk_hit hits[PARSE_RISK_MAX];

	memset(out, 0, sizeof *out);
	out->index = -1;
	if (label == NULL)
		return;
	outer = strip_parens(label, &inner);
	raw = parse_words(outer);
	w = trim_words(raw);
	if (w[0] == '\0')
		return;
	if ((b = base_find(w)) != NULL) {
		out->field = b->field;
		out->section = b->section;
	} else if (!lookup_prefixed(w, out) && !lookup_of(w, out) &&
		   !lookup_contains(w, out, false)) {
		if (parse_risk_scan(w, true, hits) > 0)
			out->field = PARSE_F_RISK;
		else
			lookup_contains(w, out, true);
	}
	if (out->field == PARSE_F_WHEREABOUTS)
		out->negative = has_phrase(w, "known") && !has_phrase(w, "unknown") &&
				!has_phrase(w, "not known");
	if (out->field != PARSE_F_NONE && out->section == PARSE_SECT_NONE && inner[0] != '\0') {
		g_autofree char *iw = parse_words(inner);
		const char *rest;
		int index;
		const struct prefix *px = prefix_match(iw, &rest, &index);

		if (px != NULL && *rest == '\0')
			set_from_prefix(out, px, index);
	}
}

bool parse_label_multiline(const char *label)
{
	struct parse_label info;

	parse_label_classify(label, &info);
	switch (info.field) {
	case PARSE_F_ADDRESS: case PARSE_F_CONCERNS: case PARSE_F_NOTES:
	case PARSE_F_SIBLINGS: case PARSE_F_REASON:
		return true;
	default:
		return false;
	}
}

/* heading_relationship - "Mother" for a mother's section, else NULL */
static const char *heading_relationship(const char *w)
{
	static const char *const mother[] = { "mother", "mothers", "mum", "mums", NULL };
	static const char *const father[] = { "father", "fathers", "dad", "dads", NULL };

	if (has_any(w, mother))
		return "Mother";
	if (has_any(w, father))
		return "Father";
	if (has_phrase(w, "guardian"))
		return "Guardian";
	return NULL;
}

enum parse_section parse_heading_classify(const char *heading, int *index_r, const char **rel_r)
{
	static const char *const referrer[] = {
		"referrer", "referrers", "referring", "referred by", "your details", "person making",
		"person completing", "completed by", "professional details", "professionals details",
		"about you", "your information", "reporter", "reported by", NULL,
	};
	static const char *const title[] = {
		"missing education", "cme", "referral", "notification", "form", NULL,
	};
	static const char *const prev[] = {
		"previous school", "previous schools", "previous setting", NULL,
	};
	static const char *const dest[] = {
		"destination", "new school", "receiving school", "moving to", "forwarding",
		"new address", "future address", "onward", NULL,
	};
	static const char *const sibling[] = {
		"sibling", "siblings", "brothers", "sisters", "other children", NULL,
	};
	static const char *const carer[] = {
		"parent", "parents", "carer", "carers", "mother", "father", "guardian", "guardians",
		"parental", "mum", "dad", "mothers", "fathers", NULL,
	};
	static const char *const school[] = {
		"school", "schools", "education", "setting", "attendance", "academy",
		"educational", NULL,
	};
	static const char *const risk[] = {
		"risk", "risks", "safeguarding", "concerns", "vulnerability", "vulnerabilities",
		"vulnerable", NULL,
	};
	static const char *const child[] = {
		"child", "childs", "children", "pupil", "pupils", "young person", "young persons",
		"student", "learner", "address", "personal details", "personal information", NULL,
	};
	g_autofree char *w = parse_words(heading);
	unsigned words = 1;

	*index_r = -1;
	*rel_r = NULL;
	for (const char *p = w; *p != '\0'; p++)
		words += *p == ' ';
	if (w[0] == '\0' || words > 6)
		return PARSE_SECT_NONE;
	if (has_any(w, referrer))
		return PARSE_SECT_REFERRER;
	if (has_any(w, title))
		return PARSE_SECT_CHILD;
	if (has_any(w, prev))
		return PARSE_SECT_PREV_SCHOOL;
	if (has_any(w, dest))
		return PARSE_SECT_DEST;
	if (has_any(w, sibling) || has_any(w, carer)) {
		g_auto(GStrv) parts = g_strsplit(w, " ", 0);

		for (char **p = parts; *p != NULL && *index_r < 0; p++)
			*index_r = index_word(*p);
		if (has_any(w, sibling))
			return PARSE_SECT_SIBLING;
		*rel_r = heading_relationship(w);
		return PARSE_SECT_CARER;
	}
	if (has_any(w, school))
		return PARSE_SECT_SCHOOL;
	if (has_any(w, risk))
		return PARSE_SECT_RISK;
	if (has_any(w, child))
		return PARSE_SECT_CHILD;
	return PARSE_SECT_NONE;
}

/* ---- roles ---- */

const char *parse_role_from_words(const char *text)
{
	static const struct { const char *role; const char *const words[24]; } roles[] = {
		{ "health", { "nurse", "health visitor", "health", "nhs", "gp", "doctor", "midwife",
			      "paediatrician", "paediatric", "hospital", "surgery", "camhs",
			      "clinic", "medical", "health visiting", "practice manager", NULL } },
		{ "police", { "police", "pc", "pcso", "constable", "detective", "sergeant",
			      "constabulary", "dc", NULL } },
		{ "social_care", { "social worker", "social care", "childrens services",
				   "childrens social care", "family support", "mash", "early help",
				   "csc", "social services", "family practitioner", "social work",
				   NULL } },
		{ "local_authority", { "council", "local authority", "education welfare", "ewo",
				       "ews", "cme officer", "cme", "admissions", "inclusion officer",
				       "virtual school", "education officer", "la", "borough",
				       "ehe officer", "elective home education", "send team",
				       "sen team", "county council", NULL } },
		{ "school", { "school", "academy", "teacher", "headteacher", "head teacher",
			      "head of year", "dsl", "designated safeguarding lead", "deputy head",
			      "senco", "pastoral", "principal", "college", "primary", "secondary",
			      "office manager", "business manager", "attendance lead",
			      "safeguarding lead", "learning mentor", "nursery", "infant",
			      "junior", NULL } },
		{ "public", { "parent", "mother", "father", "mum", "dad", "grandparent",
			      "grandmother", "grandfather", "aunt", "uncle", "neighbour",
			      "member of the public", "relative", "family friend", "friend",
			      "carer", "self", "public", "resident", NULL } },
	};
	g_autofree char *w = parse_words(text);

	if (w[0] == '\0')
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(roles); i++)
		if (has_any(w, roles[i].words))
			return roles[i].role;
	return NULL;
}

const char *parse_role_from_domain(const char *email)
{
	const char *at = email != NULL ? strrchr(email, '@') : NULL;
	g_auto(GStrv) labels = NULL;
	const char *role = NULL;

	if (at == NULL)
		return NULL;
	labels = g_strsplit(at + 1, ".", 0);
	for (char **l = labels; *l != NULL && role == NULL; l++) {
		g_autofree char *low = g_ascii_strdown(*l, -1);

		if (strcmp(low, "sch") == 0 || strstr(low, "school") != NULL ||
		    strstr(low, "academy") != NULL)
			role = "school";
		else if (strcmp(low, "nhs") == 0)
			role = "health";
		else if (strcmp(low, "police") == 0 || strcmp(low, "pnn") == 0)
			role = "police";
	}
	return role;
}

/* ---- deletion grounds ---- */

const char *parse_deletion_ground(const char *text)
{
	static const struct { const char *ground; const char *const words[16]; } grounds[] = {
		{ "died", { "died", "deceased", "death", NULL } },
		{ "permanently_excluded", { "permanently excluded", "permanent exclusion", NULL } },
		{ "custody", { "custody", "custodial", NULL } },
		{ "ceased_compulsory_age", { "compulsory school age", NULL } },
		{ "medical", { "medical", "medically", NULL } },
		{ "dual_registration_ended", { "dual registration", "dual registered",
					       "dually registered", NULL } },
		{ "sao_revoked", { "attendance order revoked", "sao revoked", NULL } },
		{ "sao_amended", { "attendance order amended", "sao amended", NULL } },
		{ "nursery_not_continuing", { "nursery", NULL } },
		{ "home_education", { "home education", "home educated", "home educating",
				      "educated at home", "ehe", "elective home",
				      "otherwise than at school", "home schooling",
				      "home schooled", NULL } },
		{ "not_returned_from_leave", { "leave of absence", "not returned", "failed to return",
					       "did not return", "not return", NULL } },
		{ "absent_20_days", { "20 school days", "20 days", "twenty days",
				      "twenty school days", "continuous absence",
				      "20 consecutive", "continuous unauthorised absence", NULL } },
		{ "registered_elsewhere", { "registered at another school", "registered elsewhere",
					    "another school", "new school", "transferred",
					    "transfer", "other school", "on roll elsewhere",
					    "admitted to", "started at", "registered at", NULL } },
		{ "moved_away", { "moved away", "moved out of area", "moved out of the area",
				  "moved abroad", "emigrated", "moved to", "no longer lives",
				  "no longer living", "left the country", "left the area",
				  "relocated", "reasonable distance", "moved house", "moved",
				  "left the uk", NULL } },
	};
	g_autofree char *w = parse_words(text);

	if (w[0] == '\0')
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(grounds); i++)
		if (has_any(w, grounds[i].words))
			return grounds[i].ground;
	return "other";
}
