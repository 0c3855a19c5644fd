/* imr-corpus: internal header of the letter generator (tables in
 * gen_data.c, letter writer in gen.c, options and files in gen_main.c). */
#ifndef IMR_CORPUS_GEN_H
#define IMR_CORPUS_GEN_H
#include <stddef.h>
#include <stdint.h>
#include "imr/buf.h"
#include "imr/record.h"

/* The guideline a treatment is judged by. */
enum gen_src {
    GEN_CPMTG = 0,   /* MTUS Chronic Pain Medical Treatment Guidelines */
    GEN_ACOEM,       /* an ACOEM (MTUS 2004) chapter, with pages */
    GEN_ODG,         /* Official Disability Guidelines chapter, no pages */
    GEN_ACUP,        /* MTUS Acupuncture Medical Treatment Guidelines */
    GEN_POSTSURG     /* MTUS Postsurgical Treatment Guidelines */
};

/* One commonly disputed treatment with its guideline topic. */
struct gen_treat {
    const char *text[4];    /* item wordings as written, NULL-terminated */
    const char *shortname;  /* for the rationale: "a functional ..." */
    const char *cat;        /* DWC category */
    const char *sub;        /* DWC sub category or NULL */
    int weight;             /* relative frequency */
    int overturn;           /* overturned per mille */
    enum gen_src src;       /* the guideline cited */
    int chapter;            /* ACOEM chapter number for GEN_ACOEM */
    const char *pages;      /* "30-34, 49"; NULL for none */
    const char *section;    /* the 2016-17 "Section(s):" topic */
    const char *odg;        /* ODG chapter also cited by some, or NULL */
    const char *crit;       /* what the guideline requires */
    const char *gap;        /* what the records lack (upheld) */
    const char *met;        /* what the records show (overturned) */
};

/* An ACOEM 2nd edition chapter as the MTUS 2004 adopted it. */
struct gen_chapter {
    int n;              /* 12 */
    const char *name;   /* "Low Back Complaints" */
    const char *year;   /* "2004" */
};

/* A diagnosis group: the conditions of one body region. */
struct gen_dx {
    const char *names[7];   /* lower-case, NULL-terminated */
};

/* A reviewer profile: certifications in the order written. */
struct gen_reviewer {
    const char *specs[3];   /* NULL-terminated */
    int weight;
};

extern const struct gen_treat gen_treats[];
extern const size_t gen_n_treats;
extern const struct gen_chapter gen_chapters[];
extern const size_t gen_n_chapters;
extern const struct gen_dx gen_dxs[];
extern const size_t gen_n_dxs;
extern const struct gen_reviewer gen_reviewers[];
extern const size_t gen_n_reviewers;
extern const char *const gen_states[];
extern const size_t gen_n_states;
extern const char *const gen_mechanisms[];
extern const size_t gen_n_mechanisms;
extern const char *const gen_jobs[];
extern const size_t gen_n_jobs;

/* The PRNG of one letter: xoshiro256** seeded through splitmix64. */
struct gen_rng {
    uint64_t s[4];
};

/* Seeds RNG from the corpus SEED and the letter number INDEX, so every
 * letter can be made alone and in any order. */
void gen_rng_seed(struct gen_rng *rng, uint64_t seed, uint64_t index);
/* Returns the next 64 random bits. */
uint64_t gen_rng_next(struct gen_rng *rng);
/* Returns a uniform integer in [0, n); n > 0. */
unsigned gen_rng_below(struct gen_rng *rng, unsigned n);

/* Makes letter number INDEX (0-based) of the corpus SEED: its bytes go to
 * TEXT (appended) and its truth to a new record in *OUT (imr_record_free),
 * with "source" set to REL. Returns IMR_OK or IMR_ENOMEM. */
int gen_letter(uint64_t seed, uint64_t index, const char *rel,
               struct imr_buf *text, struct imr_record **out);

/* The case number of letter INDEX, e.g. "CM15-0000124", into BUF
 * (at least 16 bytes). The year depends on SEED. */
void gen_case_number(uint64_t seed, uint64_t index, char *buf);

#endif
