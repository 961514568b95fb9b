// h5_writer and h5_reader on one rank (the local context, a plain serial HDF5 file). The
// collective paths at 1-4 ranks are in tests/mpi/test_h5_parallel.cpp.

#include <infomorph/io/h5_file.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace infomorph::io {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class H5File : public ::testing::Test {
  protected:
    void SetUp() override {
        const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
        // Typed tests are called "Suite/0": keep the directory flat so TearDown removes it all.
        std::string name = std::string(test->test_suite_name()) + "_" + test->name();
        std::replace(name.begin(), name.end(), '/', '_');
        directory_ =
            fs::temp_directory_path() / ("infomorph_h5_" + std::to_string(::getpid()) + "_" + name);
        fs::remove_all(directory_);
        fs::create_directories(directory_);
    }
    void TearDown() override { fs::remove_all(directory_); }

    fs::path file(const std::string& name) const { return directory_ / name; }

    const distributed_context context_ = make_local_context();

  private:
    fs::path directory_;
};

template <typename T>
std::vector<T> table(std::size_t n_rows, std::size_t n_cols) {
    std::vector<T> values;
    for (std::size_t r = 0; r < n_rows; ++r) {
        for (std::size_t c = 0; c < n_cols; ++c) {
            values.push_back(static_cast<T>(100 * r + c));
        }
    }
    return values;
}

// Expects `call` to throw E with every one of `parts` in its message.
template <typename E, typename Call>
void expect_error(Call&& call, std::initializer_list<std::string> parts) {
    try {
        call();
        ADD_FAILURE() << "no exception";
    } catch (const E& error) {
        const std::string message = error.what();
        for (const std::string& part : parts) {
            EXPECT_NE(message.find(part), std::string::npos)
                << "'" << part << "' missing from: " << message;
        }
    } catch (const std::exception& error) {
        ADD_FAILURE() << "wrong exception type: " << error.what();
    }
}

template <typename T>
class H5RoundTrip : public H5File {};
using element_types = ::testing::Types<float, double, std::uint32_t, std::int64_t>;
TYPED_TEST_SUITE(H5RoundTrip, element_types);

TYPED_TEST(H5RoundTrip, RowsVectorsAndArraysReadBackExactly) {
    using T = TypeParam;
    const fs::path path = this->file("round_trip.h5");
    const std::vector<T> rows = table<T>(5, 3);
    std::vector<T> vector = {T(7), T(0), std::numeric_limits<T>::max(),
                             std::numeric_limits<T>::lowest()};
    const std::vector<T> array = table<T>(2, 4);
    const std::vector<T> scalar = {T(42)};
    {
        h5_writer writer(path, this->context_);
        // Two calls would be two datasets; one rank writes all rows of each.
        writer.write_rows("layers/hidden/receptive/weight", 5, 3, 0, std::span<const T>(rows));
        writer.write_vector("layers/hidden/bias", 4, 0, std::span<const T>(vector));
        writer.write_array("lattice/order", {2, 4}, std::span<const T>(array));
        writer.write_array("step", {}, std::span<const T>(scalar));
        writer.commit();
    }
    const h5_reader reader(path);
    EXPECT_EQ(reader.shape("layers/hidden/receptive/weight"), (h5_shape{5, 3}));
    EXPECT_EQ(reader.read_rows<T>("layers/hidden/receptive/weight", 0, 5), rows);
    EXPECT_EQ(reader.read_rows<T>("/layers/hidden/receptive/weight", 2, 2),
              std::vector<T>(rows.begin() + 6, rows.begin() + 12));
    EXPECT_TRUE(reader.read_rows<T>("layers/hidden/receptive/weight", 5, 0).empty());
    EXPECT_EQ(reader.read_array<T>("layers/hidden/receptive/weight"), rows);

    EXPECT_EQ(reader.shape("layers/hidden/bias"), (h5_shape{4}));
    EXPECT_EQ(reader.read_array<T>("layers/hidden/bias"), vector);
    EXPECT_EQ(reader.read_rows<T>("layers/hidden/bias", 1, 2),
              std::vector<T>(vector.begin() + 1, vector.begin() + 3));

    EXPECT_EQ(reader.shape("lattice/order"), (h5_shape{2, 4}));
    EXPECT_EQ(reader.read_array<T>("lattice/order"), array);
    EXPECT_EQ(reader.shape("step"), h5_shape{});
    EXPECT_EQ(reader.read_array<T>("step"), scalar);
}

TEST_F(H5File, PartialAndEmptyBlocksLeaveZeros) {
    // A rank's block may be empty or cover only some rows; rows nobody writes read as zero.
    const fs::path path = file("blocks.h5");
    const std::vector<double> all = table<double>(4, 2);
    {
        h5_writer writer(path, context_);
        writer.write_rows("empty_part", 4, 2, 4, std::span<const double>());
        writer.write_rows("middle", 4, 2, 1, std::span<const double>(all.data() + 2, 4));
        writer.commit();
    }
    const h5_reader reader(path);
    EXPECT_EQ(reader.read_array<double>("empty_part"), std::vector<double>(8, 0.0));
    EXPECT_EQ(reader.read_array<double>("middle"),
              (std::vector<double>{0, 0, 100, 101, 200, 201, 0, 0}));
}

TEST_F(H5File, EmptyTablesAreAllowed) {
    const fs::path path = file("empty.h5");
    {
        h5_writer writer(path, context_);
        writer.write_rows("no_columns", 3, 0, 0, std::span<const float>());
        writer.write_rows("no_rows", 0, 4, 0, std::span<const float>());
        writer.write_vector("no_elements", 0, 0, std::span<const std::int64_t>());
        writer.commit();
    }
    const h5_reader reader(path);
    EXPECT_EQ(reader.shape("no_columns"), (h5_shape{3, 0}));
    EXPECT_EQ(reader.shape("no_rows"), (h5_shape{0, 4}));
    EXPECT_TRUE(reader.read_rows<float>("no_columns", 0, 3).empty());
    EXPECT_TRUE(reader.read_array<float>("no_rows").empty());
    EXPECT_TRUE(reader.read_array<std::int64_t>("no_elements").empty());
}

TEST_F(H5File, GroupsAreCreatedFromPaths) {
    const fs::path path = file("groups.h5");
    {
        h5_writer writer(path, context_);
        writer.write_vector("layers/hidden/receptive/weight", 1, 0,
                            std::span<const float>(std::vector<float>{1}));
        writer.write_vector("layers/hidden/lateral/weight", 1, 0,
                            std::span<const float>(std::vector<float>{2}));
        writer.commit();
    }
    const h5_reader reader(path);
    EXPECT_TRUE(reader.has("/"));
    EXPECT_TRUE(reader.has("layers"));
    EXPECT_TRUE(reader.has("/layers/hidden/"));
    EXPECT_TRUE(reader.has("layers/hidden/lateral/weight"));
    EXPECT_FALSE(reader.has("layers/output"));
    EXPECT_FALSE(reader.has("layers/output/receptive/weight"));
    EXPECT_FALSE(reader.has("layers/hidden/receptive/weight/below_a_dataset"));
}

TEST_F(H5File, AttributesRoundTrip) {
    const fs::path path = file("attributes.h5");
    {
        h5_writer writer(path, context_);
        writer.write_vector("layers/hidden/bias", 2, 0,
                            std::span<const double>(std::vector<double>{1, 2}));
        writer.set_attribute("/", "config", "[training]\nepochs = 3\n");
        writer.set_attribute("", "empty", "");
        writer.set_attribute("/", "unicode", "Möbius ∑");
        writer.set_attribute("/", "seed", std::uint64_t{1234567890123});
        writer.set_attribute("/", "step", -5);
        writer.set_attribute("/", "learning_rate", 0.1);
        writer.set_attribute("/", "version", "first");
        writer.set_attribute("/", "version", "second");  // replaces
        writer.set_attribute("layers/hidden", "neurons", 2);
        writer.set_attribute("layers/hidden/bias", "units", "nats");
        writer.set_attribute("new/group", "made", 1);  // creates the group
        writer.commit();
    }
    const h5_reader reader(path);
    EXPECT_EQ(reader.string_attribute("/", "config"), "[training]\nepochs = 3\n");
    EXPECT_EQ(reader.string_attribute("/", "empty"), "");
    EXPECT_EQ(reader.string_attribute("/", "unicode"), "Möbius ∑");
    EXPECT_EQ(reader.int64_attribute("/", "seed"), 1234567890123);
    EXPECT_EQ(reader.int64_attribute("/", "step"), -5);
    EXPECT_EQ(reader.double_attribute("/", "learning_rate"), 0.1);
    EXPECT_EQ(reader.string_attribute("/", "version"), "second");
    EXPECT_EQ(reader.int64_attribute("layers/hidden", "neurons"), 2);
    EXPECT_EQ(reader.string_attribute("layers/hidden/bias", "units"), "nats");
    EXPECT_TRUE(reader.has("new/group"));
    EXPECT_TRUE(reader.has_attribute("/", "seed"));
    EXPECT_FALSE(reader.has_attribute("/", "missing"));
    EXPECT_FALSE(reader.has_attribute("no/such/group", "seed"));

    expect_error<h5_error>([&] { (void)reader.string_attribute("/", "missing"); },
                           {"attribute 'missing'", path.string()});
    expect_error<h5_error>([&] { (void)reader.int64_attribute("/", "learning_rate"); },
                           {"'learning_rate'", "float64", "not an integer"});
    expect_error<h5_error>([&] { (void)reader.string_attribute("/", "seed"); },
                           {"'seed'", "int64", "not a string"});
    expect_error<h5_error>([&] { (void)reader.double_attribute("no/such", "x"); },
                           {"no object '/no/such'", path.string()});
}

// Seeds span all of uint64 (the documented range is 0 .. 2^64 - 1); they once did not fit the
// int64 attribute and aborted every rank of a run with an uncaught exception.
TEST_F(H5File, UnsignedAttributesAbove2To63AreStoredAsUint64) {
    const fs::path path = file("range.h5");
    const std::uint64_t largest = std::numeric_limits<std::uint64_t>::max();
    {
        h5_writer writer(path, context_);
        writer.set_attribute("/", "seed", largest);
        writer.set_attribute("/", "small", std::uint64_t{7});
        writer.set_attribute("/", "negative", -3);
        writer.commit();
    }
    const h5_reader reader(path);
    EXPECT_EQ(reader.uint64_attribute("/", "seed"), largest);
    EXPECT_EQ(reader.uint64_attribute("/", "small"), 7u);
    EXPECT_EQ(reader.int64_attribute("/", "small"), 7);
    expect_error<h5_error>([&] { (void)reader.int64_attribute("/", "seed"); },
                           {"'seed'", "18446744073709551615", "does not fit an int64"});
    expect_error<h5_error>([&] { (void)reader.uint64_attribute("/", "negative"); },
                           {"'negative'", "-3", "negative"});
}

TEST_F(H5File, ReadErrorsNameTheFileAndTheDataset) {
    const fs::path path = file("errors.h5");
    {
        h5_writer writer(path, context_);
        writer.write_rows("weights", 3, 2, 0, std::span<const float>(table<float>(3, 2)));
        writer.write_array("scalar", {}, std::span<const double>(std::vector<double>{1}));
        writer.commit();
    }
    const h5_reader reader(path);
    expect_error<h5_error>([&] { (void)reader.read_rows<float>("layers/missing", 0, 1); },
                           {"no dataset '/layers/missing'", path.string()});
    expect_error<h5_error>([&] { (void)reader.shape("missing"); }, {"'/missing'", path.string()});
    expect_error<h5_error>([&] { (void)reader.read_rows<double>("weights", 0, 1); },
                           {"'/weights'", path.string(), "float32", "not float64"});
    expect_error<h5_error>([&] { (void)reader.read_array<std::int64_t>("weights"); },
                           {"'/weights'", "float32", "not int64"});
    expect_error<h5_error>([&] { (void)reader.read_rows<float>("weights", 2, 2); },
                           {"'/weights'", path.string(), "3 rows", "[2, 4)"});
    expect_error<h5_error>([&] { (void)reader.read_rows<double>("scalar", 0, 1); },
                           {"'/scalar'", "scalar"});
    expect_error<h5_error>(
        [&] {
            reader.require_shape("weights", {3, 4});
        },
        {"'/weights'", path.string(), "3 x 2", "expected 3 x 4"});
    EXPECT_NO_THROW(reader.require_shape("weights", {3, 2}));
}

TEST_F(H5File, OpeningAMissingOrForeignFileThrows) {
    const fs::path missing = file("missing.h5");
    expect_error<h5_error>([&] { h5_reader reader(missing); },
                           {missing.string(), "no such file"});
    // A directory named as the file (--resume runs/x) is not a missing file.
    expect_error<h5_error>([&] { h5_reader reader(missing.parent_path()); },
                           {"is a directory, not a file"});
    const fs::path foreign = file("foreign.h5");
    std::ofstream(foreign) << "not HDF5\n";
    expect_error<h5_error>([&] { h5_reader reader(foreign); }, {"H5Fopen", foreign.string()});
    const fs::path nowhere = file("no_such_directory") / "out.h5";
    expect_error<h5_error>([&] { h5_writer writer(nowhere, context_); },
                           {"H5Fcreate", nowhere.string() + ".tmp"});
}

TEST_F(H5File, WriteErrors) {
    const fs::path path = file("write_errors.h5");
    h5_writer writer(path, context_);
    const std::vector<float> seven(7, 1.0F);
    expect_error<std::invalid_argument>(
        [&] { writer.write_rows("w", 10, 3, 0, std::span<const float>(seven)); },
        {"'/w'", path.string() + ".tmp", "7 values", "3 columns"});
    expect_error<std::invalid_argument>(
        [&] { writer.write_rows("w", 2, 1, 1, std::span<const float>(seven.data(), 2)); },
        {"'/w'", "rows [1, 3)", "2 rows"});
    expect_error<std::invalid_argument>(
        [&] { writer.write_vector("v", 3, 2, std::span<const float>(seven.data(), 2)); },
        {"'/v'", "[2, 4)"});
    expect_error<std::invalid_argument>(
        [&] {
            writer.write_array("a", {2, 2}, std::span<const float>(seven));
        },
        {"'/a'", "7 values", "2 x 2"});
    writer.write_vector("v", 1, 0, std::span<const float>(seven.data(), 1));
    expect_error<h5_error>(
        [&] { writer.write_vector("v", 1, 0, std::span<const float>(seven.data(), 1)); },
        {"H5Dcreate2", "'/v'", path.string() + ".tmp"});
    writer.commit();
    expect_error<std::logic_error>(
        [&] { writer.write_vector("x", 1, 0, std::span<const float>(seven.data(), 1)); },
        {"after commit"});
    EXPECT_TRUE(fs::exists(path));
}

TEST_F(H5File, FinalNameAppearsOnlyAtCommit) {
    const fs::path path = file("checkpoint.h5");
    h5_writer writer(path, context_);
    EXPECT_EQ(writer.path(), path);
    EXPECT_EQ(writer.temporary_path(), file("checkpoint.h5.tmp"));
    writer.write_vector("v", 2, 0, std::span<const double>(std::vector<double>{1, 2}));
    EXPECT_TRUE(fs::exists(writer.temporary_path()));
    EXPECT_FALSE(fs::exists(path));
    writer.commit();
    EXPECT_TRUE(fs::exists(path));
    EXPECT_FALSE(fs::exists(writer.temporary_path()));
}

TEST_F(H5File, DestructionWithoutCommitRemovesTheTemporaryFile) {
    const fs::path path = file("abandoned.h5");
    {
        h5_writer writer(path, context_);
        writer.write_vector("v", 2, 0, std::span<const double>(std::vector<double>{1, 2}));
        EXPECT_TRUE(fs::exists(writer.temporary_path()));
    }
    EXPECT_FALSE(fs::exists(file("abandoned.h5.tmp")));
    EXPECT_FALSE(fs::exists(path));
}

TEST_F(H5File, AnAbandonedRewriteKeepsTheOldFile) {
    const fs::path path = file("kept.h5");
    {
        h5_writer writer(path, context_);
        writer.set_attribute("/", "step", 1);
        writer.commit();
    }
    try {
        h5_writer writer(path, context_);
        writer.set_attribute("/", "step", 2);
        throw std::runtime_error("killed mid-write");
    } catch (const std::runtime_error&) {
    }
    EXPECT_EQ(h5_reader(path).int64_attribute("/", "step"), 1);
    {
        h5_writer writer(path, context_);
        writer.set_attribute("/", "step", 3);
        writer.commit();  // replaces the old file
    }
    EXPECT_EQ(h5_reader(path).int64_attribute("/", "step"), 3);
    EXPECT_FALSE(fs::exists(file("kept.h5.tmp")));
}

TEST_F(H5File, MovedWriterStillCommits) {
    const fs::path path = file("moved.h5");
    h5_writer first(path, context_);
    h5_writer second(std::move(first));
    second.write_vector("v", 1, 0, std::span<const std::int64_t>(std::vector<std::int64_t>{9}));
    second.commit();
    EXPECT_EQ(h5_reader(path).read_array<std::int64_t>("v"), std::vector<std::int64_t>{9});
}

TEST_F(H5File, H5dumpReadsTheFile) {
    const fs::path h5dump = "/usr/bin/h5dump";
    if (!fs::exists(h5dump)) GTEST_SKIP() << "no " << h5dump;
    const fs::path path = file("dump.h5");
    {
        h5_writer writer(path, context_);
        writer.write_rows("layers/hidden/receptive/weight", 2, 2, 0,
                          std::span<const float>(table<float>(2, 2)));
        writer.write_vector("layers/hidden/bias", 2, 0,
                            std::span<const std::uint32_t>(std::vector<std::uint32_t>{3, 4}));
        writer.set_attribute("/", "config", "epochs = 1");
        writer.set_attribute("/", "seed", 7);
        writer.commit();
    }
    const fs::path header = file("dump.txt");
    const std::string command =
        h5dump.string() + " -H '" + path.string() + "' > '" + header.string() + "' 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::ifstream in(header);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("DATASET \"weight\""), std::string::npos) << text;
    EXPECT_NE(text.find("H5T_IEEE_F32LE"), std::string::npos) << text;
    EXPECT_NE(text.find("DATASPACE  SIMPLE { ( 2, 2 ) / ( 2, 2 ) }"), std::string::npos) << text;
    EXPECT_NE(text.find("H5T_STD_U32LE"), std::string::npos) << text;
    EXPECT_NE(text.find("ATTRIBUTE \"seed\""), std::string::npos) << text;
}

}  // namespace
}  // namespace infomorph::io
