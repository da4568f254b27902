#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/scenario/json_doc.h"
#include "tests/scenario/input_error.h"
#include "sim/scenario/json_reader.h"

using scenario::element;
using scenario::InputError;
using scenario::JsonDoc;
using scenario::ObjectReader;

namespace {


std::string parse_error(const std::string& text) {
  return error_of([&] { JsonDoc::parse(text, "x.json"); });
}

// Line numbers are on the right.
const char* const kDoc =
    "{\n"                                  // 1
    "  \"name\": \"race\",\n"              // 2
    "  \"kernel\": {\n"                    // 3
    "    \"protocol\": \"ipi\",\n"         // 4
    "    \"tick_hz\": 250\n"               // 5
    "  },\n"                               // 6
    "  \"platform\": {\"cpus\": 4, \"smt\": true},\n"  // 7
    "  \"workload\": [\n"                  // 8
    "    [\n"                              // 9
    "      {\"at\": 0, \"op\": \"start\"},\n"  // 10
    "      {\n"                            // 11
    "        \"at\": 10,\n"                // 12
    "        \"op\": \"stop\"\n"           // 13
    "      }\n"                            // 14
    "    ],\n"                             // 15
    "    []\n"                             // 16
    "  ],\n"                               // 17
    "  \"ratio\": 0.5\n"                   // 18
    "}\n";                                 // 19

JsonDoc doc() { return JsonDoc::parse(kDoc, "scenarios/race.json"); }

const std::vector<std::string> kProtocols = {"ipi", "pz2021", "rfc1", "v7"};

}  // namespace

// ---------------------------------------------------------------- positions

TEST(JsonDocLines, TopLevelAndNestedKeys) {
  JsonDoc d = doc();
  EXPECT_EQ(d.name(), "scenarios/race.json");
  EXPECT_EQ(d.line_of(""), 1);
  EXPECT_EQ(d.line_of("/name"), 2);
  EXPECT_EQ(d.line_of("/kernel"), 3);
  EXPECT_EQ(d.line_of("/kernel/protocol"), 4);
  EXPECT_EQ(d.line_of("/kernel/tick_hz"), 5);  // number followed by a newline (lexer look-ahead)
  EXPECT_EQ(d.line_of("/platform"), 7);
  EXPECT_EQ(d.line_of("/platform/cpus"), 7);
  EXPECT_EQ(d.line_of("/platform/smt"), 7);
  EXPECT_EQ(d.line_of("/ratio"), 18);  // float followed by a newline
  EXPECT_EQ(d.line_of("/nope"), 0);
  EXPECT_EQ(d.line_of("/kernel/nope"), 0);
}

TEST(JsonDocLines, ArrayElements) {
  JsonDoc d = doc();
  EXPECT_EQ(d.line_of("/workload"), 8);
  EXPECT_EQ(d.line_of("/workload/0"), 9);
  EXPECT_EQ(d.line_of("/workload/0/0"), 10);
  EXPECT_EQ(d.line_of("/workload/0/0/at"), 10);
  EXPECT_EQ(d.line_of("/workload/0/0/op"), 10);
  EXPECT_EQ(d.line_of("/workload/0/1"), 11);
  EXPECT_EQ(d.line_of("/workload/0/1/at"), 12);
  EXPECT_EQ(d.line_of("/workload/0/1/op"), 13);
  EXPECT_EQ(d.line_of("/workload/1"), 16);
  EXPECT_EQ(d.line_of("/workload/2"), 0);
}

TEST(JsonDocLines, DomMatchesText) {
  JsonDoc d = doc();
  EXPECT_EQ(d.root(), nlohmann::json::parse(kDoc));
  EXPECT_TRUE(d.root()["kernel"]["tick_hz"].is_number_unsigned());
  EXPECT_TRUE(d.root()["ratio"].is_number_float());
}

TEST(JsonDocLines, ScalarRootsAndBlankLines) {
  EXPECT_EQ(JsonDoc::parse("42", "n").line_of(""), 1);
  EXPECT_EQ(JsonDoc::parse("\n\n42\n\n", "n").line_of(""), 3);
  EXPECT_EQ(JsonDoc::parse("\n\n\"s\"", "n").line_of(""), 3);
  JsonDoc d = JsonDoc::parse("[\n1,\n\n-2.5e3\n,\ntrue\n,null]", "n");
  EXPECT_EQ(d.line_of("/0"), 2);
  EXPECT_EQ(d.line_of("/1"), 4);
  EXPECT_EQ(d.line_of("/2"), 6);
  EXPECT_EQ(d.line_of("/3"), 7);
}

TEST(JsonDocLines, MemberStartsAtItsKey) {
  JsonDoc d = JsonDoc::parse("{\"a\":\n\n  5,\n \"b\"\n:\n{}}", "n");
  EXPECT_EQ(d.line_of("/a"), 1);
  EXPECT_EQ(d.line_of("/b"), 4);
}

TEST(JsonDocLines, CrLfLineEndings) {
  JsonDoc d = JsonDoc::parse("{\r\n  \"a\": 1,\r\n  \"b\": 2\r\n}\r\n", "n");
  EXPECT_EQ(d.line_of("/a"), 2);
  EXPECT_EQ(d.line_of("/b"), 3);
}

TEST(JsonDocLines, EscapedPointers) {
  EXPECT_EQ(scenario::pointer_escape("a/b~c"), "a~1b~0c");
  JsonDoc d = JsonDoc::parse("{\n\"a/b~c\": {\n\"\": 1}}", "n");
  EXPECT_EQ(d.line_of("/a~1b~0c"), 2);
  EXPECT_EQ(d.line_of("/a~1b~0c/"), 3);
  ASSERT_NE(d.find("/a~1b~0c/"), nullptr);
  EXPECT_EQ(*d.find("/a~1b~0c/"), 1);
  ObjectReader r(d, "");
  EXPECT_EQ(r.pointer("a/b~c"), "/a~1b~0c");
  EXPECT_EQ(error_of([&] { r.object("a/b~c").fail_here("bad"); }), "n:2: /a~1b~0c: bad");
}

TEST(JsonDocLines, KeysInDocumentOrder) {
  JsonDoc d = JsonDoc::parse(R"({"zeta": 1, "alpha": 2, "mid": {"y": 1, "x": 2}})", "n");
  EXPECT_EQ(d.keys_in_order(""), (std::vector<std::string>{"zeta", "alpha", "mid"}));
  EXPECT_EQ(d.keys_in_order("/mid"), (std::vector<std::string>{"y", "x"}));
  EXPECT_TRUE(d.keys_in_order("/zeta").empty());
  EXPECT_TRUE(d.keys_in_order("/missing").empty());
}

TEST(JsonDocFind, Pointers) {
  JsonDoc d = doc();
  ASSERT_NE(d.find("/workload/0/1/op"), nullptr);
  EXPECT_EQ(*d.find("/workload/0/1/op"), "stop");
  EXPECT_EQ(d.find("/workload/00"), nullptr);
  EXPECT_EQ(d.find("/workload/7"), nullptr);
  EXPECT_EQ(d.find("/name/x"), nullptr);
  EXPECT_EQ(d.find("kernel"), nullptr);
  EXPECT_EQ(d.find("/bad~2escape"), nullptr);
  EXPECT_EQ(d.find(""), &d.root());
}

// ---------------------------------------------------------------- malformed input

TEST(JsonDocMalformed, MissingComma) {
  EXPECT_EQ(parse_error("{\n  \"a\": 1\n  \"b\": 2\n}\n"),
            "x.json:3: malformed JSON: expected ',' or '}' after object member, got string literal");
  EXPECT_EQ(parse_error("[\n1\n\n2]"), "x.json:4: malformed JSON: expected ',' or ']' after array element, got number literal");
}

// Each node keeps its JSON pointer, so depth costs its square in memory: a million levels once took
// gigabytes before the type error showed. Refused at the first level past the limit instead.
TEST(JsonDocMalformed, NestingDepthIsBounded) {
  auto nested = [](std::size_t depth) {
    return "{\"a\":\n" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  EXPECT_EQ(parse_error(nested(scenario::kMaxJsonDepth)), "<no error>");
  const std::string msg = parse_error(nested(scenario::kMaxJsonDepth + 1));
  EXPECT_EQ(msg, "x.json:2: /a/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/...: malformed JSON: nested deeper than 256 "
                 "arrays and objects");
  EXPECT_EQ(parse_error(nested(1000000)), msg);
}

TEST(JsonDocMalformed, TrailingGarbage) {
  EXPECT_EQ(parse_error("{\"a\": 1}\n\n}\n"),
            "x.json:3: malformed JSON: expected end of input after the top-level value, got '}'");
  EXPECT_EQ(parse_error("{\"a\": 1}\n\n  xyz\n"), "x.json:3: malformed JSON: invalid literal; last read: 'x'");
  EXPECT_EQ(parse_error("[1, tru]"), "x.json:1: malformed JSON: invalid literal; last read: 'tru]'");
  EXPECT_EQ(parse_error("[\"s\",\n\"t\", nul"), "x.json:2: malformed JSON: invalid literal; last read: 'nul'");
}

TEST(JsonDocMalformed, UnterminatedString) {
  EXPECT_EQ(parse_error("{\n  \"a\": \"abc\n}\n"),
            "x.json:2: malformed JSON: invalid string: control character U+000A (LF) must be escaped to "
            "\\u000A or \\n; last read: '\"abc<U+000A>'");
  EXPECT_EQ(parse_error("{\n\n  \"a\": \"abc"),
            "x.json:3: malformed JSON: invalid string: missing closing quote; last read: '\"abc'");
}

TEST(JsonDocMalformed, OtherSyntaxErrors) {
  EXPECT_EQ(parse_error(""), "x.json:1: malformed JSON: expected a value, got end of input");
  EXPECT_EQ(parse_error("{\n  \"a\": [1,\n\n"), "x.json:2: malformed JSON: expected a value, got end of input");
  EXPECT_EQ(parse_error("{\n  \"a\": 1,\n}"), "x.json:3: malformed JSON: expected a string as object key, got '}'");
  EXPECT_EQ(parse_error("{\n  \"a\" 1}"), "x.json:2: malformed JSON: expected ':' after object key, got number literal");
  EXPECT_EQ(parse_error("{\"a\": ]}"), "x.json:1: malformed JSON: expected a value, got ']'");
  EXPECT_EQ(parse_error("{\"a\":\n // comment\n 1}"),
            "x.json:2: malformed JSON: invalid literal; last read: '/'");
}

TEST(JsonDocMalformed, LongLexerTokenIsShortenedAndOneLine) {
  std::string msg = parse_error("[\"" + std::string(200, 'y'));
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  EXPECT_LT(msg.size(), 150u);
  EXPECT_EQ(msg.rfind("x.json:1: malformed JSON: invalid string: missing closing quote; last read: '\"yyy", 0), 0u);
}

TEST(JsonDocMalformed, DuplicateKey) {
  EXPECT_EQ(parse_error("{\n  \"a\": 1,\n  \"b\": {\"c\": 1,\n    \"c\": 2}\n}"),
            "x.json:4: /b/c: duplicate key \"c\" (first defined on line 3)");
  EXPECT_EQ(parse_error("{\"a\": 1, \"a\": 1}"), "x.json:1: /a: duplicate key \"a\" (first defined on line 1)");
  // Same key in different objects is fine.
  EXPECT_EQ(parse_error("[{\"a\": 1}, {\"a\": 2}]"), "<no error>");
}

TEST(JsonDocFile, LoadsAndNamesFile) {
  char tmpl[] = "/tmp/scn_json_XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(tmpl);
    out << "{\n\"a\": 1,\n\"b\": \"x\"\n}\n";
  }
  JsonDoc d = JsonDoc::load_file(tmpl);
  EXPECT_EQ(d.name(), tmpl);
  EXPECT_EQ(d.line_of("/b"), 3);
  EXPECT_EQ(error_of([&] { ObjectReader(d, "").get_u64("b"); }),
            std::string(tmpl) + ":3: /b: expected an unsigned integer, got string \"x\"");
  {
    std::ofstream out(tmpl);
    out << "{\n\"a\": 1\n\"b\": 2}";
  }
  EXPECT_EQ(error_of([&] { JsonDoc::load_file(tmpl); }),
            std::string(tmpl) + ":3: malformed JSON: expected ',' or '}' after object member, got string literal");
  std::remove(tmpl);
}

TEST(JsonDocFile, CannotRead) {
  EXPECT_EQ(error_of([] { JsonDoc::load_file("/nonexistent_dir_scn/x.json"); }),
            "/nonexistent_dir_scn/x.json: cannot read file: No such file or directory");
  EXPECT_EQ(error_of([] { JsonDoc::load_file("/tmp"); }), "/tmp: cannot read file: Is a directory");
}

// ---------------------------------------------------------------- fail()

TEST(JsonDocFail, UsesLineOrNearestAncestor) {
  JsonDoc d = doc();
  EXPECT_EQ(error_of([&] { d.fail("/kernel/protocol", "bad"); }), "scenarios/race.json:4: /kernel/protocol: bad");
  EXPECT_EQ(error_of([&] { d.fail("/workload/0/1/zzz", "absent"); }), "scenarios/race.json:11: /workload/0/1/zzz: absent");
  EXPECT_EQ(error_of([&] { d.fail("", "top"); }), "scenarios/race.json:1: top");
}

// ---------------------------------------------------------------- ObjectReader

TEST(ObjectReader, TypedGettersReadValues) {
  JsonDoc d = doc();
  ObjectReader r(d, "");
  EXPECT_EQ(r.get_string("name"), "race");
  ObjectReader k = r.object("kernel");
  EXPECT_EQ(k.pointer(), "/kernel");
  EXPECT_EQ(k.get_enum("protocol", kProtocols), "ipi");
  EXPECT_EQ(k.get_u64("tick_hz"), 250u);
  EXPECT_EQ(k.get_u64_in("tick_hz", 100, 1000), 250u);
  EXPECT_EQ(k.get_u64("absent", 7), 7u);
  EXPECT_EQ(k.get_u64_in("absent2", 1, 2, 99), 99u);
  EXPECT_EQ(k.get_string("absent3", "dflt"), "dflt");
  EXPECT_EQ(k.get_enum("absent4", kProtocols, "v7"), "v7");
  EXPECT_FALSE(k.get_bool("absent5", false));
  EXPECT_DOUBLE_EQ(k.get_double("absent6", 1.25), 1.25);
  EXPECT_FALSE(k.has("nope"));
  k.finish();
  ObjectReader p = r.object("platform");
  EXPECT_EQ(p.get_u64("cpus"), 4u);
  EXPECT_TRUE(p.get_bool("smt"));
  EXPECT_TRUE(p.get_bool("smt", false));
  EXPECT_DOUBLE_EQ(p.get_double("cpus"), 4.0);
  EXPECT_DOUBLE_EQ(r.get_double("ratio"), 0.5);
  EXPECT_DOUBLE_EQ(r.get_double("ratio", 9.0), 0.5);
  EXPECT_EQ(r.array_size("workload"), 2u);
  EXPECT_EQ(r.raw("workload")[1].size(), 0u);
  r.finish();
}

TEST(ObjectReader, UnsignedIntegerRules) {
  JsonDoc d = JsonDoc::parse(
      "{\"neg\": -3,\n\"frac\": 1.5,\n\"whole\": 2.0,\n\"exp\": 1e3,\n\"str\": \"5\",\n\"big\": 1e20,\n"
      "\"max\": 18446744073709551615,\n\"negf\": -2.0,\n\"null\": null,\n\"arr\": [1]}",
      "t.json");
  ObjectReader r(d, "");
  EXPECT_EQ(error_of([&] { r.get_u64("neg"); }), "t.json:1: /neg: expected an unsigned integer, got negative number -3");
  EXPECT_EQ(error_of([&] { r.get_u64("frac"); }), "t.json:2: /frac: expected an unsigned integer, got non-integer number 1.5");
  EXPECT_EQ(r.get_u64("whole"), 2u);
  EXPECT_EQ(r.get_u64("exp"), 1000u);
  EXPECT_EQ(error_of([&] { r.get_u64("str"); }), "t.json:5: /str: expected an unsigned integer, got string \"5\"");
  EXPECT_EQ(error_of([&] { r.get_u64("big"); }), "t.json:6: /big: expected an unsigned integer, got number 1e+20 (too large)");
  EXPECT_EQ(r.get_u64("max"), 18446744073709551615ull);
  EXPECT_EQ(error_of([&] { r.get_u64("negf", 1); }), "t.json:8: /negf: expected an unsigned integer, got negative number -2.0");
  EXPECT_EQ(error_of([&] { r.get_u64("null", 1); }), "t.json:9: /null: expected an unsigned integer, got null");
  EXPECT_EQ(error_of([&] { r.get_u64("arr"); }), "t.json:10: /arr: expected an unsigned integer, got array");
}

TEST(ObjectReader, OtherTypeErrors) {
  JsonDoc d = doc();
  ObjectReader r(d, "");
  EXPECT_EQ(error_of([&] { r.get_string("kernel"); }), "scenarios/race.json:3: /kernel: expected a string, got object");
  EXPECT_EQ(error_of([&] { r.get_double("name"); }), "scenarios/race.json:2: /name: expected a number, got string \"race\"");
  EXPECT_EQ(error_of([&] { r.get_bool("ratio", true); }), "scenarios/race.json:18: /ratio: expected true or false, got number 0.5");
  EXPECT_EQ(error_of([&] { r.object("workload"); }), "scenarios/race.json:8: /workload: expected an object, got array");
  EXPECT_EQ(error_of([&] { r.array_size("platform"); }), "scenarios/race.json:7: /platform: expected an array, got object");
  EXPECT_EQ(error_of([&] { r.object("kernel").get_enum("tick_hz", kProtocols); }),
            "scenarios/race.json:5: /kernel/tick_hz: expected a string (one of: ipi, pz2021, rfc1, v7), got number 250");
  EXPECT_EQ(error_of([&] { ObjectReader(d, "/name"); }), "scenarios/race.json:2: /name: expected an object, got string \"race\"");
  EXPECT_EQ(error_of([&] { ObjectReader(d, "/kernel/x"); }), "scenarios/race.json:3: /kernel/x: missing (expected an object)");
  JsonDoc arr = JsonDoc::parse("\n[1]", "a.json");
  EXPECT_EQ(error_of([&] { ObjectReader(arr, ""); }), "a.json:2: expected an object, got array");
}

TEST(ObjectReader, LongStringsAreShortenedInMessages) {
  JsonDoc d = JsonDoc::parse("{\"s\": \"" + std::string(100, 'a') + "\"}", "l.json");
  EXPECT_EQ(error_of([&] { ObjectReader(d, "").get_u64("s"); }),
            "l.json:1: /s: expected an unsigned integer, got string \"" + std::string(37, 'a') + "...\"");
}

TEST(ObjectReader, MissingRequiredKey) {
  JsonDoc d = doc();
  ObjectReader k(d, "/kernel");
  EXPECT_EQ(error_of([&] { k.get_u64("cpus"); }), "scenarios/race.json:3: /kernel: missing required key \"cpus\"");
  EXPECT_EQ(error_of([&] { k.raw("x"); }), "scenarios/race.json:3: /kernel: missing required key \"x\"");
  EXPECT_EQ(error_of([&] { k.object("sub"); }), "scenarios/race.json:3: /kernel: missing required key \"sub\"");
  EXPECT_EQ(error_of([&] { k.get_string("s"); }), "scenarios/race.json:3: /kernel: missing required key \"s\"");
}

TEST(ObjectReader, RangeErrors) {
  JsonDoc d = doc();
  ObjectReader k(d, "/kernel");
  EXPECT_EQ(error_of([&] { k.get_u64_in("tick_hz", 1, 100); }),
            "scenarios/race.json:5: /kernel/tick_hz: must be between 1 and 100, got 250");
  EXPECT_EQ(error_of([&] { k.get_u64_in("tick_hz", 251, 1000, 5); }),
            "scenarios/race.json:5: /kernel/tick_hz: must be between 251 and 1000, got 250");
  EXPECT_EQ(k.get_u64_in("tick_hz", 250, 250), 250u);
}

TEST(ObjectReader, EnumErrors) {
  JsonDoc d = JsonDoc::parse("{\n\"kernel\": {\n\n\"protocol\": \"foo\"}}", "scenarios/race.json");
  ObjectReader k(d, "/kernel");
  EXPECT_EQ(error_of([&] { k.get_enum("protocol", kProtocols); }),
            "scenarios/race.json:4: /kernel/protocol: unknown value \"foo\" (expected one of: ipi, pz2021, rfc1, v7)");
  EXPECT_EQ(error_of([&] { k.get_enum("protocol", {"b", "a"}, "a"); }),
            "scenarios/race.json:4: /kernel/protocol: unknown value \"foo\" (expected one of: b, a)");
}

TEST(ObjectReader, FinishReportsFirstUnknownKeyInDocumentOrder) {
  JsonDoc d = JsonDoc::parse(
      "{\n"
      "  \"kernel\": {\n"
      "    \"protocol\": \"ipi\",\n"
      "    \"zzz\": 1,\n"
      "    \"tick\": 250,\n"
      "    \"aaa\": 2\n"
      "  }\n"
      "}\n",
      "k.json");
  ObjectReader k(d, "/kernel");
  k.get_enum("protocol", kProtocols);
  k.get_u64("tick_hz", 100);
  EXPECT_EQ(error_of([&] { k.finish(); }),
            "k.json:4: /kernel/zzz: unknown key \"zzz\" (allowed: protocol, tick_hz)");
  EXPECT_EQ(error_of([&] { k.finish({"zzz"}); }),
            "k.json:5: /kernel/tick: unknown key \"tick\" (allowed: protocol, tick_hz, zzz)");
  k.has("tick");
  EXPECT_EQ(error_of([&] { k.finish({"zzz"}); }),
            "k.json:6: /kernel/aaa: unknown key \"aaa\" (allowed: protocol, tick, tick_hz, zzz)");
  EXPECT_EQ(error_of([&] { k.finish({"zzz", "aaa"}); }), "<no error>");

  ObjectReader root(d, "");
  EXPECT_EQ(error_of([&] { root.finish(); }), "k.json:2: /kernel: unknown key \"kernel\" (no keys allowed here)");
  root.object("kernel");
  EXPECT_EQ(error_of([&] { root.finish(); }), "<no error>");
}

TEST(ObjectReader, FinishCountsEveryAccessor) {
  JsonDoc d = JsonDoc::parse(R"({"a": 1, "b": {}, "c": [], "d": 2, "e": "x", "f": true, "g": 1.5, "h": "v"})", "n");
  ObjectReader r(d, "");
  r.raw("a");
  r.object("b");
  r.array_size("c");
  r.has("d");
  r.get_string("e", "");
  r.get_bool("f", false);
  r.get_double("g");
  EXPECT_EQ(error_of([&] { r.finish(); }), "n:1: /h: unknown key \"h\" (allowed: a, b, c, d, e, f, g)");
  r.get_enum("h", {"v"});
  EXPECT_EQ(error_of([&] { r.finish(); }), "<no error>");
}

TEST(ObjectReader, ElementsOfArrays) {
  JsonDoc d = doc();
  EXPECT_EQ(element(d, "/workload/0", 1).get_u64("at"), 10u);
  EXPECT_EQ(element(d, "/workload/0", 1).pointer(), "/workload/0/1");
  JsonDoc ev = JsonDoc::parse("{\"events\": [\n{\"at\": 1},\n{\"at\": 2}]}", "ev.json");
  EXPECT_EQ(ObjectReader(ev, "").element("events", 1).pointer(), "/events/1");
  EXPECT_EQ(ObjectReader(ev, "").element("events", 1).get_u64("at"), 2u);
  EXPECT_EQ(error_of([&] { ObjectReader(ev, "").element("events", 1).fail_here("x"); }), "ev.json:3: /events/1: x");
  EXPECT_EQ(error_of([&] { ObjectReader(ev, "").element("events", 2); }),
            "ev.json:1: /events: index 2 out of range (array has 2 elements)");
  EXPECT_EQ(error_of([&] { ObjectReader(d, "").element("workload", 0).fail_here("x"); }),
            "scenarios/race.json:9: /workload/0: expected an object, got array");
  EXPECT_EQ(error_of([&] { element(d, "/workload/0", 5); }),
            "scenarios/race.json:9: /workload/0: index 5 out of range (array has 2 elements)");
  EXPECT_EQ(error_of([&] { element(d, "/kernel", 0); }), "scenarios/race.json:3: /kernel: expected an array, got object");
  EXPECT_EQ(error_of([&] { element(d, "/workload/0", 1).get_enum("op", {"start"}); }),
            "scenarios/race.json:13: /workload/0/1/op: unknown value \"stop\" (expected one of: start)");
  EXPECT_EQ(error_of([&] { element(d, "/workload/0", 0).fail("at", "too early"); }),
            "scenarios/race.json:10: /workload/0/0/at: too early");
  EXPECT_EQ(scenario::read_u64(d, "/workload/0/1/at"), 10u);
  EXPECT_EQ(scenario::read_string(d, "/workload/0/1/op"), "stop");
  EXPECT_TRUE(scenario::read_bool(d, "/platform/smt"));
  EXPECT_DOUBLE_EQ(scenario::read_double(d, "/ratio"), 0.5);
  EXPECT_EQ(scenario::read_array_size(d, "/workload/1"), 0u);
  EXPECT_EQ(error_of([&] { scenario::read_u64(d, "/workload/0/1/op"); }),
            "scenarios/race.json:13: /workload/0/1/op: expected an unsigned integer, got string \"stop\"");
  EXPECT_EQ(error_of([&] { scenario::read_u64(d, "/workload/0/1/nope"); }),
            "scenarios/race.json:11: /workload/0/1/nope: missing (expected an unsigned integer)");
}

// ---------------------------------------------------------------- overrides

TEST(JsonDocOverride, DottedPathPlainStringAndFailMentionsSet) {
  JsonDoc d = doc();
  d.apply_override("kernel.protocol=foo");
  EXPECT_EQ(d.root()["kernel"]["protocol"], "foo");
  EXPECT_EQ(d.line_of("/kernel/protocol"), 0);
  EXPECT_EQ(d.line_of("/kernel"), 3);
  EXPECT_EQ(error_of([&] { ObjectReader(d, "/kernel").get_enum("protocol", kProtocols); }),
            "scenarios/race.json: /kernel/protocol (--set kernel.protocol=foo): unknown value \"foo\" "
            "(expected one of: ipi, pz2021, rfc1, v7)");
  // Siblings keep their lines.
  EXPECT_EQ(error_of([&] { ObjectReader(d, "/kernel").get_u64_in("tick_hz", 1, 2); }),
            "scenarios/race.json:5: /kernel/tick_hz: must be between 1 and 2, got 250");
}

TEST(JsonDocOverride, PointerPathAndJsonValues) {
  JsonDoc d = doc();
  d.apply_override("/kernel/tick_hz=1000");
  EXPECT_TRUE(d.root()["kernel"]["tick_hz"].is_number_unsigned());
  EXPECT_EQ(d.root()["kernel"]["tick_hz"], 1000);
  d.apply_override("platform.smt=false");
  EXPECT_EQ(d.root()["platform"]["smt"], false);
  d.apply_override("platform.cpus=null");
  EXPECT_TRUE(d.root()["platform"]["cpus"].is_null());
  d.apply_override("ratio=-1.5");
  EXPECT_EQ(d.root()["ratio"], -1.5);
  d.apply_override("name=\"quoted\"");
  EXPECT_EQ(d.root()["name"], "quoted");
  d.apply_override("name=two words");
  EXPECT_EQ(d.root()["name"], "two words");
  d.apply_override("name=");
  EXPECT_EQ(d.root()["name"], "");
  d.apply_override("name=[1,2");  // not JSON: plain string
  EXPECT_EQ(d.root()["name"], "[1,2");
  d.apply_override("name=a=b");  // only the first '=' separates
  EXPECT_EQ(d.root()["name"], "a=b");
  d.apply_override("workload.1=[{\"at\": 5}]");
  EXPECT_EQ(d.root()["workload"][1][0]["at"], 5);
  d.apply_override("/a~1b=1");
  EXPECT_EQ(d.root()["a/b"], 1);
  EXPECT_EQ(error_of([&] { d.fail("/workload/1/0/at", "late"); }),
            "scenarios/race.json: /workload/1/0/at (--set workload.1=[{\"at\": 5}]): late");
  EXPECT_EQ(error_of([&] { d.fail("/kernel/tick_hz", "x"); }), "scenarios/race.json: /kernel/tick_hz (--set /kernel/tick_hz=1000): x");
}

TEST(JsonDocOverride, ArrayElementByIndex) {
  JsonDoc d = doc();
  d.apply_override("workload.0.1.at=99");
  EXPECT_EQ(d.root()["workload"][0][1]["at"], 99);
  EXPECT_EQ(d.line_of("/workload/0/1/at"), 0);
  EXPECT_EQ(d.line_of("/workload/0/1/op"), 13);
  EXPECT_EQ(element(d, "/workload/0", 1).get_u64("at"), 99u);
  EXPECT_EQ(error_of([&] { element(d, "/workload/0", 1).get_u64_in("at", 0, 50); }),
            "scenarios/race.json: /workload/0/1/at (--set workload.0.1.at=99): must be between 0 and 50, got 99");
  EXPECT_EQ(error_of([&] { element(d, "/workload/0", 1).fail_here("whole event"); }),
            "scenarios/race.json:11: /workload/0/1: whole event");
}

TEST(JsonDocOverride, CreatesMissingObjects) {
  JsonDoc d = doc();
  d.apply_override("debug.trace.level=3");
  EXPECT_EQ(d.root()["debug"]["trace"]["level"], 3);
  d.apply_override("platform.numa.nodes=2");
  EXPECT_EQ(d.root()["platform"]["numa"]["nodes"], 2);
  EXPECT_EQ(d.root()["platform"]["cpus"], 4);
  EXPECT_EQ(error_of([&] { d.fail("/debug/trace", "x"); }), "scenarios/race.json: /debug/trace (--set debug.trace.level=3): x");
  EXPECT_EQ(error_of([&] { d.fail("/debug", "x"); }), "scenarios/race.json: /debug (--set debug.trace.level=3): x");
  EXPECT_EQ(error_of([&] { d.fail("/platform", "x"); }), "scenarios/race.json:7: /platform: x");
  // Keys added by overrides come after the document's own keys.
  EXPECT_EQ(d.keys_in_order("/platform"), (std::vector<std::string>{"cpus", "smt", "numa"}));
  ObjectReader r(d, "");
  r.get_string("name");
  r.object("kernel");
  r.object("platform");
  r.array_size("workload");
  r.get_double("ratio");
  EXPECT_EQ(error_of([&] { r.finish(); }),
            "scenarios/race.json: /debug (--set debug.trace.level=3): unknown key \"debug\" "
            "(allowed: kernel, name, platform, ratio, workload)");
  // A null intermediate is replaced by an object.
  JsonDoc n = JsonDoc::parse("{\"a\": null}", "n.json");
  n.apply_override("a.b=1");
  EXPECT_EQ(n.root()["a"]["b"], 1);
  EXPECT_EQ(error_of([&] { n.fail("/a/b", "x"); }), "n.json: /a/b (--set a.b=1): x");
  EXPECT_EQ(error_of([&] { n.fail("/a", "x"); }), "n.json: /a (--set a.b=1): x");
}

TEST(JsonDocOverride, ReplacingAParentForgetsChildLines) {
  JsonDoc d = doc();
  d.apply_override("kernel.protocol=v7");
  d.apply_override("kernel={\"protocol\": \"rfc1\"}");
  EXPECT_EQ(d.line_of("/kernel"), 0);
  EXPECT_EQ(d.line_of("/kernel/protocol"), 0);
  EXPECT_EQ(d.line_of("/kernel/tick_hz"), 0);
  EXPECT_FALSE(d.root()["kernel"].contains("tick_hz"));
  EXPECT_EQ(error_of([&] { d.fail("/kernel/protocol", "x"); }),
            "scenarios/race.json: /kernel/protocol (--set kernel={\"protocol\": \"rfc1\"}): x");
  // A later override below an earlier one is reported as the later one.
  d.apply_override("kernel.protocol=ipi");
  EXPECT_EQ(error_of([&] { d.fail("/kernel/protocol", "x"); }), "scenarios/race.json: /kernel/protocol (--set kernel.protocol=ipi): x");
  EXPECT_EQ(error_of([&] { d.fail("/kernel", "x"); }), "scenarios/race.json: /kernel (--set kernel={\"protocol\": \"rfc1\"}): x");
}

TEST(JsonDocOverride, InvalidUtf8FromCommandLineDoesNotThrowWhileFormatting) {
  JsonDoc d = JsonDoc::parse("{}", "u.json");
  d.apply_override("k\xff=v\xfe");
  ObjectReader r(d, "");
  EXPECT_EQ(error_of([&] { r.finish(); }), "u.json: /k\xff (--set k\xff=v\xfe): unknown key \"k\xEF\xBF\xBD\" (no keys allowed here)");
  EXPECT_EQ(error_of([&] { r.get_u64("k\xff"); }),
            "u.json: /k\xff (--set k\xff=v\xfe): expected an unsigned integer, got string \"v\xEF\xBF\xBD\"");
}

TEST(JsonDocOverride, BadPaths) {
  JsonDoc d = doc();
  EXPECT_EQ(error_of([&] { d.apply_override("workload.5.0.at=3"); }),
            "scenarios/race.json: /workload (--set workload.5.0.at=3): index 5 is past the end of the array (size 2)");
  EXPECT_EQ(error_of([&] { d.apply_override("workload.0.2=3"); }),
            "scenarios/race.json: /workload/0 (--set workload.0.2=3): index 2 is past the end of the array (size 2)");
  EXPECT_EQ(error_of([&] { d.apply_override("workload.x=3"); }),
            "scenarios/race.json: /workload (--set workload.x=3): array index must be a number, got \"x\"");
  EXPECT_EQ(error_of([&] { d.apply_override("/workload/-=3"); }),
            "scenarios/race.json: /workload (--set /workload/-=3): array index must be a number, got \"-\"");
  EXPECT_EQ(error_of([&] { d.apply_override("name.first=x"); }),
            "scenarios/race.json: /name (--set name.first=x): cannot index into a string with \"first\"");
  EXPECT_EQ(error_of([&] { d.apply_override("platform.cpus.n=1"); }),
            "scenarios/race.json: /platform/cpus (--set platform.cpus.n=1): cannot index into a number with \"n\"");
  EXPECT_EQ(error_of([&] { d.apply_override("kernel.protocol"); }), "scenarios/race.json: --set kernel.protocol: expected PATH=VALUE");
  EXPECT_EQ(error_of([&] { d.apply_override("=1"); }), "scenarios/race.json: (--set =1): empty path");
  EXPECT_EQ(error_of([&] { d.apply_override("kernel..protocol=1"); }),
            "scenarios/race.json: (--set kernel..protocol=1): empty component in path \"kernel..protocol\"");
  EXPECT_EQ(error_of([&] { d.apply_override("/a~2=1"); }), "scenarios/race.json: (--set /a~2=1): malformed JSON pointer \"/a~2\"");
  // Failed overrides change nothing.
  EXPECT_EQ(d.root(), nlohmann::json::parse(kDoc));
  EXPECT_EQ(d.line_of("/workload/0/1/at"), 12);
}

TEST(JsonDocCopy, CopiesAreIndependent) {
  JsonDoc a = doc();
  JsonDoc b = a;
  b.apply_override("kernel.protocol=v7");
  EXPECT_EQ(a.root()["kernel"]["protocol"], "ipi");
  EXPECT_EQ(a.line_of("/kernel/protocol"), 4);
  EXPECT_EQ(b.root()["kernel"]["protocol"], "v7");
  EXPECT_EQ(error_of([&] { a.fail("/kernel/protocol", "x"); }), "scenarios/race.json:4: /kernel/protocol: x");
  a = b;
  EXPECT_EQ(a.line_of("/kernel/protocol"), 0);
  JsonDoc c = std::move(a);
  EXPECT_EQ(c.root()["kernel"]["protocol"], "v7");
}
