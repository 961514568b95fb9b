// metrics_log: metrics.csv and metrics.h5 after each flush, on rank 0 and (as no-ops) elsewhere.

#include <infomorph/io/h5_file.hpp>
#include <infomorph/io/metrics_log.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace infomorph::io {
namespace {

namespace fs = std::filesystem;

class MetricsLog : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = fs::temp_directory_path() /
                     ("infomorph_metrics_" + std::to_string(::getpid()) + "_" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(directory_);
    }
    void TearDown() override { fs::remove_all(directory_); }

    std::string read_text(const fs::path& path) const {
        std::ifstream in(path, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }

    const distributed_context context_ = make_local_context();
    fs::path directory_;
};

// Three epochs as a trainer would log them; "test_accuracy" only from the second on.
metrics_log three_epochs(const distributed_context& context) {
    metrics_log log(context);
    log.set_labels("layers/hidden/mean_atoms", {"{1}{2}", "{1}", "{2}", "{12}", "h_res"});
    log.set_attribute("config", "[training]\nepochs = 3\n");
    log.set_attribute("seed", 42);
    log.set_attribute("learning_rate", 0.5);
    for (int epoch = 0; epoch < 3; ++epoch) {
        metrics_record record;
        record.set_scalar("epoch", epoch)
            .set_scalar("seconds", 1.5 + epoch)
            .set_scalar("validation_accuracy", 0.25 * epoch)
            .set_vector("layers/hidden/mean_atoms", {0.1 * epoch, 0.2, 0.3, 0.4, 1.0})
            .set_vector("phase_seconds", {1.0, 2.0});
        if (epoch > 0) record.set_scalar("test_accuracy", 0.125);
        log.append(record);
    }
    return log;
}

TEST_F(MetricsLog, CsvHasAHeaderAndOneRowPerEpoch) {
    const metrics_log log = three_epochs(context_);
    EXPECT_EQ(log.n_epochs(), 3u);
    log.flush(directory_);
    EXPECT_EQ(read_text(directory_ / "metrics.csv"),
              "epoch,seconds,validation_accuracy,test_accuracy,"
              "layers/hidden/mean_atoms[{1}{2}],layers/hidden/mean_atoms[{1}],"
              "layers/hidden/mean_atoms[{2}],layers/hidden/mean_atoms[{12}],"
              "layers/hidden/mean_atoms[h_res],phase_seconds[0],phase_seconds[1]\n"
              "0,1.5,0,nan,0,0.2,0.3,0.4,1,1,2\n"
              "1,2.5,0.25,0.125,0.1,0.2,0.3,0.4,1,1,2\n"
              "2,3.5,0.5,0.125,0.2,0.2,0.3,0.4,1,1,2\n");
    EXPECT_FALSE(fs::exists(directory_ / "metrics.csv.tmp"));
    EXPECT_FALSE(fs::exists(directory_ / "metrics.h5.tmp"));
}

TEST_F(MetricsLog, H5HasOneDatasetPerColumn) {
    three_epochs(context_).flush(directory_);
    const h5_reader reader(directory_ / "metrics.h5");
    EXPECT_EQ(reader.read_array<double>("epoch"), (std::vector<double>{0, 1, 2}));
    EXPECT_EQ(reader.read_array<double>("seconds"), (std::vector<double>{1.5, 2.5, 3.5}));
    const std::vector<double> test = reader.read_array<double>("test_accuracy");
    ASSERT_EQ(test.size(), 3u);
    EXPECT_TRUE(std::isnan(test[0]));
    EXPECT_EQ(test[1], 0.125);
    reader.require_shape("layers/hidden/mean_atoms", {3, 5});
    EXPECT_EQ(reader.read_rows<double>("layers/hidden/mean_atoms", 2, 1),
              (std::vector<double>{0.2, 0.2, 0.3, 0.4, 1.0}));
    EXPECT_EQ(reader.string_attribute("layers/hidden/mean_atoms", "labels"),
              "{1}{2},{1},{2},{12},h_res");
    EXPECT_FALSE(reader.has_attribute("phase_seconds", "labels"));
    EXPECT_EQ(reader.int64_attribute("/", "n_epochs"), 3);
    EXPECT_EQ(reader.int64_attribute("/", "seed"), 42);
    EXPECT_EQ(reader.double_attribute("/", "learning_rate"), 0.5);
    EXPECT_EQ(reader.string_attribute("/", "config"), "[training]\nepochs = 3\n");
}

TEST_F(MetricsLog, SeedsAbove2To63AreKept) {
    metrics_log log(context_);
    log.set_attribute("seed", std::numeric_limits<std::uint64_t>::max());
    log.append(metrics_record().set_scalar("epoch", 1));
    log.flush(directory_);
    const h5_reader reader(directory_ / "metrics.h5");
    EXPECT_EQ(reader.uint64_attribute("/", "seed"), std::numeric_limits<std::uint64_t>::max());
}

TEST_F(MetricsLog, EachFlushRewritesBothFilesWithAllEpochs) {
    metrics_log log(context_);
    log.append(metrics_record().set_scalar("epoch", 0));
    log.flush(directory_);
    log.append(metrics_record().set_scalar("epoch", 1).set_scalar("seconds", 2));
    log.flush(directory_);
    EXPECT_EQ(read_text(directory_ / "metrics.csv"), "epoch,seconds\n0,nan\n1,2\n");
    const h5_reader reader(directory_ / "metrics.h5");
    EXPECT_EQ(reader.read_array<double>("epoch"), (std::vector<double>{0, 1}));
    EXPECT_EQ(reader.int64_attribute("/", "n_epochs"), 2);
}

TEST_F(MetricsLog, AnEmptyLogWritesEmptyFiles) {
    const metrics_log log(context_);
    log.flush(directory_);
    EXPECT_EQ(read_text(directory_ / "metrics.csv"), "\n");
    EXPECT_EQ(h5_reader(directory_ / "metrics.h5").int64_attribute("/", "n_epochs"), 0);
}

TEST_F(MetricsLog, NamesInCsvAreQuotedWhenNeeded) {
    metrics_log log(context_);
    log.append(metrics_record().set_scalar("loss, \"smoothed\"", 1));
    log.flush(directory_);
    EXPECT_EQ(read_text(directory_ / "metrics.csv"), "\"loss, \"\"smoothed\"\"\"\n1\n");
}

TEST_F(MetricsLog, InconsistentRecordsThrowAndChangeNothing) {
    metrics_log log(context_);
    log.append(metrics_record().set_scalar("epoch", 0).set_vector("atoms", {1, 2, 3}));
    EXPECT_THROW(log.append(metrics_record().set_scalar("epoch", 1).set_vector("atoms", {1, 2})),
                 std::invalid_argument);
    EXPECT_THROW(log.append(metrics_record().set_vector("epoch", {1})), std::invalid_argument);
    EXPECT_THROW(log.append(metrics_record().set_scalar("atoms", 1)), std::invalid_argument);
    EXPECT_THROW(log.append(metrics_record().set_vector("empty", {})), std::invalid_argument);
    EXPECT_THROW(log.set_labels("atoms", {"a", "b"}), std::invalid_argument);
    EXPECT_THROW(log.set_labels("other", {"a,b"}), std::invalid_argument);
    EXPECT_EQ(log.n_epochs(), 1u);
    log.flush(directory_);
    EXPECT_EQ(read_text(directory_ / "metrics.csv"), "epoch,atoms[0],atoms[1],atoms[2]\n0,1,2,3\n");
}

// A context whose rank is 1 of 2 and which cannot communicate: metrics_log must not need to.
struct second_rank {
    std::string name() const { return "second_rank"; }
    int rank() const { return 1; }
    int size() const { return 2; }
    void barrier() const { fail(); }
    void allgather_words(std::span<const std::uint64_t>, std::span<const std::size_t>,
                         std::span<std::uint64_t>) const {
        fail();
    }
    void allgather_reals(std::span<const double>, std::span<const std::size_t>,
                         std::span<double>) const {
        fail();
    }
    std::vector<std::int64_t> allgather_count(std::int64_t) const { fail(); }
    void allreduce_sum(std::span<std::int64_t>) const { fail(); }
    void allreduce_sum(std::span<double>) const { fail(); }
    std::string broadcast_from_root(std::string) const { fail(); }
    std::int64_t exclusive_scan_sum(std::int64_t) const { fail(); }
    bool any_failed(bool) const { fail(); }
    std::vector<std::string> gather_to_root(std::string) const { fail(); }
    [[noreturn]] void abort(int, std::string_view) const { fail(); }
    [[noreturn]] static void fail() { throw std::logic_error("metrics_log communicated"); }
};

// A resumed run keeps the epochs up to its checkpoint: restoring metrics.csv and flushing again
// reproduces the same file for those epochs (values, NaN cells and vector columns included).
TEST_F(MetricsLog, RestoreCsvKeepsTheEpochsUpToTheCheckpoint) {
    const fs::path earlier = directory_ / "earlier";
    three_epochs(context_).flush(earlier);

    metrics_log all(context_);
    all.set_labels("layers/hidden/mean_atoms", {"{1}{2}", "{1}", "{2}", "{12}", "h_res"});
    EXPECT_EQ(all.restore_csv(earlier / "metrics.csv", 2), 3u);
    all.flush(directory_ / "all");
    EXPECT_EQ(read_text(directory_ / "all" / "metrics.csv"), read_text(earlier / "metrics.csv"));

    metrics_log first_two(context_);
    EXPECT_EQ(first_two.restore_csv(earlier / "metrics.csv", 1), 2u);  // epochs 0 and 1
    EXPECT_EQ(first_two.n_epochs(), 2u);
    first_two.append(metrics_record().set_scalar("epoch", 2));
    first_two.flush(directory_ / "two");
    const std::string text = read_text(directory_ / "two" / "metrics.csv");
    EXPECT_NE(text.find("\n0,1.5,0,nan,0,0.2,"), std::string::npos) << text;  // no test_accuracy
    EXPECT_NE(text.find("\n2,nan,nan,nan,nan,nan,nan,nan,nan,nan,nan\n"), std::string::npos)
        << text;
}

TEST_F(MetricsLog, RestoreCsvRejectsFilesItDidNotWrite) {
    fs::create_directories(directory_);
    const fs::path file = directory_ / "metrics.csv";
    std::ofstream(file) << "epoch,accuracy\n1,0.5\n2,oops\n";
    metrics_log log(context_);
    try {
        log.restore_csv(file, 10);
        FAIL() << "expected an error";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("metrics.csv"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("oops"), std::string::npos) << e.what();
    }
    std::ofstream(file) << "seconds\n1\n";
    EXPECT_THROW(log.restore_csv(file, 10), std::runtime_error);  // no epoch column
    EXPECT_THROW(log.restore_csv(directory_ / "missing.csv", 10), std::runtime_error);
    std::ofstream(file) << "epoch,v[0],v[1]\n1,2,3\n";
    log.set_labels("v", {"a", "b", "c"});  // three labels, the file has two values
    EXPECT_THROW(log.restore_csv(file, 10), std::runtime_error);
}

TEST_F(MetricsLog, OtherRanksDoNothing) {
    metrics_log log(distributed_context(second_rank{}));
    EXPECT_FALSE(log.writes());
    log.append(metrics_record().set_scalar("epoch", 0));
    log.set_labels("atoms", {"a"});
    log.set_attribute("seed", 1);
    log.flush(directory_);
    EXPECT_EQ(log.n_epochs(), 0u);
    EXPECT_FALSE(fs::exists(directory_));
}

TEST_F(MetricsLog, H5pyAndH5dumpReadTheFile) {
    three_epochs(context_).flush(directory_);
    const fs::path file = directory_ / "metrics.h5";
    if (fs::exists("/usr/bin/h5dump")) {
        const std::string dump = "/usr/bin/h5dump -H '" + file.string() + "' > /dev/null 2>&1";
        EXPECT_EQ(std::system(dump.c_str()), 0);
    }
    if (std::system("/usr/bin/python3 -c 'import h5py' > /dev/null 2>&1") != 0) {
        GTEST_SKIP() << "no /usr/bin/python3 with h5py";
    }
    const std::string script =
        "import h5py, sys\n"
        "f = h5py.File(sys.argv[1], 'r')\n"
        "assert list(f['epoch'][:]) == [0.0, 1.0, 2.0], f['epoch'][:]\n"
        "assert f['layers/hidden/mean_atoms'].shape == (3, 5)\n"
        "assert f['layers/hidden/mean_atoms'].attrs['labels'] == '{1}{2},{1},{2},{12},h_res'\n"
        "assert f.attrs['n_epochs'] == 3 and f.attrs['seed'] == 42\n"
        "assert f.attrs['config'].startswith('[training]')\n";
    const fs::path script_file = directory_ / "check.py";
    std::ofstream(script_file) << script;
    const std::string command =
        "/usr/bin/python3 '" + script_file.string() + "' '" + file.string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace infomorph::io
