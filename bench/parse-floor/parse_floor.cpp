// What the fastest JSON parser at hand (simdjson, Debian's libsimdjson-dev, its
// best kernel chosen at run time) costs on the inflated reference lake with
// nothing after the parse: a floor under any engine's line stage, beside the
// inflate floor (docs/benchmarks.md, "The parser's floor"). Modes:
//   stage1: iterate_many, count documents (structural index + document split)
//   fields: iterate_many, every top-level field's key and value (strings
//           unescaped, numbers parsed, objects/arrays skipped as raw json)
//   dom:    parse_many into the DOM (every value of every line)
#include <simdjson.h>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
using namespace simdjson;
static double cpu() { timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char** argv) {
  if (argc < 3) { fprintf(stderr, "parse_floor FILE stage1|fields|dom\n"); return 2; }
  auto json = padded_string::load(argv[1]);
  if (json.error()) { fprintf(stderr, "load failed\n"); return 1; }
  const char* mode = argv[2];
  size_t docs = 0, sink = 0;
  double c0 = cpu();
  auto t0 = std::chrono::steady_clock::now();
  if (strcmp(mode, "stage1") && strcmp(mode, "fields") && strcmp(mode, "dom")) { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
  if (!strcmp(mode, "dom")) {
    dom::parser p;
    dom::document_stream s;
    if (p.parse_many(json.value()).get(s)) return 1;
    for (auto d : s) { dom::element e; if (d.get(e)) return 1; docs++; sink += e.is_object(); }
  } else {
    ondemand::parser p;
    ondemand::document_stream s;
    if (p.iterate_many(json.value(), 1 << 20).get(s)) return 1;
    for (auto d : s) {
      docs++;
      if (!strcmp(mode, "fields")) {
        ondemand::object o;
        if (d.get_object().get(o)) return 1;
        for (auto f : o) {
          std::string_view k;
          if (f.unescaped_key().get(k)) return 1;
          sink += k.size();
          ondemand::value v = f.value();
          ondemand::json_type t;
          if (v.type().get(t)) return 1;
          if (t == ondemand::json_type::string) { std::string_view sv; if (v.get_string().get(sv)) return 1; sink += sv.size(); }
          else if (t == ondemand::json_type::number) { double x; if (v.get_double().get(x)) return 1; sink += (size_t)x; }
          else { sink += 1; }  // skipped when the loop moves on
        }
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double c = cpu() - c0;
  printf("mode=%s docs=%zu bytes=%zu wall_s=%.3f cpu_s=%.3f gb_per_cpu_s=%.2f ns_per_line=%.0f sink=%zu impl=%s\n",
         mode, docs, json.value().size(), secs, c, json.value().size() / c / 1e9, c * 1e9 / docs, sink,
         simdjson::get_active_implementation()->name().data());
}
