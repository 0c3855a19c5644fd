/* Tests of the record model: building, outcome, JSON round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "imr/imr.h"
#include "imr/record.h"

static struct imr_record *sample_record(void)
{
    struct imr_record *rec = imr_record_new();
    struct imr_item *it;
    struct imr_citation *c;

    assert_non_null(rec);
    rec->id = strdup("CM13-0012345");
    rec->case_number = strdup("CM13-0012345");
    rec->format = strdup("case_number_header");
    rec->source = strdup("x/CM13-0012345.txt");
    rec->date_injury = strdup("2012-01-25");
    rec->age = 52;
    rec->gender = strdup("female");
    assert_int_equal(imr_strv_push(&rec->diagnoses, &rec->n_diagnoses,
                                   "cervicalgia"), IMR_OK);
    assert_int_equal(imr_strv_push(&rec->specialties, &rec->n_specialties,
                                   "Interventional Spine"), IMR_OK);
    assert_int_equal(imr_record_add_item(rec, &it), IMR_OK);
    it->treatment = strdup("Functional restoration program");
    it->decision = IMR_DECISION_UPHELD;
    assert_int_equal(imr_item_add_citation(it, &c), IMR_OK);
    c->by = IMR_BY_REVIEWER;
    c->guideline = strdup("MTUS");
    assert_int_equal(imr_citation_add_pages(c, 30, 34), IMR_OK);
    assert_int_equal(imr_citation_add_pages(c, 49, 49), IMR_OK);
    assert_int_equal(imr_citation_add_pages(c, 5, 4), IMR_EINVAL);
    assert_int_equal(imr_record_add_item(rec, &it), IMR_OK);
    assert_int_equal(it->n, 2);
    it->treatment = strdup("Norco 10/325 #60");
    it->decision = IMR_DECISION_OVERTURNED;
    assert_int_equal(imr_record_warn(rec, "item %d cut", 1), IMR_OK);
    return rec;
}

static void test_outcome(void **state)
{
    struct imr_record *rec = sample_record();

    (void)state;
    assert_string_equal(imr_record_outcome(rec), "partially overturned");
    rec->items[1].decision = IMR_DECISION_UPHELD;
    assert_string_equal(imr_record_outcome(rec), "upheld");
    rec->items[0].decision = IMR_DECISION_OVERTURNED;
    rec->items[1].decision = IMR_DECISION_UNKNOWN;
    assert_string_equal(imr_record_outcome(rec), "overturned");
    rec->items[0].decision = IMR_DECISION_UNKNOWN;
    assert_null(imr_record_outcome(rec));
    imr_record_free(rec);
}

static void test_json_round_trip(void **state)
{
    struct imr_record *rec = sample_record(), *back = NULL;
    json_t *j, *j2;
    char err[IMR_ERR_LEN];
    char *s1, *s2;

    (void)state;
    j = imr_record_to_json(rec, 0);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "outcome")),
                        "partially overturned");
    assert_int_equal(json_integer_value(json_object_get(
        json_object_get(j, "patient"), "age")), 52);
    assert_true(json_is_null(json_object_get(
        json_object_get(j, "dates"), "decision")));
    assert_int_equal(imr_record_from_json(j, &back, err), IMR_OK);
    j2 = imr_record_to_json(back, 0);
    s1 = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    s2 = json_dumps(j2, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(s1, s2);
    assert_int_equal(back->items[0].citations[0].n_pages, 2);
    assert_int_equal(back->items[0].citations[0].pages[1].from, 49);
    free(s1);
    free(s2);
    json_decref(j);
    json_decref(j2);
    imr_record_free(back);
    imr_record_free(rec);
}

static void test_from_json_rejects(void **state)
{
    struct imr_record *rec = (struct imr_record *)1;
    char err[IMR_ERR_LEN] = "";
    json_t *j;

    (void)state;
    j = json_loads("{\"id\": 5}", 0, NULL);
    assert_int_equal(imr_record_from_json(j, &rec, err), IMR_EINVAL);
    assert_null(rec);
    assert_non_null(strstr(err, "id"));
    json_decref(j);
    j = json_loads("{\"items\": [{\"decision\": \"maybe\"}]}", 0, NULL);
    assert_int_equal(imr_record_from_json(j, &rec, err), IMR_EINVAL);
    json_decref(j);
    j = json_loads("{\"items\": [{\"citations\": [{\"pages\": [[9, 3]]}]}]}",
                   0, NULL);
    assert_int_equal(imr_record_from_json(j, &rec, err), IMR_EINVAL);
    json_decref(j);
    j = json_loads("[1]", 0, NULL);
    assert_int_equal(imr_record_from_json(j, &rec, err), IMR_EINVAL);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outcome),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_from_json_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
