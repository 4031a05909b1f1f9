// Numbers written to files and read from attributes do not follow the C locale: under de_DE
// (decimal comma), as the desktop app runs for a German user, CSV cells keep their '.', and
// "0.5" still reads as 0.5. The locale is compiled here with localedef into a temporary folder
// (LOCPATH), so no system locale needs to be installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>

#include "analysis/common.h"
#include "util/number_text.h"

namespace {

namespace fs = std::filesystem;
using es::util::format_number;
using es::util::parse_number;

std::string printf_g(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
}

// Switches this process to de_DE.UTF-8, compiled into a temporary folder; restores C on exit.
class GermanLocale : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("es_locale_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        const std::string cmd =
            "localedef -i de_DE -f UTF-8 '" + (dir_ / "de_DE.UTF-8").string() + "' >/dev/null 2>&1";
        ASSERT_EQ(std::system(cmd.c_str()), 0)
            << "localedef could not compile de_DE (Debian package 'locales')";
        ::setenv("LOCPATH", dir_.c_str(), 1);
        ASSERT_NE(std::setlocale(LC_ALL, "de_DE.UTF-8"), nullptr);
        // The trap is real here: the C library writes a decimal comma.
        ASSERT_EQ(printf_g(0.5, 3), "0,5");
    }
    void TearDown() override {
        std::setlocale(LC_ALL, "C");
        ::unsetenv("LOCPATH");
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path dir_;
};

TEST(NumberText, SameTextAsPrintfInTheCLocale) {
    std::setlocale(LC_ALL, "C");
    for (double v : {0.0, -0.0, 1.0, 0.1, 1.0 / 3.0, 2.5e-300, 6.02214076e23, -1234.5678, 1e16,
                     123456789012345678.0, std::numeric_limits<double>::denorm_min(),
                     std::numeric_limits<double>::max()}) {
        EXPECT_EQ(format_number(v), printf_g(v, 17)) << v;
        EXPECT_EQ(format_number(v, 9), printf_g(v, 9)) << v;
    }
}

TEST(NumberText, SeventeenDigitsRoundTrip) {
    for (double v : {0.1, 1.0 / 3.0, 2.0 / 7.0, 1e-310, 9.999999999999999e22}) {
        const auto back = parse_number(format_number(v));
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(*back, v);  // exact: 17 significant digits identify a double
    }
}

TEST(NumberText, NonFiniteValuesAreEmptyCells) {
    EXPECT_EQ(format_number(std::nan("")), "");
    EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "");
}

TEST(NumberText, ParsingTakesTheWholeTextOrNothing) {
    EXPECT_EQ(parse_number(" 16 "), 16.0);
    EXPECT_EQ(parse_number("+0.25"), 0.25);
    EXPECT_EQ(parse_number("1e-5"), 1e-5);
    EXPECT_FALSE(parse_number(""));
    EXPECT_FALSE(parse_number("sixteen"));
    EXPECT_FALSE(parse_number("16 (rank 8)"));
    EXPECT_FALSE(parse_number("0,5"));
}

TEST_F(GermanLocale, CsvCellsKeepTheirPoint) {
    EXPECT_EQ(format_number(0.921875), "0.921875");
    EXPECT_EQ(es::analysis::csv_num(-1234.5), "-1234.5");
    EXPECT_EQ(format_number(1.0 / 3.0, 9), "0.333333333");
}

TEST_F(GermanLocale, AttributesReadAsWritten) {
    EXPECT_EQ(parse_number("0.5"), 0.5);  // strtod here would stop at the '.' and give 0
    EXPECT_EQ(parse_number("1e-05"), 1e-5);
}

}  // namespace
