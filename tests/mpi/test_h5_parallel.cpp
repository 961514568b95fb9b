// h5_writer and h5_reader at whatever rank count the test runs (CTest: 1, 2, 3 and 4): per-neuron
// tables written collectively with the block partition read back on every rank, and the file
// holds exactly what a one-rank run writes.
//
// No ASSERT before a collective: a rank that returns early would hang the others.

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/io/h5_file.hpp>
#include <infomorph/io/metrics_log.hpp>
#include <infomorph/model/partition.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace infomorph::io {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t n_neurons = 10;  // rows of the per-neuron tables
constexpr std::size_t n_inputs = 3;    // their columns
constexpr std::size_t n_outputs = 3;   // a small layer: at 4 ranks, rank 3 owns no neuron

// The known content: element (row, col) of each table, the same whoever writes it.
template <typename T>
T element(std::size_t row, std::size_t col) {
    const auto base = static_cast<std::int64_t>(100 * row + col);
    if constexpr (std::is_floating_point_v<T>) return static_cast<T>(base) + T(0.25);
    if constexpr (std::is_signed_v<T>) return static_cast<T>(-base);
    return static_cast<T>(base);
}

// Rows [range.first, range.last) of a table with n_cols columns.
template <typename T>
std::vector<T> rows(neuron_range range, std::size_t n_cols) {
    std::vector<T> values;
    for (std::size_t r = range.first; r < range.last; ++r) {
        for (std::size_t c = 0; c < n_cols; ++c) values.push_back(element<T>(r, c));
    }
    return values;
}

const std::vector<std::int64_t> moebius = {1, 0, -1, 1};

// A checkpoint as the trainer writes one: each rank its own neurons' rows.
void write_checkpoint(h5_writer& writer, const distributed_context& context) {
    const neuron_range hidden = owned_range(n_neurons, context.size(), context.rank());
    const neuron_range output = owned_range(n_outputs, context.size(), context.rank());
    writer.write_rows("layers/hidden/receptive/weight", n_neurons, n_inputs, hidden.first,
                      std::span<const float>(rows<float>(hidden, n_inputs)));
    writer.write_rows("layers/hidden/receptive/adam_m", n_neurons, n_inputs, hidden.first,
                      std::span<const double>(rows<double>(hidden, n_inputs)));
    writer.write_rows("layers/hidden/counts", n_neurons, n_inputs, hidden.first,
                      std::span<const std::uint32_t>(rows<std::uint32_t>(hidden, n_inputs)));
    writer.write_vector("layers/hidden/bias", n_neurons, hidden.first,
                        std::span<const std::int64_t>(rows<std::int64_t>(hidden, 1)));
    writer.write_rows("layers/output/weight", n_outputs, n_neurons, output.first,
                      std::span<const double>(rows<double>(output, n_neurons)));
    writer.write_array("lattice/moebius", {2, 2}, std::span<const std::int64_t>(moebius));
    writer.set_attribute("/", "step", 7);
    writer.set_attribute("/", "config", "[training]\nepochs = 2\n");
    writer.set_attribute("layers/hidden", "learning_rate", 0.01);
}

// Checks every dataset and attribute of a checkpoint against the known content (not collective
// for a serial reader, collective for a parallel one: every rank reads everything).
void expect_checkpoint(const h5_reader& reader) {
    const neuron_range all{0, n_neurons};
    EXPECT_EQ(reader.shape("layers/hidden/receptive/weight"), (h5_shape{n_neurons, n_inputs}));
    EXPECT_EQ(reader.read_array<float>("layers/hidden/receptive/weight"),
              rows<float>(all, n_inputs));
    EXPECT_EQ(reader.read_array<double>("layers/hidden/receptive/adam_m"),
              rows<double>(all, n_inputs));
    EXPECT_EQ(reader.read_array<std::uint32_t>("layers/hidden/counts"),
              rows<std::uint32_t>(all, n_inputs));
    EXPECT_EQ(reader.shape("layers/hidden/bias"), h5_shape{n_neurons});
    EXPECT_EQ(reader.read_array<std::int64_t>("layers/hidden/bias"), rows<std::int64_t>(all, 1));
    EXPECT_EQ(reader.shape("layers/output/weight"), (h5_shape{n_outputs, n_neurons}));
    EXPECT_EQ(reader.read_array<double>("layers/output/weight"),
              rows<double>({0, n_outputs}, n_neurons));
    EXPECT_EQ(reader.read_array<std::int64_t>("lattice/moebius"), moebius);
    EXPECT_EQ(reader.int64_attribute("/", "step"), 7);
    EXPECT_EQ(reader.string_attribute("/", "config"), "[training]\nepochs = 2\n");
    EXPECT_EQ(reader.double_attribute("layers/hidden", "learning_rate"), 0.01);
}

// The standard output of a command (rank-local).
std::string output_of(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    std::string text;
    if (!pipe) return text;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) {
        text.append(buffer.data(), n);
    }
    return text;
}

class H5Parallel : public ::testing::Test {
  protected:
    void SetUp() override {
        // One directory for all ranks, named by rank 0.
        const std::string name = "infomorph_h5_parallel_" + std::to_string(::getpid()) + "_np" +
                                 std::to_string(context.size());
        directory = context.broadcast_from_root((fs::temp_directory_path() / name).string());
        if (context.is_root()) {
            fs::remove_all(directory);
            fs::create_directories(directory);
        }
        context.barrier();
    }
    void TearDown() override {
        context.barrier();
        if (context.is_root()) fs::remove_all(directory);
    }

    const distributed_context context = make_mpi_context();
    fs::path directory;
};

TEST_F(H5Parallel, PerNeuronTablesReadBackOnEveryRank) {
    const fs::path path = directory / "checkpoint.h5";
    {
        h5_writer writer(path, context);
        write_checkpoint(writer, context);
        context.barrier();
        EXPECT_TRUE(fs::exists(writer.temporary_path()));
        EXPECT_FALSE(fs::exists(path));
        writer.commit();
        EXPECT_TRUE(fs::exists(path));
        EXPECT_FALSE(fs::exists(writer.temporary_path()));
    }

    // Collectively, each rank its own rows, as a restart on this rank count reads them.
    {
        const h5_reader reader(path, context);
        const neuron_range hidden = owned_range(n_neurons, context.size(), context.rank());
        const neuron_range output = owned_range(n_outputs, context.size(), context.rank());
        EXPECT_EQ(
            reader.read_rows<float>("layers/hidden/receptive/weight", hidden.first, hidden.size()),
            rows<float>(hidden, n_inputs));
        EXPECT_EQ(reader.read_rows<std::int64_t>("layers/hidden/bias", hidden.first, hidden.size()),
                  rows<std::int64_t>(hidden, 1));
        EXPECT_EQ(reader.read_rows<double>("layers/output/weight", output.first, output.size()),
                  rows<double>(output, n_neurons));
        expect_checkpoint(reader);
    }
    // Serially, on every rank at once.
    expect_checkpoint(h5_reader(path));
}

TEST_F(H5Parallel, FileEqualsWhatOneRankWrites) {
    const fs::path path = directory / "parallel.h5";
    const fs::path serial = directory / "serial.h5";
    {
        h5_writer writer(path, context);
        write_checkpoint(writer, context);
        writer.commit();
    }
    if (context.is_root()) {
        h5_writer writer(serial, make_local_context());
        write_checkpoint(writer, make_local_context());
        writer.commit();
        // Same groups, datasets, types, shapes, values and attributes; only the first line
        // (the file name) differs.
        if (fs::exists("/usr/bin/h5dump")) {
            auto dump = [](const fs::path& file) {
                const std::string text = output_of("/usr/bin/h5dump '" + file.string() + "'");
                return text.substr(std::min(text.size(), text.find('\n')));
            };
            const std::string expected = dump(serial);
            EXPECT_NE(expected.find("DATASET \"weight\""), std::string::npos) << expected;
            EXPECT_EQ(dump(path), expected);
        }
    }
    context.barrier();
    expect_checkpoint(h5_reader(serial));
}

TEST_F(H5Parallel, InvalidRowsOnTheLastRankFailEveryRank) {
    const fs::path path = directory / "invalid.h5";
    {
        h5_writer writer(path, context);
        const bool last = context.rank() == context.size() - 1;
        const std::vector<double> values(last ? 4 : 0, 1.0);  // 4 is not a multiple of 3
        if (last) {
            EXPECT_THROW(writer.write_rows("w", n_neurons, 3, 0, std::span<const double>(values)),
                         std::invalid_argument);
        } else {
            EXPECT_THROW(writer.write_rows("w", n_neurons, 3, 0, std::span<const double>(values)),
                         h5_error);
        }
        // The writer is still usable after a rejected call.
        write_checkpoint(writer, context);
        // Destroyed without commit.
    }
    context.barrier();
    EXPECT_FALSE(fs::exists(directory / "invalid.h5.tmp"));
    EXPECT_FALSE(fs::exists(path));
}

TEST_F(H5Parallel, OpeningAMissingFileFailsOnEveryRank) {
    EXPECT_THROW(h5_reader(directory / "missing.h5", context), h5_error);
}

TEST_F(H5Parallel, MetricsAreWrittenByRankZeroAlone) {
    metrics_log log(context);
    log.append(metrics_record().set_scalar("epoch", 0).set_scalar("ranks", context.size()));
    log.flush(directory / "run");
    context.barrier();
    EXPECT_EQ(h5_reader(directory / "run" / "metrics.h5").read_array<double>("ranks"),
              std::vector<double>{static_cast<double>(context.size())});
}

}  // namespace
}  // namespace infomorph::io
