/* The determination record: allocation, outcome, and JSON both ways. */
#include "imr/record.h"
#include "imr/buf.h"
#include "imr/imr.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct imr_record *imr_record_new(void)
{
    struct imr_record *rec = calloc(1, sizeof(*rec));

    if (rec == NULL)
        return NULL;
    rec->age = -1;
    rec->program = strdup("dwc");
    if (rec->program == NULL) {
        free(rec);
        return NULL;
    }
    return rec;
}

void imr_strv_free(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int imr_strv_push(char ***v, size_t *n, const char *s)
{
    char **nv;
    char *copy = strdup(s);

    if (copy == NULL)
        return IMR_ENOMEM;
    nv = realloc(*v, (*n + 1) * sizeof(*nv));
    if (nv == NULL) {
        free(copy);
        return IMR_ENOMEM;
    }
    nv[*n] = copy;
    *v = nv;
    (*n)++;
    return IMR_OK;
}

static void citation_clear(struct imr_citation *c)
{
    free(c->guideline);
    free(c->document);
    free(c->chapter);
    free(c->edition);
    imr_strv_free(c->sections, c->n_sections);
    free(c->pages);
    free(c->text);
}

static void item_clear(struct imr_item *it)
{
    size_t i;

    free(it->treatment);
    for (i = 0; i < it->n_citations; i++)
        citation_clear(&it->citations[i]);
    free(it->citations);
    free(it->rationale);
    free(it->category);
    free(it->subcategory);
}

void imr_record_free(struct imr_record *rec)
{
    size_t i;

    if (rec == NULL)
        return;
    free(rec->id);
    free(rec->case_number);
    free(rec->format);
    free(rec->program);
    free(rec->source);
    free(rec->date_assigned);
    free(rec->date_injury);
    free(rec->date_decision);
    free(rec->date_ur_denial);
    free(rec->date_received);
    free(rec->gender);
    free(rec->review_type);
    free(rec->age_range);
    free(rec->diag_category);
    free(rec->diag_subcategory);
    imr_strv_free(rec->diagnoses, rec->n_diagnoses);
    imr_strv_free(rec->specialties, rec->n_specialties);
    imr_strv_free(rec->licensure, rec->n_licensure);
    for (i = 0; i < rec->n_items; i++)
        item_clear(&rec->items[i]);
    free(rec->items);
    free(rec->summary);
    free(rec->text);
    imr_strv_free(rec->warnings, rec->n_warnings);
    free(rec);
}

int imr_record_warn(struct imr_record *rec, const char *fmt, ...)
{
    struct imr_buf b = IMR_BUF_INIT;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    imr_buf_addvf(&b, fmt, ap);
    va_end(ap);
    if (imr_buf_error(&b) != IMR_OK) {
        imr_buf_free(&b);
        return IMR_ENOMEM;
    }
    rc = imr_strv_push(&rec->warnings, &rec->n_warnings, b.p ? b.p : "");
    imr_buf_free(&b);
    return rc;
}

int imr_record_add_item(struct imr_record *rec, struct imr_item **out)
{
    struct imr_item *items;

    *out = NULL;
    items = realloc(rec->items, (rec->n_items + 1) * sizeof(*items));
    if (items == NULL)
        return IMR_ENOMEM;
    rec->items = items;
    memset(&items[rec->n_items], 0, sizeof(*items));
    items[rec->n_items].n = (int)rec->n_items + 1;
    *out = &items[rec->n_items++];
    return IMR_OK;
}

int imr_item_add_citation(struct imr_item *item, struct imr_citation **out)
{
    struct imr_citation *c;

    *out = NULL;
    c = realloc(item->citations, (item->n_citations + 1) * sizeof(*c));
    if (c == NULL)
        return IMR_ENOMEM;
    item->citations = c;
    memset(&c[item->n_citations], 0, sizeof(*c));
    *out = &c[item->n_citations++];
    return IMR_OK;
}

int imr_citation_add_pages(struct imr_citation *c, int from, int to)
{
    struct imr_page_range *p;

    if (from < 1 || to < from)
        return IMR_EINVAL;
    p = realloc(c->pages, (c->n_pages + 1) * sizeof(*p));
    if (p == NULL)
        return IMR_ENOMEM;
    c->pages = p;
    p[c->n_pages].from = from;
    p[c->n_pages].to = to;
    c->n_pages++;
    return IMR_OK;
}

const char *imr_record_outcome(const struct imr_record *rec)
{
    size_t i, upheld = 0, overturned = 0;

    for (i = 0; i < rec->n_items; i++) {
        if (rec->items[i].decision == IMR_DECISION_UPHELD)
            upheld++;
        else if (rec->items[i].decision == IMR_DECISION_OVERTURNED)
            overturned++;
    }
    if (upheld && overturned)
        return "partially overturned";
    if (overturned)
        return "overturned";
    if (upheld)
        return "upheld";
    return NULL;
}

const char *imr_decision_name(enum imr_decision d)
{
    switch (d) {
    case IMR_DECISION_UPHELD:     return "upheld";
    case IMR_DECISION_OVERTURNED: return "overturned";
    default:                      return "unknown";
    }
}

const char *imr_by_name(enum imr_by by)
{
    return by == IMR_BY_REVIEWER ? "reviewer" : "claims_administrator";
}

int imr_decision_parse(const char *s)
{
    if (strcmp(s, "upheld") == 0)
        return IMR_DECISION_UPHELD;
    if (strcmp(s, "overturned") == 0)
        return IMR_DECISION_OVERTURNED;
    if (strcmp(s, "unknown") == 0)
        return IMR_DECISION_UNKNOWN;
    return -1;
}

/* ---- to JSON ---------------------------------------------------------- */

/* Sets KEY to a string, or to null when S is NULL. Returns 0 or -1. */
static int set_str(json_t *obj, const char *key, const char *s)
{
    return json_object_set_new(obj, key, s ? json_string(s) : json_null());
}

static json_t *strv_json(char **v, size_t n)
{
    json_t *a = json_array();
    size_t i;

    if (a == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (json_array_append_new(a, json_string(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *citation_json(const struct imr_citation *c)
{
    json_t *o = json_object(), *pages = json_array();
    size_t i;
    int bad = (o == NULL || pages == NULL);

    for (i = 0; !bad && i < c->n_pages; i++)
        bad |= json_array_append_new(pages, json_pack("[ii]",
                   c->pages[i].from, c->pages[i].to)) != 0;
    if (!bad) {
        bad |= set_str(o, "by", imr_by_name(c->by));
        bad |= set_str(o, "guideline", c->guideline);
        bad |= set_str(o, "document", c->document);
        bad |= set_str(o, "chapter", c->chapter);
        bad |= set_str(o, "edition", c->edition);
        bad |= json_object_set_new(o, "sections",
                   strv_json(c->sections, c->n_sections));
        bad |= json_object_set(o, "pages", pages);
        bad |= set_str(o, "text", c->text);
    }
    json_decref(pages);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *item_json(const struct imr_item *it)
{
    json_t *o = json_object(), *cites = json_array();
    size_t i;
    int bad = (o == NULL || cites == NULL);

    for (i = 0; !bad && i < it->n_citations; i++)
        bad |= json_array_append_new(cites,
                   citation_json(&it->citations[i])) != 0;
    if (!bad) {
        bad |= json_object_set_new(o, "n", json_integer(it->n));
        bad |= set_str(o, "treatment", it->treatment);
        bad |= set_str(o, "decision", imr_decision_name(it->decision));
        bad |= set_str(o, "category", it->category);
        bad |= set_str(o, "subcategory", it->subcategory);
        bad |= json_object_set(o, "citations", cites);
        bad |= set_str(o, "rationale", it->rationale);
    }
    json_decref(cites);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Adds the DMHC fields to O, only those that are set (DWC letters'
 * JSON is unchanged). Returns nonzero on OOM. */
static int dmhc_json(json_t *o, const struct imr_record *rec)
{
    int bad = 0;

    if (rec->review_type != NULL)
        bad |= set_str(o, "type", rec->review_type);
    if (rec->age_range != NULL)
        bad |= json_object_set_new(json_object_get(o, "patient"),
                                   "age_range",
                                   json_string(rec->age_range));
    if (rec->report_year > 0)
        bad |= json_object_set_new(o, "report_year",
                                   json_integer(rec->report_year));
    if (rec->diag_category != NULL)
        bad |= set_str(o, "diagnosis_category", rec->diag_category);
    if (rec->diag_subcategory != NULL)
        bad |= set_str(o, "diagnosis_subcategory", rec->diag_subcategory);
    return bad;
}

json_t *imr_record_to_json(const struct imr_record *rec, int with_text)
{
    json_t *o = json_object(), *items = json_array();
    size_t i;
    int bad = (o == NULL || items == NULL);

    for (i = 0; !bad && i < rec->n_items; i++)
        bad |= json_array_append_new(items, item_json(&rec->items[i])) != 0;
    if (!bad) {
        bad |= set_str(o, "id", rec->id);
        bad |= set_str(o, "case_number", rec->case_number);
        bad |= set_str(o, "format", rec->format);
        bad |= set_str(o, "program", rec->program);
        bad |= set_str(o, "source", rec->source);
        bad |= json_object_set_new(o, "dates", json_pack("{s:o,s:o,s:o,s:o,s:o}",
            "assigned", rec->date_assigned ? json_string(rec->date_assigned) : json_null(),
            "injury", rec->date_injury ? json_string(rec->date_injury) : json_null(),
            "decision", rec->date_decision ? json_string(rec->date_decision) : json_null(),
            "ur_denial", rec->date_ur_denial ? json_string(rec->date_ur_denial) : json_null(),
            "received", rec->date_received ? json_string(rec->date_received) : json_null()));
        bad |= json_object_set_new(o, "patient", json_pack("{s:o,s:o}",
            "age", rec->age >= 0 ? json_integer(rec->age) : json_null(),
            "gender", rec->gender ? json_string(rec->gender) : json_null()));
        bad |= json_object_set_new(o, "diagnoses",
                   strv_json(rec->diagnoses, rec->n_diagnoses));
        bad |= json_object_set_new(o, "reviewer", json_pack("{s:o,s:o}",
            "specialties", strv_json(rec->specialties, rec->n_specialties),
            "licensure", strv_json(rec->licensure, rec->n_licensure)));
        bad |= set_str(o, "outcome", imr_record_outcome(rec));
        bad |= json_object_set(o, "items", items);
        bad |= json_object_set_new(o, "warnings",
                   strv_json(rec->warnings, rec->n_warnings));
        bad |= dmhc_json(o, rec);
        if (with_text) {
            bad |= set_str(o, "summary", rec->summary);
            bad |= set_str(o, "text", rec->text);
        }
    }
    json_decref(items);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- from JSON -------------------------------------------------------- */

/* Copies the string KEY of OBJ into *OUT (NULL when absent or null).
 * Returns IMR_OK, IMR_EINVAL (not a string) or IMR_ENOMEM. */
static int get_str(const json_t *obj, const char *key, char **out,
                   char *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return IMR_OK;
    if (!json_is_string(v))
        return imr_seterr(err, IMR_EINVAL, "field \"%s\" is not a string",
                          key);
    *out = strdup(json_string_value(v));
    return *out ? IMR_OK : IMR_ENOMEM;
}

static int get_strv(const json_t *obj, const char *key, char ***v,
                    size_t *n, char *err)
{
    json_t *a = json_object_get(obj, key), *e;
    size_t i;
    int rc;

    if (a == NULL || json_is_null(a))
        return IMR_OK;
    if (!json_is_array(a))
        return imr_seterr(err, IMR_EINVAL, "field \"%s\" is not an array",
                          key);
    json_array_foreach(a, i, e) {
        if (!json_is_string(e))
            return imr_seterr(err, IMR_EINVAL,
                              "field \"%s\" holds a non-string", key);
        if ((rc = imr_strv_push(v, n, json_string_value(e))) != IMR_OK)
            return rc;
    }
    return IMR_OK;
}

static int citation_from_json(const json_t *o, struct imr_citation *c,
                              char *err)
{
    json_t *pages = json_object_get(o, "pages"), *p;
    const char *by = json_string_value(json_object_get(o, "by"));
    size_t i;
    int rc;

    c->by = (by && strcmp(by, "reviewer") == 0) ? IMR_BY_REVIEWER
                                                 : IMR_BY_CLAIMS_ADMINISTRATOR;
    if ((rc = get_str(o, "guideline", &c->guideline, err)) ||
        (rc = get_str(o, "document", &c->document, err)) ||
        (rc = get_str(o, "chapter", &c->chapter, err)) ||
        (rc = get_str(o, "edition", &c->edition, err)) ||
        (rc = get_str(o, "text", &c->text, err)) ||
        (rc = get_strv(o, "sections", &c->sections, &c->n_sections, err)))
        return rc;
    if (pages == NULL || json_is_null(pages))
        return IMR_OK;
    if (!json_is_array(pages))
        return imr_seterr(err, IMR_EINVAL, "\"pages\" is not an array");
    json_array_foreach(pages, i, p) {
        json_int_t from, to;

        if (json_unpack(p, "[II]", &from, &to) != 0 || from < 1 ||
            to < from || to > 100000)
            return imr_seterr(err, IMR_EINVAL,
                              "\"pages\" entry %zu is not [from, to]", i);
        if ((rc = imr_citation_add_pages(c, (int)from, (int)to)) != IMR_OK)
            return rc;
    }
    return IMR_OK;
}

static int item_from_json(const json_t *o, struct imr_item *it, char *err)
{
    json_t *cites = json_object_get(o, "citations"), *c;
    const char *d = json_string_value(json_object_get(o, "decision"));
    size_t i;
    int rc, dec;

    if (json_is_integer(json_object_get(o, "n")))
        it->n = (int)json_integer_value(json_object_get(o, "n"));
    dec = d ? imr_decision_parse(d) : IMR_DECISION_UNKNOWN;
    if (dec < 0)
        return imr_seterr(err, IMR_EINVAL, "bad decision \"%s\"", d);
    it->decision = (enum imr_decision)dec;
    if ((rc = get_str(o, "treatment", &it->treatment, err)) ||
        (rc = get_str(o, "rationale", &it->rationale, err)) ||
        (rc = get_str(o, "category", &it->category, err)) ||
        (rc = get_str(o, "subcategory", &it->subcategory, err)))
        return rc;
    if (cites == NULL || json_is_null(cites))
        return IMR_OK;
    if (!json_is_array(cites))
        return imr_seterr(err, IMR_EINVAL, "\"citations\" is not an array");
    json_array_foreach(cites, i, c) {
        struct imr_citation *cit;

        if (!json_is_object(c))
            return imr_seterr(err, IMR_EINVAL, "citation is not an object");
        if ((rc = imr_item_add_citation(it, &cit)) != IMR_OK ||
            (rc = citation_from_json(c, cit, err)) != IMR_OK)
            return rc;
    }
    return IMR_OK;
}

int imr_record_from_json(const json_t *obj, struct imr_record **out,
                         char *err)
{
    struct imr_record *rec;
    json_t *dates, *patient, *reviewer, *items, *it, *age;
    size_t i;
    int rc;

    *out = NULL;
    if (!json_is_object(obj))
        return imr_seterr(err, IMR_EINVAL, "record is not a JSON object");
    if ((rec = imr_record_new()) == NULL)
        return IMR_ENOMEM;
    free(rec->program);
    rec->program = NULL;
    dates = json_object_get(obj, "dates");
    patient = json_object_get(obj, "patient");
    reviewer = json_object_get(obj, "reviewer");
    if ((rc = get_str(obj, "id", &rec->id, err)) ||
        (rc = get_str(obj, "case_number", &rec->case_number, err)) ||
        (rc = get_str(obj, "format", &rec->format, err)) ||
        (rc = get_str(obj, "program", &rec->program, err)) ||
        (rc = get_str(obj, "source", &rec->source, err)) ||
        (rc = get_str(obj, "summary", &rec->summary, err)) ||
        (rc = get_str(obj, "text", &rec->text, err)) ||
        (rc = get_str(obj, "type", &rec->review_type, err)) ||
        (rc = get_str(obj, "diagnosis_category", &rec->diag_category,
                      err)) ||
        (rc = get_str(obj, "diagnosis_subcategory",
                      &rec->diag_subcategory, err)) ||
        (rc = get_strv(obj, "diagnoses", &rec->diagnoses,
                       &rec->n_diagnoses, err)) ||
        (rc = get_strv(obj, "warnings", &rec->warnings,
                       &rec->n_warnings, err)))
        goto fail;
    if (json_is_object(dates) &&
        ((rc = get_str(dates, "assigned", &rec->date_assigned, err)) ||
         (rc = get_str(dates, "injury", &rec->date_injury, err)) ||
         (rc = get_str(dates, "decision", &rec->date_decision, err)) ||
         (rc = get_str(dates, "ur_denial", &rec->date_ur_denial, err)) ||
         (rc = get_str(dates, "received", &rec->date_received, err))))
        goto fail;
    if (json_is_object(patient)) {
        age = json_object_get(patient, "age");
        if (json_is_integer(age))
            rec->age = (int)json_integer_value(age);
        if ((rc = get_str(patient, "gender", &rec->gender, err)) ||
            (rc = get_str(patient, "age_range", &rec->age_range, err)))
            goto fail;
    }
    if (json_is_object(reviewer) &&
        ((rc = get_strv(reviewer, "specialties", &rec->specialties,
                        &rec->n_specialties, err)) ||
         (rc = get_strv(reviewer, "licensure", &rec->licensure,
                        &rec->n_licensure, err))))
        goto fail;
    if (json_is_integer(json_object_get(obj, "report_year")))
        rec->report_year = (int)json_integer_value(
            json_object_get(obj, "report_year"));
    items = json_object_get(obj, "items");
    if (items != NULL && !json_is_array(items)) {
        rc = imr_seterr(err, IMR_EINVAL, "\"items\" is not an array");
        goto fail;
    }
    json_array_foreach(items, i, it) {
        struct imr_item *item;
        int n;

        if (!json_is_object(it)) {
            rc = imr_seterr(err, IMR_EINVAL, "item %zu is not an object", i);
            goto fail;
        }
        if ((rc = imr_record_add_item(rec, &item)) != IMR_OK)
            goto fail;
        n = item->n;
        if ((rc = item_from_json(it, item, err)) != IMR_OK)
            goto fail;
        if (item->n <= 0)
            item->n = n;
    }
    if (rec->program == NULL && (rec->program = strdup("dwc")) == NULL) {
        rc = IMR_ENOMEM;
        goto fail;
    }
    *out = rec;
    return IMR_OK;
fail:
    imr_record_free(rec);
    return rc;
}
