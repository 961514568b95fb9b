#include "infomorph/io/dataset.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "infomorph/io/idx.hpp"

namespace fs = std::filesystem;
using namespace infomorph::io;

namespace {

using bytes = std::vector<std::uint8_t>;

constexpr std::uint32_t kRows = 3;
constexpr std::uint32_t kCols = 2;

class DatasetTest : public ::testing::Test {
  protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir_ = fs::temp_directory_path() / ("infomorph_dataset_" + std::to_string(::getpid()) +
                                            "_" + std::to_string(counter++));
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    // n images of kRows x kCols with pixel (i, j) = (7 * i + 13 * j) mod 256; labels i mod classes.
    static bytes pixels(std::uint32_t n, int offset = 0) {
        bytes p(std::size_t{n} * kRows * kCols);
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = 0; j < kRows * kCols; ++j) {
                p[i * kRows * kCols + j] = static_cast<std::uint8_t>(
                    (7 * i + 13 * j + static_cast<std::size_t>(offset)) % 256);
            }
        }
        return p;
    }
    static bytes labels(std::uint32_t n, unsigned classes) {
        bytes l(n);
        for (std::size_t i = 0; i < n; ++i) l[i] = static_cast<std::uint8_t>(i % classes);
        return l;
    }

    // Train set of n_train, test set of n_test; the train images and test labels gzipped.
    void write_set(std::uint32_t n_train, std::uint32_t n_test, unsigned classes = 4) {
        write_images("train-images-idx3-ubyte.gz", pixels(n_train), true);
        write_labels("train-labels-idx1-ubyte", labels(n_train, classes), false);
        write_images("t10k-images-idx3-ubyte", pixels(n_test, 3), false);
        write_labels("t10k-labels-idx1-ubyte.gz", labels(n_test, classes), true);
    }
    void write_images(const std::string& name, const bytes& p, bool gz, std::uint32_t rows = kRows,
                      std::uint32_t cols = kCols) {
        const std::vector<std::uint32_t> dims{static_cast<std::uint32_t>(p.size() / (rows * cols)),
                                              rows, cols};
        write_idx(dir_ / name, dims, p, gz);
    }
    void write_labels(const std::string& name, const bytes& l, bool gz) {
        const std::vector<std::uint32_t> dims{static_cast<std::uint32_t>(l.size())};
        write_idx(dir_ / name, dims, l, gz);
    }

    fs::path dir_;
};

template <class F>
void expect_data_error(F f, std::vector<std::string> parts) {
    try {
        f();
        ADD_FAILURE() << "no exception";
    } catch (const data_error& e) {
        const std::string msg = e.what();
        for (const auto& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << msg;
    }
}

bool is_permutation_of(std::vector<std::size_t> a, std::vector<std::size_t> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
}

}  // namespace

TEST_F(DatasetTest, LoadsRawImagesAndLabels) {
    write_set(10, 5);
    const idx_dataset d = load_idx_dataset(dir_, {.standardise = false});
    EXPECT_EQ(d.image_rows, kRows);
    EXPECT_EQ(d.image_cols, kCols);
    ASSERT_EQ(d.train_images.rows(), 10);
    ASSERT_EQ(d.train_images.cols(), kRows * kCols);
    ASSERT_EQ(d.test_images.rows(), 5);
    EXPECT_EQ(d.train_labels, labels(10, 4));
    EXPECT_EQ(d.test_labels, labels(5, 4));
    EXPECT_EQ(d.num_classes, 4);
    EXPECT_FALSE(d.standardised);
    const bytes p = pixels(10);
    for (Eigen::Index i = 0; i < 10; ++i) {
        for (Eigen::Index j = 0; j < 6; ++j) {
            EXPECT_EQ(d.train_images(i, j), p[static_cast<std::size_t>(i * 6 + j)]);
        }
    }
    EXPECT_EQ(d.test_images(1, 0), pixels(5, 3)[6]);
}

TEST_F(DatasetTest, NumClassesIsMaxLabelPlusOneOverTrainAndTest) {
    write_images("train-images-idx3-ubyte", pixels(3), false);
    write_labels("train-labels-idx1-ubyte", {0, 2, 1}, false);
    write_images("t10k-images-idx3-ubyte", pixels(2), false);
    write_labels("t10k-labels-idx1-ubyte", {5, 0}, false);
    EXPECT_EQ(load_idx_dataset(dir_).num_classes, 6);
    EXPECT_EQ(load_idx_dataset(dir_, {.num_classes = 10}).num_classes, 10);
}

TEST_F(DatasetTest, StandardisesWithRawTrainingStatistics) {
    write_set(20, 7);
    const idx_dataset d = load_idx_dataset(dir_);
    EXPECT_TRUE(d.standardised);
    const bytes train = pixels(20);
    const pixel_stats s = compute_pixel_stats(train);
    EXPECT_DOUBLE_EQ(d.raw_stats.mean, s.mean);
    EXPECT_DOUBLE_EQ(d.raw_stats.stddev, s.stddev);
    // Standardised training pixels: mean 0, population std 1.
    const double mean = d.train_images.cast<double>().mean();
    const double var = (d.train_images.cast<double>().array() - mean).square().mean();
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(var, 1.0, 1e-5);
    // Test images use the training statistics.
    const bytes test = pixels(7, 3);
    EXPECT_FLOAT_EQ(d.test_images(2, 3), static_cast<float>((test[2 * 6 + 3] - s.mean) / s.stddev));
}

TEST(PixelStats, ExactMeanAndPopulationStd) {
    const bytes p{0, 255, 0, 255};
    const pixel_stats s = compute_pixel_stats(p);
    EXPECT_DOUBLE_EQ(s.mean, 127.5);
    EXPECT_DOUBLE_EQ(s.stddev, 127.5);
    const bytes q{1, 2, 3, 4};
    EXPECT_DOUBLE_EQ(compute_pixel_stats(q).stddev, std::sqrt(1.25));
}

TEST_F(DatasetTest, MissingFileNamesIt) {
    write_set(4, 2);
    fs::remove(dir_ / "t10k-images-idx3-ubyte");
    expect_data_error([&] { load_idx_dataset(dir_); }, {"t10k-images-idx3-ubyte", "not found"});
}

TEST_F(DatasetTest, PlainNamePreferredOverGz) {
    write_set(4, 2);
    EXPECT_EQ(find_idx_file(dir_, "train-images-idx3-ubyte").filename(),
              "train-images-idx3-ubyte.gz");
    write_images("train-images-idx3-ubyte", pixels(4), false);
    EXPECT_EQ(find_idx_file(dir_, "train-images-idx3-ubyte").filename(), "train-images-idx3-ubyte");
}

TEST_F(DatasetTest, ImageAndLabelCountsMustAgree) {
    write_set(6, 3);
    write_labels("train-labels-idx1-ubyte", labels(5, 4), false);
    expect_data_error([&] { load_idx_dataset(dir_); },
                      {"train-images-idx3-ubyte.gz", "6 images", "train-labels-idx1-ubyte",
                       "5 labels", "disagree"});
}

TEST_F(DatasetTest, LabelsOutOfRange) {
    write_set(6, 3);
    write_labels("t10k-labels-idx1-ubyte.gz", {1, 10, 2}, true);
    expect_data_error([&] { load_idx_dataset(dir_, {.num_classes = 10}); },
                      {"t10k-labels-idx1-ubyte.gz", "label 10 at index 1 out of range"});
}

TEST_F(DatasetTest, TestImagesMustMatchTrainingSize) {
    write_set(6, 3);
    fs::remove(dir_ / "t10k-images-idx3-ubyte");
    write_images("t10k-images-idx3-ubyte.gz", pixels(3), true, 2, 3);
    expect_data_error([&] { load_idx_dataset(dir_); }, {"t10k-images-idx3-ubyte.gz", "2 x 3"});
}

TEST_F(DatasetTest, CorruptFileInDirectoryNamesIt) {
    write_set(6, 3);
    std::ofstream(dir_ / "train-labels-idx1-ubyte", std::ios::binary | std::ios::app) << 'x';
    expect_data_error([&] { load_idx_dataset(dir_); },
                      {"train-labels-idx1-ubyte", "1 trailing bytes"});
}

TEST(Split, SizesDisjointAndComplete) {
    const data_split s = split_train_validation(60000, 30);
    EXPECT_EQ(s.train.size(), 48000u);
    EXPECT_EQ(s.validation.size(), 12000u);
    EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
    EXPECT_TRUE(std::is_sorted(s.validation.begin(), s.validation.end()));
    std::vector<std::size_t> all = s.train;
    all.insert(all.end(), s.validation.begin(), s.validation.end());
    std::vector<std::size_t> expected(60000);
    std::iota(expected.begin(), expected.end(), std::size_t{0});
    EXPECT_TRUE(is_permutation_of(all, expected));  // disjoint and complete
}

TEST(Split, FractionIsConfigurable) {
    EXPECT_EQ(split_train_validation(100, 1, 0.1).validation.size(), 10u);
    EXPECT_EQ(split_train_validation(100, 1, 0.0).train.size(), 100u);
    EXPECT_EQ(split_train_validation(7, 1, 0.5).validation.size(), 4u);  // round(3.5)
    EXPECT_THROW(split_train_validation(100, 1, 1.0), std::invalid_argument);
    EXPECT_THROW(split_train_validation(100, 1, -0.1), std::invalid_argument);
}

TEST(Split, DependsOnlyOnSeed) {
    const data_split a = split_train_validation(1000, 30);
    const data_split b = split_train_validation(1000, 30);
    const data_split c = split_train_validation(1000, 31);
    EXPECT_EQ(a.train, b.train);
    EXPECT_EQ(a.validation, b.validation);
    EXPECT_NE(a.validation, c.validation);
    // Not a prefix or some other trivial choice.
    EXPECT_GT(a.validation.back() - a.validation.front(), 500u);
}

TEST(EpochOrder, PermutesTheIndicesDeterministically) {
    const data_split s = split_train_validation(5000, 30);
    const auto e0 = epoch_order(s.train, 30, 0);
    EXPECT_TRUE(is_permutation_of(e0, s.train));
    EXPECT_NE(e0, s.train);
    EXPECT_EQ(e0, epoch_order(s.train, 30, 0));
    EXPECT_NE(e0, epoch_order(s.train, 30, 1));
    EXPECT_NE(e0, epoch_order(s.train, 31, 0));
    std::vector<std::size_t> out(s.train.size());
    epoch_order(s.train, 30, 0, out);
    EXPECT_EQ(out, e0);
    std::vector<std::size_t> wrong(3);
    EXPECT_THROW(epoch_order(s.train, 30, 0, wrong), std::invalid_argument);
}

TEST(EpochOrder, ShuffleIsUniformOnThreeElements) {
    std::map<std::vector<std::size_t>, int> counts;
    const std::vector<std::size_t> base{0, 1, 2};
    const int trials = 60000;
    for (int epoch = 0; epoch < trials; ++epoch) {
        ++counts[epoch_order(base, 5, static_cast<std::uint64_t>(epoch))];
    }
    ASSERT_EQ(counts.size(), 6u);
    for (const auto& [perm, n] : counts)
        EXPECT_NEAR(n, trials / 6, 400) << perm[0] << perm[1] << perm[2];
}

TEST(Batches, SlicesCoverTheOrder) {
    std::vector<std::size_t> order(10);
    std::iota(order.begin(), order.end(), std::size_t{100});
    EXPECT_EQ(batch_count(10, 4), 3u);
    EXPECT_EQ(batch_count(8, 4), 2u);
    EXPECT_EQ(batch_count(0, 4), 0u);
    EXPECT_EQ(batch_slice(order, 0, 4).size(), 4u);
    EXPECT_EQ(batch_slice(order, 1, 4).front(), 104u);
    EXPECT_EQ(batch_slice(order, 2, 4).size(), 2u);
    EXPECT_EQ(batch_slice(order, 2, 4).back(), 109u);
    EXPECT_TRUE(batch_slice(order, 3, 4).empty());
    EXPECT_THROW(batch_count(10, 0), std::invalid_argument);
}

TEST(Gather, RowsIntoCallerOwnedBuffer) {
    sample_matrix source(5, 3);
    for (Eigen::Index i = 0; i < 5; ++i) {
        for (Eigen::Index j = 0; j < 3; ++j) source(i, j) = static_cast<float>(10 * i + j);
    }
    sample_matrix buffer(4, 3);
    const float* storage = buffer.data();
    const std::vector<std::size_t> rows{4, 0, 2, 2};
    gather_rows(source, rows, buffer);
    EXPECT_EQ(buffer.data(), storage);
    for (Eigen::Index k = 0; k < 4; ++k) {
        EXPECT_EQ(buffer.row(k),
                  source.row(static_cast<Eigen::Index>(rows[static_cast<std::size_t>(k)])));
    }
    // A short last batch goes into the top rows of the same buffer.
    const std::vector<std::size_t> last{3, 1};
    gather_rows(source, last, buffer.topRows(2));
    EXPECT_EQ(buffer.data(), storage);
    EXPECT_EQ(buffer.row(0), source.row(3));
    EXPECT_EQ(buffer.row(1), source.row(1));
    EXPECT_EQ(buffer.row(2), source.row(2));  // untouched

    EXPECT_THROW(gather_rows(source, last, buffer), std::invalid_argument);
    const std::vector<std::size_t> bad{5};
    EXPECT_THROW(gather_rows(source, bad, buffer.topRows(1)), std::out_of_range);
}

TEST(Gather, Labels) {
    const bytes labels{9, 8, 7, 6};
    const std::vector<std::size_t> rows{3, 0};
    bytes out(2);
    gather_labels(labels, rows, out);
    EXPECT_EQ(out, (bytes{6, 9}));
    bytes wrong(3);
    EXPECT_THROW(gather_labels(labels, rows, wrong), std::invalid_argument);
}

// The real MNIST, if scripts/fetch_mnist.sh has put it in data/mnist (or INFOMORPH_MNIST_DIR
// points at it).
TEST(RealMnist, ShapesAndGlobalPixelStatistics) {
    fs::path dir;
    if (const char* env = std::getenv("INFOMORPH_MNIST_DIR"); env != nullptr && *env != '\0') {
        dir = env;
    } else {
#ifdef INFOMORPH_DEFAULT_MNIST_DIR
        dir = INFOMORPH_DEFAULT_MNIST_DIR;
#endif
    }
    try {
        (void)find_idx_file(dir, "train-images-idx3-ubyte");
    } catch (const data_error&) {
        GTEST_SKIP() << "MNIST not found in '" << dir.string()
                     << "' (run scripts/fetch_mnist.sh or set INFOMORPH_MNIST_DIR)";
    }
    const idx_dataset d = load_idx_dataset(dir);
    EXPECT_EQ(d.train_images.rows(), 60000);
    EXPECT_EQ(d.train_images.cols(), 784);
    EXPECT_EQ(d.test_images.rows(), 10000);
    EXPECT_EQ(d.test_images.cols(), 784);
    EXPECT_EQ(d.num_classes, 10);
    EXPECT_NEAR(d.raw_stats.mean, 33.3184, 5e-5);
    EXPECT_NEAR(d.raw_stats.stddev, 78.5675, 5e-5);
    const data_split s = split_train_validation(d.train_labels.size(), 30);
    EXPECT_EQ(s.train.size(), 48000u);
    EXPECT_EQ(s.validation.size(), 12000u);
    EXPECT_EQ(d.train_labels[0], 5);  // the first MNIST training image is a 5
}

namespace infomorph::io {
namespace {

// Every tile shape: full tiles of 16 samples (the SIMD path where the CPU has it), a short
// last tile, and a pixel count that is not a multiple of 16.
TEST(GatherPixelsTransposed, WritesRowsNeuronMajorThroughTheTransform) {
    for (const std::size_t n_features : {5u, 16u, 37u}) {
        std::vector<std::uint8_t> pixels(40 * n_features);
        for (std::size_t i = 0; i < pixels.size(); ++i)
            pixels[i] = static_cast<std::uint8_t>((i * 7) % 256);
        const pixel_transform value{6.0f, 0.5f};  // 0.5 v - 3
        const std::vector<std::size_t> rows = {39, 0, 17, 17, 5, 22, 31, 8, 1, 2, 3, 4, 6, 7,
                                               9,  10, 11, 12, 13, 39, 38, 37, 36, 35, 34, 33,
                                               32, 30, 29, 28, 27, 26, 25, 24, 23};  // 2 tiles + 3
        std::vector<float> out(rows.size() * n_features);
        gather_pixels_transposed(pixels, n_features, value, rows, out);
        for (std::size_t k = 0; k < rows.size(); ++k)
            for (std::size_t f = 0; f < n_features; ++f) {
                const std::uint8_t v = pixels[rows[k] * n_features + f];
                ASSERT_EQ(out[f * rows.size() + k], 0.5f * static_cast<float>(v) - 3.0f)
                    << "features " << n_features << " sample " << k << " pixel " << f;
            }
    }
    const std::size_t n_features = 5;
    const std::vector<std::uint8_t> pixels(40 * n_features, 1);
    const std::vector<std::size_t> rows = {1, 2, 3};
    std::vector<float> wrong(3);
    EXPECT_THROW(gather_pixels_transposed(pixels, n_features, {}, rows, wrong),
                 std::invalid_argument);
    const std::vector<std::size_t> bad = {40};
    std::vector<float> one(n_features);
    EXPECT_THROW(gather_pixels_transposed(pixels, n_features, {}, bad, one), std::out_of_range);
}

TEST(PixelTransform, StandardisesInFloatArithmetic) {
    const pixel_stats stats{33.3184, 78.5675};
    const pixel_transform t = standardising_transform(&stats);
    for (int v = 0; v < 256; ++v)
        EXPECT_NEAR(t(static_cast<std::uint8_t>(v)), (v - stats.mean) / stats.stddev, 1e-6);
    EXPECT_EQ(standardising_transform(nullptr)(200), 200.0f);
}

}  // namespace
}  // namespace infomorph::io
