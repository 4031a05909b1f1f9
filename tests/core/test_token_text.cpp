// Tokens as people read them (util/token_text.h): every mapping of display_token, UTF-8 kept or
// escaped byte by byte, "id 73" for a token without a string; and a dump written at test time
// (tests/fixtures/make_token_glyphs.py) whose tokens and vocabulary hold " the", "\n", "\t" and
// "": the token table keeps them raw, labels show glyphs, the CLI's CSV shows glyphs and its JSON
// the raw strings with their ids.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "analysis/attention.h"
#include "h5_read_test_support.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/token_text.h"

namespace {

using es::display_token;
using es::token_id_text;
using es::token_label;
using es::test::run_cli;

TEST(TokenText, WhitespaceHasGlyphs) {
    EXPECT_EQ(display_token(" "), "\u2423");
    EXPECT_EQ(display_token(" the"), "\u2423the");
    EXPECT_EQ(display_token("\n"), "\u23CE");
    EXPECT_EQ(display_token("\t"), "\u21E5");
    EXPECT_EQ(display_token("\r"), "\u21B5");
    EXPECT_EQ(display_token("\r\n"), "\u21B5\u23CE");
    EXPECT_EQ(display_token("a  b\n\n"), "a\u2423\u2423b\u23CE\u23CE");
}

TEST(TokenText, ControlCharactersAreEscaped) {
    EXPECT_EQ(display_token(std::string(1, '\0')), "\\x00");
    EXPECT_EQ(display_token("\x01"), "\\x01");
    EXPECT_EQ(display_token("\x1b[0m"), "\\x1B[0m");
    EXPECT_EQ(display_token("\x1f"), "\\x1F");
    EXPECT_EQ(display_token("\x7f"), "\\x7F");
    EXPECT_EQ(display_token("\x0b\x0c"), "\\x0B\\x0C");  // vertical tab, form feed
    EXPECT_EQ(display_token(std::string("a\0b", 3)), "a\\x00b");
}

TEST(TokenText, OtherTextIsKept) {
    EXPECT_EQ(display_token(""), "");
    EXPECT_EQ(display_token("the"), "the");
    EXPECT_EQ(display_token("<|endoftext|>"), "<|endoftext|>");
    EXPECT_EQ(display_token("~!\"#$%&'()*+,-./"), "~!\"#$%&'()*+,-./");
    EXPECT_EQ(display_token("naïve"), "naïve");                        // 2 bytes
    EXPECT_EQ(display_token("€ 日本"), "€\u2423日本");                 // 3 bytes
    EXPECT_EQ(display_token("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");  // 4 bytes (U+1F600)
    EXPECT_EQ(display_token("\xC2\x80"), "\xC2\x80");                  // U+0080, the lowest 2-byte
    EXPECT_EQ(display_token("\xF4\x8F\xBF\xBF"), "\xF4\x8F\xBF\xBF");  // U+10FFFF
    EXPECT_EQ(display_token("Ġthe"), "Ġthe");  // byte-level BPE's own space stays itself
}

TEST(TokenText, InvalidUtf8IsEscapedByteByByte) {
    EXPECT_EQ(display_token("\xff"), "\\xFF");
    EXPECT_EQ(display_token("\x80"), "\\x80");                          // a lone continuation byte
    EXPECT_EQ(display_token("a\xC3"), "a\\xC3");                        // truncated at the end
    EXPECT_EQ(display_token("\xC3 "), "\\xC3\u2423");                   // truncated before a space
    EXPECT_EQ(display_token("\xE2\x82"), "\\xE2\\x82");                 // 2 of 3 bytes
    EXPECT_EQ(display_token("\xE2\x82x\xE2\x82\xAC"), "\\xE2\\x82x€");  // then a whole one
    EXPECT_EQ(display_token("\xF0\x9F\x98"), "\\xF0\\x9F\\x98");        // 3 of 4 bytes
    EXPECT_EQ(display_token("\xC0\xAF"), "\\xC0\\xAF");                 // overlong '/'
    EXPECT_EQ(display_token("\xE0\x80\xAF"), "\\xE0\\x80\\xAF");        // overlong, 3 bytes
    EXPECT_EQ(display_token("\xED\xA0\x80"), "\\xED\\xA0\\x80");        // a surrogate (U+D800)
    EXPECT_EQ(display_token("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // beyond U+10FFFF
    EXPECT_EQ(display_token("\xF8\x88\x80\x80\x80"), "\\xF8\\x88\\x80\\x80\\x80");
}

TEST(TokenText, ATokenWithoutAStringShowsItsId) {
    EXPECT_EQ(token_id_text(73), "id 73");
    EXPECT_EQ(token_id_text(0), "id 0");
    EXPECT_EQ(token_label("", 73), "id 73");
    EXPECT_EQ(token_label(" the", 73), "\u2423the");
    EXPECT_EQ(token_label("\n", std::nullopt), "\u23CE");
    EXPECT_EQ(token_label("", std::nullopt), "");
    es::TokenInfo t;
    t.id = 73;
    EXPECT_EQ(t.label(), "id 73");
    t.text = "\t";
    EXPECT_EQ(t.label(), "\u21E5");
}

class TokenGlyphsDump : public testing::Test {
protected:
    void SetUp() override {
        ASSERT_FALSE(dir.empty()) << "h5py could not write the fixture";
        path = dir + "token_glyphs.h5";
    }
    const std::string& dir = es::test::script_fixtures("make_token_glyphs.py");
    std::string path;
};

TEST_F(TokenGlyphsDump, TheTokenTableKeepsTheRawText) {
    auto dump = es::Dump::open(path);
    const auto& t = dump->tokens();
    ASSERT_EQ(t.size(), 6u);
    const std::vector<std::string> raw = {" the", "\n", "\t", "", "naïve", "\x1b[0m"};
    const std::vector<std::string> shown = {"\u2423the", "\u23CE", "\u21E5",
                                            "id 73",     "naïve",  "\\x1B[0m"};
    for (std::size_t i = 0; i < t.size(); ++i) {
        EXPECT_EQ(t[i].text, raw[i]) << i;
        EXPECT_EQ(t[i].label(), shown[i]) << i;
    }
    EXPECT_EQ(t[3].id, 73);
    es::Progress progress;
    const auto a = es::analysis::attention(*dump, {}, progress);
    EXPECT_EQ(a.tokens, raw);
    EXPECT_EQ(es::analysis::token_label_of(a, 0), "\u2423the");
    EXPECT_EQ(es::analysis::token_label_of(a, 3), "id 73");
}

TEST_F(TokenGlyphsDump, CliCsvShowsGlyphsAndJsonKeepsRawText) {
    // The logit lens lists all 8 vocabulary entries: the CSV shows them as people read them ...
    auto csv = run_cli("lens " + path + " --token 0 --top 8 --csv");
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    for (const char* cell :
         {",\u2423the,", ",\u23CE,", ",\u21E5,", ",3,id 3,", ",\u21B5\u23CE,", ",cat,"})
        EXPECT_NE(csv.out.find(cell), std::string::npos) << cell << "\n" << csv.out;
    EXPECT_EQ(csv.out.find('\t'), std::string::npos);
    EXPECT_EQ(csv.out.find('\r'), std::string::npos);
    EXPECT_EQ(csv.out.find("#"), std::string::npos);
    // ... the JSON as the file holds them, the id beside an empty string.
    auto json = run_cli("lens " + path + " --token 1 --top 8 --json");
    ASSERT_EQ(json.exit_code, 0) << json.err;
    const auto j = nlohmann::json::parse(json.out);
    EXPECT_EQ(j["token"]["text"], "\n");
    EXPECT_EQ(j["token"]["id"], 11);
    std::map<long long, std::string> vocab;
    for (const auto& e : j["layers"][0]["top"]) vocab[e["id"].get<long long>()] = e["token"];
    EXPECT_EQ(vocab, (std::map<long long, std::string>{{0, " the"},
                                                       {1, "\n"},
                                                       {2, "\t"},
                                                       {3, ""},
                                                       {4, "cat"},
                                                       {5, "\r\n"},
                                                       {6, "x"},
                                                       {7, "y"}}));
    EXPECT_EQ(j["vocab_source"], "vocab dataset");
    // The attention JSON: raw token strings and their ids.
    auto att = run_cli("attention " + path + " --layer 1 --head 0 --json");
    ASSERT_EQ(att.exit_code, 0) << att.err;
    const auto a = nlohmann::json::parse(att.out);
    EXPECT_EQ(a["tokens"], nlohmann::json({" the", "\n", "\t", "", "naïve", "\x1b[0m"}));
    EXPECT_EQ(a["token_ids"], nlohmann::json({10, 11, 12, 73, 14, 15}));
    // info's text names tokens as people read them, its JSON preview keeps them raw.
    auto info = run_cli("info " + path);
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(info.out.find("\u2423the \u23CE \u21E5 id 73 naïve \\x1B[0m"), std::string::npos)
        << info.out;
    auto info_json = run_cli("info --json " + path);
    EXPECT_EQ(nlohmann::json::parse(info_json.out)["token_preview"][1], "\n");
}

}  // namespace
