// imr-bench-xapian: the Xapian baseline of bench/run (C++, built only
// when libxapian-dev is found). "index" reads the item texts of an
// imr-search index (treatment, rationale, diagnoses, summary: the view
// item_fts_src) and indexes them with the English stemmer, field weights
// like the BM25 column weights; "query" runs the FTS5 MATCH strings of
// the text queries (CLASS<TAB>FTS lines written by imr-bench-query) as
// Xapian queries, top 10 with a snippet, and prints latency percentiles
// per class as JSON.
#include <xapian.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

double now_ms()
{
    using namespace std::chrono;
    return duration<double, std::milli>(
        steady_clock::now().time_since_epoch()).count();
}

const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *p = sqlite3_column_text(st, i);
    return p ? reinterpret_cast<const char *>(p) : "";
}

int do_index(const char *sqlite_path, const char *dir)
{
    sqlite3 *db = nullptr;
    sqlite3_stmt *st = nullptr;
    if (sqlite3_open_v2(sqlite_path, &db, SQLITE_OPEN_READONLY, nullptr) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id, treatment, rationale, diagnoses,"
                           " summary FROM item_fts_src", -1, &st,
                           nullptr) != SQLITE_OK) {
        std::cerr << "imr-bench-xapian: " << sqlite3_errmsg(db) << "\n";
        sqlite3_close(db);
        return 1;
    }
    Xapian::WritableDatabase xdb(dir, Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem("english"));
    long n = 0;
    xdb.begin_transaction(false);
    while (sqlite3_step(st) == SQLITE_ROW) {
        Xapian::Document doc;
        tg.set_document(doc);
        tg.index_text(col(st, 1), 10);
        tg.increase_termpos();
        tg.index_text(col(st, 2), 4);
        tg.increase_termpos();
        tg.index_text(col(st, 3), 3);
        tg.increase_termpos();
        tg.index_text(col(st, 4), 1);
        doc.set_data(col(st, 2));
        xdb.replace_document(
            static_cast<Xapian::docid>(sqlite3_column_int64(st, 0)), doc);
        n++;
    }
    xdb.commit_transaction();
    xdb.commit();
    sqlite3_finalize(st);
    sqlite3_close(db);
    std::cerr << "imr-bench-xapian: indexed " << n << " items\n";
    return 0;
}

// The FTS5 MATCH string ("a" AND ("b" OR "c d") AND "e"*) in the
// QueryParser's syntax: the same words, phrases and operators.
std::string to_xapian(const std::string &fts)
{
    std::string out;
    for (size_t i = 0; i < fts.size(); i++) {
        if (fts[i] == '"' && i + 1 < fts.size() && fts[i + 1] == '*') {
            out += '"';
            continue;
        }
        if (fts[i] == '*' && i > 0 && fts[i - 1] == '"') {
            // "hydro"* -> hydro*: drop the quotes around a prefix
            size_t q = out.rfind('"', out.size() - 2);
            if (q != std::string::npos) {
                out.erase(out.size() - 1);
                out.erase(q, 1);
            }
            out += '*';
            continue;
        }
        out += fts[i];
    }
    return out;
}

int do_query(const char *dir, const char *qfile, int rounds)
{
    Xapian::Database xdb(dir);
    Xapian::QueryParser qp;
    Xapian::Stem stem("english");
    qp.set_stemmer(stem);
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_AND);
    qp.set_database(xdb);
    std::ifstream in(qfile);
    std::vector<std::pair<std::string, std::string>> qs;
    std::string line;
    while (std::getline(in, line)) {
        size_t t = line.find('\t');
        if (t != std::string::npos)
            qs.emplace_back(line.substr(0, t),
                            to_xapian(line.substr(t + 1)));
    }
    std::map<std::string, std::vector<double>> samples;
    std::vector<double> all;
    unsigned flags = Xapian::QueryParser::FLAG_BOOLEAN |
                     Xapian::QueryParser::FLAG_PHRASE |
                     Xapian::QueryParser::FLAG_WILDCARD |
                     Xapian::QueryParser::FLAG_LOVEHATE;
    for (int r = -1; r < rounds; r++) {
        for (const auto &q : qs) {
            double t0 = now_ms();
            Xapian::Enquire enq(xdb);
            enq.set_query(qp.parse_query(q.second, flags));
            Xapian::MSet ms = enq.get_mset(0, 10);
            size_t bytes = 0;
            for (auto it = ms.begin(); it != ms.end(); ++it)
                bytes += ms.snippet(it.get_document().get_data(), 200,
                                    stem).size();
            (void)ms.get_matches_estimated();
            double dt = now_ms() - t0;
            if (r >= 0 && bytes != static_cast<size_t>(-1)) {
                samples[q.first].push_back(dt);
                all.push_back(dt);
            }
        }
    }
    auto pct = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        auto at = [&](double p) {
            return v[static_cast<size_t>(p * (v.size() - 1) + 0.5)];
        };
        char buf[256];
        std::snprintf(buf, sizeof(buf), "{\"n\": %zu, \"p50\": %.4f, "
                      "\"p95\": %.4f, \"p99\": %.4f, \"max\": %.4f}",
                      v.size(), at(0.5), at(0.95), at(0.99), v.back());
        return std::string(buf);
    };
    std::cout << "{\"classes\": {";
    bool first = true;
    for (const auto &kv : samples) {
        std::cout << (first ? "" : ", ") << "\"" << kv.first
                  << "\": {\"xapian\": " << pct(kv.second) << "}";
        first = false;
    }
    std::cout << "}, \"mix\": {\"xapian\": "
              << (all.empty() ? std::string("null") : pct(all)) << "}}\n";
    return 0;
}

}  // namespace

int main(int argc, char **argv)
{
    try {
        if (argc == 4 && std::strcmp(argv[1], "index") == 0)
            return do_index(argv[2], argv[3]);
        if ((argc == 4 || argc == 5) && std::strcmp(argv[1], "query") == 0)
            return do_query(argv[2], argv[3], argc == 5 ?
                            std::max(1, std::atoi(argv[4])) : 3);
    } catch (const Xapian::Error &e) {
        std::cerr << "imr-bench-xapian: " << e.get_description() << "\n";
        return 1;
    }
    std::cerr << "usage: imr-bench-xapian index IMR_INDEX.db XAPIAN_DIR\n"
                 "       imr-bench-xapian query XAPIAN_DIR FTS_FILE "
                 "[ROUNDS]\n";
    return 2;
}
