// The CSV reader of `infomorph pid`: valid files, and one-line errors naming file and line.

#include <infomorph/io/pmf_csv.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

namespace infomorph::io {
namespace {

pmf_table parse(const std::string& text) {
    std::istringstream in(text);
    return parse_pmf_csv(in, "test.csv");
}

// The error a text raises, or a failure if it parses.
pmf_csv_error error_of(const std::string& text) {
    try {
        (void)parse(text);
    } catch (const pmf_csv_error& e) {
        return e;
    }
    ADD_FAILURE() << "parsed without error:\n" << text;
    return pmf_csv_error("", 0, "");
}

void expect_error(const std::string& text, std::size_t line, const std::string& part) {
    const pmf_csv_error e = error_of(text);
    EXPECT_EQ(e.file(), "test.csv");
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "not one line: " << e.what();
    const std::string prefix = line > 0 ? "test.csv:" + std::to_string(line) + ": " : "test.csv: ";
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
}

TEST(PmfCsv, ReadsAndNormalisesCounts) {
    const auto table = parse("s1,s2,t,p\n0,0,0,1\n0,1,1,1\n1,0,1,1\n1,1,0,1\n");
    EXPECT_EQ(table.n_sources, 2);
    EXPECT_EQ(table.n_rows, 4u);
    EXPECT_EQ(table.joint.n_cells(), 4u);
    EXPECT_EQ(table.joint.n_targets(), 2);
    EXPECT_NEAR(table.joint.total_mass(), 1.0, 1e-15);
    for (double m : table.joint.view().mass) EXPECT_TRUE(m == 0.0 || std::abs(m - 0.25) < 1e-15);
}

TEST(PmfCsv, AcceptsSpacesCrLfCommentsBlankLinesAndRepeatedRows) {
    const auto table =
        parse("# a comment\n s1 , t , p \r\n\r\n3, 7, 0.25\r\n3,7,0.25\n# more\n5,9,0.5\n\n");
    EXPECT_EQ(table.n_sources, 1);
    EXPECT_EQ(table.n_rows, 3u);
    EXPECT_EQ(table.joint.n_cells(), 2u);  // repeated rows add up
    EXPECT_EQ(table.target_values, (std::vector<std::uint32_t>{7, 9}));
}

TEST(PmfCsv, TargetValuesAreCodedInAscendingOrder) {
    const auto table = parse("s1,t,p\n0,9,1\n1,2,1\n2,5,1\n");
    EXPECT_EQ(table.target_values, (std::vector<std::uint32_t>{2, 5, 9}));
}

TEST(PmfCsv, MissingFile) {
    try {
        (void)read_pmf_csv("/nonexistent/dir/pmf.csv");
        FAIL();
    } catch (const pmf_csv_error& e) {
        EXPECT_EQ(std::string(e.what()), "/nonexistent/dir/pmf.csv: no such file");
    }
    // A directory is not reported as a missing file, nor as an empty one.
    try {
        (void)read_pmf_csv("/tmp");
        FAIL();
    } catch (const pmf_csv_error& e) {
        EXPECT_EQ(std::string(e.what()), "/tmp: is a directory, not a file");
    }
}

TEST(PmfCsv, HeaderErrors) {
    expect_error("", 0, "empty file");
    expect_error("\n# only comments\n", 2, "empty file");
    expect_error("t,p\n0,1\n", 1, "at least one source");
    expect_error("s1,s3,t,p\n0,0,0,1\n", 1, "column 2 of the header must be 's2', got 's3'");
    expect_error("s1,s2,p,t\n0,0,0,1\n", 1, "column 4 of the header must be 'p', got 't'");
    expect_error("s1,s2,t\n0,0,0\n", 1, "column 3 of the header must be 'p', got 't'");
    expect_error("s1,s2,x,p\n0,0,0,1\n", 1, "column 3 of the header must be 't', got 'x'");
    expect_error("s1,s2,t,prob\n0,0,0,1\n", 1, "must be 'p', got 'prob'");
    expect_error("s1,s2,s3,s4,s5,t,p\n0,0,0,0,0,0,1\n", 1, "at most 4 sources");
}

TEST(PmfCsv, RowErrors) {
    expect_error("s1,s2,t,p\n0,0,0,1\n0,1,1\n", 3, "expected 4 fields as in the header, got 3");
    expect_error("s1,s2,t,p\n0,0,0,1,\n", 2, "got 5");
    expect_error("s1,s2,t,p\n0,0,0,-0.5\n", 2, "must not be negative");
    expect_error("s1,s2,t,p\n0,0,0,nan\n", 2, "must be finite");
    expect_error("s1,s2,t,p\n0,0,0,NaN\n", 2, "must be finite");
    expect_error("s1,s2,t,p\n0,0,0,inf\n", 2, "must be finite");
    expect_error("s1,s2,t,p\n0,0,0,abc\n", 2, "column p: expected a number");
    expect_error("s1,s2,t,p\n0,0,0,\n", 2, "column p: expected a number");
    expect_error("s1,s2,t,p\n0,1.5,0,1\n", 2, "column s2: expected a non-negative integer");
    expect_error("s1,s2,t,p\n-1,0,0,1\n", 2, "column s1: expected a non-negative integer");
    expect_error("s1,s2,t,p\n0,0,x,1\n", 2, "column t: expected a non-negative integer");
    expect_error("s1,s2,t,p\n0,0,4294967296,1\n", 2, "up to 4294967295");
    expect_error("s1,s2,t,p\n0,0,0,0\n1,1,1,0\n", 0, "all probabilities are zero (2 rows)");
    expect_error("s1,s2,t,p\n", 0, "no data rows");
}

}  // namespace
}  // namespace infomorph::io
