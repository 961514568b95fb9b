#pragma once
// Image classification data sets in MNIST's IDX layout, their standardisation, the seeded
// train/validation split and the seeded per-epoch shuffle, and minibatch gathering.
//
// Every random choice here is a pure function of (seed, epoch) through counter_rng, so the split
// and the order of the samples never depend on the number of ranks or threads.

#include <Eigen/Core>

#include <array>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "infomorph/util/random.hpp"

namespace infomorph::io {

// One sample per row.
using sample_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Mean and standard deviation of raw pixels (0..255 scale).
struct pixel_stats {
    double mean = 0.0;
    double stddev = 1.0;
};

// The float value of a raw pixel byte v: (float(v) - offset) * scale, in float arithmetic. One
// subtraction and one multiplication, so that a SIMD loop computes exactly the same bits as the
// scalar code (a table in double or a division would not vectorise to identical results).
struct pixel_transform {
    float offset = 0.0f;
    float scale = 1.0f;
    float operator()(std::uint8_t v) const { return (static_cast<float>(v) - offset) * scale; }
};

// Standardisation with stats (offset = mean, scale = 1 / stddev), or the identity for nullptr.
pixel_transform standardising_transform(const pixel_stats* stats);

struct idx_dataset {
    sample_matrix
        train_images;  // n_train x (rows * cols), the whole training file (before any split)
    std::vector<std::uint8_t> train_labels;
    sample_matrix test_images;  // n_test x (rows * cols)
    std::vector<std::uint8_t> test_labels;
    std::size_t image_rows = 0;
    std::size_t image_cols = 0;
    int num_classes = 0;        // options.num_classes, or max label (train and test) + 1
    pixel_stats raw_stats;      // of the raw training pixels, all of them (before the split)
    bool standardised = false;  // images hold (raw - raw_stats.mean) / raw_stats.stddev
    // With idx_load_options::keep_bytes: the raw pixels (one sample after another) instead of
    // the float matrices, 4x smaller.
    std::vector<std::uint8_t> train_pixels;
    std::vector<std::uint8_t> test_pixels;
    // The float value of each byte (standardised or not), as in train_images and test_images.
    pixel_transform pixel_value;
};

struct idx_load_options {
    // Standardise train and test images with the global mean and std of the raw training pixels.
    bool standardise = true;
    // 0: infer as max label + 1. Otherwise every label must lie below it (data_error if not).
    int num_classes = 0;
    // Keep the raw bytes (train_pixels, test_pixels) and leave the float matrices empty.
    bool keep_bytes = false;
};

// Loads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte from directory, each with or without a .gz suffix (the plain name wins
// when both exist). Throws data_error naming the file for a missing or corrupt file, image and
// label counts that disagree, test images of another size than the training images, or labels out
// of range.
idx_dataset load_idx_dataset(const std::filesystem::path& directory,
                             const idx_load_options& options = {});

// The file in directory called name or name.gz (plain preferred); throws data_error naming both
// candidates if neither exists.
std::filesystem::path find_idx_file(const std::filesystem::path& directory,
                                    const std::string& name);

// Global mean and population standard deviation (divisor N) of all pixels, computed exactly in
// integers.
pixel_stats compute_pixel_stats(std::span<const std::uint8_t> pixels);

// Converts raw bytes to (x - stats.mean) / stats.stddev, or to x as float when stats is null.
void bytes_to_samples(std::span<const std::uint8_t> pixels, std::size_t n_samples,
                      std::size_t n_features, const pixel_stats* stats, sample_matrix& out);

// Disjoint, sorted sample indices whose union is 0..n-1.
struct data_split {
    std::vector<std::size_t> train;
    std::vector<std::size_t> validation;
};

// A seeded random split: round(n * validation_fraction) samples go to validation, chosen by a
// Fisher-Yates shuffle drawn from counter_rng(seed, stream::data_split). validation_fraction must
// lie in [0, 1) (std::invalid_argument otherwise). MNIST with 0.2: 48000 / 12000.
data_split split_train_validation(std::size_t n, std::uint64_t seed,
                                  double validation_fraction = 0.2);

// Fisher-Yates shuffle of values in place: for i = n-1 down to 1, swap values[i] with
// values[rng.below(i, i + 1)]. The result depends only on the rng's key and the input order.
void shuffle(std::span<std::size_t> values, const counter_rng& rng);

// The order in which an epoch visits indices (e.g. data_split::train): a permutation of them
// drawn from counter_rng(seed, stream::data_shuffle, {epoch}).
std::vector<std::size_t> epoch_order(std::span<const std::size_t> indices, std::uint64_t seed,
                                     std::uint64_t epoch);
// The same, written into out (out.size() must equal indices.size()); no allocation.
void epoch_order(std::span<const std::size_t> indices, std::uint64_t seed, std::uint64_t epoch,
                 std::span<std::size_t> out);

// The batch-th minibatch of an epoch order: order[batch * batch_size, ...), the last one possibly
// shorter; empty past the end.
std::span<const std::size_t> batch_slice(std::span<const std::size_t> order, std::size_t batch,
                                         std::size_t batch_size);
// ceil(n / batch_size).
std::size_t batch_count(std::size_t n, std::size_t batch_size);

// out.row(k) = source.row(rows[k]). out must already have rows.size() rows and source.cols()
// columns (pass e.g. buffer.topRows(k) for a short last batch); nothing is allocated. Throws
// std::invalid_argument on a shape mismatch and std::out_of_range on a bad row index.
void gather_rows(const Eigen::Ref<const sample_matrix>& source, std::span<const std::size_t> rows,
                 Eigen::Ref<sample_matrix> out);

// Rows of raw pixels (n_features bytes per sample), written neuron-major as the network reads
// its input: out[f * rows.size() + k] = pixel_value(pixels[rows[k] * n_features + f]).
// out.size() must be rows.size() * n_features. (src/io/pixel_gather.cpp)
void gather_pixels_transposed(std::span<const std::uint8_t> pixels, std::size_t n_features,
                              const pixel_transform& pixel_value,
                              std::span<const std::size_t> rows, std::span<float> out);

// out[k] = labels[rows[k]]; out.size() must equal rows.size().
void gather_labels(std::span<const std::uint8_t> labels, std::span<const std::size_t> rows,
                   std::span<std::uint8_t> out);

}  // namespace infomorph::io
