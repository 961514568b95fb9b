#include "infomorph/io/dataset.hpp"

#include <infomorph/util/files.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "infomorph/io/idx.hpp"

namespace infomorph::io {
namespace {

struct loaded_part {
    std::filesystem::path images_file;
    std::filesystem::path labels_file;
    idx_images images;
    std::vector<std::uint8_t> labels;
};

loaded_part load_part(const std::filesystem::path& directory, const std::string& prefix,
                      unsigned label_bound) {
    loaded_part p;
    p.images_file = find_idx_file(directory, prefix + "-images-idx3-ubyte");
    p.labels_file = find_idx_file(directory, prefix + "-labels-idx1-ubyte");
    p.images = read_idx_images(p.images_file);
    p.labels = read_idx_labels(p.labels_file, label_bound);
    if (p.images.count != p.labels.size()) {
        throw data_error(p.images_file.string() + " holds " + std::to_string(p.images.count) +
                         " images but " + p.labels_file.string() + " holds " +
                         std::to_string(p.labels.size()) + " labels: counts disagree");
    }
    return p;
}

}  // namespace

std::filesystem::path find_idx_file(const std::filesystem::path& directory,
                                    const std::string& name) {
    std::error_code ec;
    const std::filesystem::path plain = directory / name;
    if (std::filesystem::is_regular_file(plain, ec)) return plain;
    std::filesystem::path gz = plain;
    gz += ".gz";
    if (std::filesystem::is_regular_file(gz, ec)) return gz;
    // A directory (or a device) where the file should be is not a missing file.
    const std::string reason = unreadable_file_reason(plain);
    if (reason != "no such file") throw data_error(plain.string() + ": " + reason);
    throw data_error(plain.string() + ": file not found (nor " + gz.filename().string() + ")");
}

pixel_stats compute_pixel_stats(std::span<const std::uint8_t> pixels) {
    if (pixels.empty()) return {};
    std::uint64_t sum = 0;
    std::uint64_t sum_sq = 0;
    for (std::uint8_t x : pixels) {
        sum += x;
        sum_sq += std::uint64_t{x} * x;
    }
    // Both sums are exact integers below 2^53 for up to ~1.3e11 pixels, so exact as doubles.
    const auto n = static_cast<double>(pixels.size());
    const double mean = static_cast<double>(sum) / n;
    const double var = std::max(0.0, static_cast<double>(sum_sq) / n - mean * mean);
    return {mean, std::sqrt(var)};
}

pixel_transform standardising_transform(const pixel_stats* stats) {
    if (stats == nullptr) return {};
    return {static_cast<float>(stats->mean), static_cast<float>(1.0 / stats->stddev)};
}

void bytes_to_samples(std::span<const std::uint8_t> pixels, std::size_t n_samples,
                      std::size_t n_features, const pixel_stats* stats, sample_matrix& out) {
    if (pixels.size() != n_samples * n_features) {
        throw std::invalid_argument("bytes_to_samples: " + std::to_string(pixels.size()) +
                                    " bytes for " + std::to_string(n_samples) + " x " +
                                    std::to_string(n_features) + " samples");
    }
    const pixel_transform value = standardising_transform(stats);
    std::array<float, 256> table{};
    for (std::size_t v = 0; v < table.size(); ++v) table[v] = value(static_cast<std::uint8_t>(v));
    out.resize(static_cast<Eigen::Index>(n_samples), static_cast<Eigen::Index>(n_features));
    float* dst = out.data();  // row-major: the bytes' order
    for (std::size_t i = 0; i < pixels.size(); ++i) dst[i] = table[pixels[i]];
}

idx_dataset load_idx_dataset(const std::filesystem::path& directory,
                             const idx_load_options& options) {
    if (options.num_classes < 0 || options.num_classes > 256) {
        throw std::invalid_argument("load_idx_dataset: num_classes " +
                                    std::to_string(options.num_classes) + " not in [0, 256]");
    }
    const unsigned bound =
        options.num_classes > 0 ? static_cast<unsigned>(options.num_classes) : 256U;
    loaded_part train = load_part(directory, "train", bound);
    loaded_part test = load_part(directory, "t10k", bound);
    if (test.images.rows != train.images.rows || test.images.cols != train.images.cols) {
        throw data_error(test.images_file.string() + ": images are " +
                         std::to_string(test.images.rows) + " x " +
                         std::to_string(test.images.cols) + " but the training images in " +
                         train.images_file.string() + " are " + std::to_string(train.images.rows) +
                         " x " + std::to_string(train.images.cols));
    }

    idx_dataset d;
    d.image_rows = train.images.rows;
    d.image_cols = train.images.cols;
    const std::size_t features = d.image_rows * d.image_cols;
    d.raw_stats = compute_pixel_stats(train.images.pixels);
    d.standardised = options.standardise;
    if (options.standardise && !(d.raw_stats.stddev > 0.0)) {
        throw data_error(train.images_file.string() +
                         ": all training pixels are equal, cannot standardise");
    }
    const pixel_stats* stats = options.standardise ? &d.raw_stats : nullptr;
    d.pixel_value = standardising_transform(stats);
    if (options.keep_bytes) {
        d.train_pixels = std::move(train.images.pixels);
        d.test_pixels = std::move(test.images.pixels);
    } else {
        bytes_to_samples(train.images.pixels, train.images.count, features, stats, d.train_images);
        bytes_to_samples(test.images.pixels, test.images.count, features, stats, d.test_images);
    }

    if (options.num_classes > 0) {
        d.num_classes = options.num_classes;
    } else {
        int max_label = -1;
        for (const auto* labels : {&train.labels, &test.labels}) {
            if (!labels->empty()) {
                max_label =
                    std::max(max_label, int{*std::max_element(labels->begin(), labels->end())});
            }
        }
        d.num_classes = max_label + 1;
    }
    d.train_labels = std::move(train.labels);
    d.test_labels = std::move(test.labels);
    return d;
}

void shuffle(std::span<std::size_t> values, const counter_rng& rng) {
    for (std::size_t i = values.size(); i-- > 1;) {
        const auto j = static_cast<std::size_t>(rng.below(i, i + 1));
        std::swap(values[i], values[j]);
    }
}

data_split split_train_validation(std::size_t n, std::uint64_t seed, double validation_fraction) {
    if (!(validation_fraction >= 0.0 && validation_fraction < 1.0)) {
        throw std::invalid_argument("split_train_validation: validation fraction " +
                                    std::to_string(validation_fraction) + " not in [0, 1)");
    }
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    shuffle(order, counter_rng(seed, stream::data_split));
    const auto n_validation = std::min(
        n, static_cast<std::size_t>(std::llround(static_cast<double>(n) * validation_fraction)));
    data_split s;
    s.validation.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_validation));
    s.train.assign(order.begin() + static_cast<std::ptrdiff_t>(n_validation), order.end());
    std::sort(s.validation.begin(), s.validation.end());
    std::sort(s.train.begin(), s.train.end());
    return s;
}

void epoch_order(std::span<const std::size_t> indices, std::uint64_t seed, std::uint64_t epoch,
                 std::span<std::size_t> out) {
    if (out.size() != indices.size()) {
        throw std::invalid_argument("epoch_order: output holds " + std::to_string(out.size()) +
                                    " entries for " + std::to_string(indices.size()) + " indices");
    }
    std::copy(indices.begin(), indices.end(), out.begin());
    shuffle(out, counter_rng(seed, stream::data_shuffle, {epoch}));
}

std::vector<std::size_t> epoch_order(std::span<const std::size_t> indices, std::uint64_t seed,
                                     std::uint64_t epoch) {
    std::vector<std::size_t> out(indices.size());
    epoch_order(indices, seed, epoch, out);
    return out;
}

std::span<const std::size_t> batch_slice(std::span<const std::size_t> order, std::size_t batch,
                                         std::size_t batch_size) {
    if (batch_size == 0) throw std::invalid_argument("batch_slice: batch size 0");
    if (batch >= batch_count(order.size(), batch_size)) return {};
    const std::size_t begin = batch * batch_size;
    return order.subspan(begin, std::min(batch_size, order.size() - begin));
}

std::size_t batch_count(std::size_t n, std::size_t batch_size) {
    if (batch_size == 0) throw std::invalid_argument("batch_count: batch size 0");
    return (n + batch_size - 1) / batch_size;
}

void gather_rows(const Eigen::Ref<const sample_matrix>& source, std::span<const std::size_t> rows,
                 Eigen::Ref<sample_matrix> out) {
    if (static_cast<std::size_t>(out.rows()) != rows.size() || out.cols() != source.cols()) {
        throw std::invalid_argument("gather_rows: output is " + std::to_string(out.rows()) + " x " +
                                    std::to_string(out.cols()) + ", expected " +
                                    std::to_string(rows.size()) + " x " +
                                    std::to_string(source.cols()));
    }
    const auto n_source = static_cast<std::size_t>(source.rows());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        if (rows[k] >= n_source) {
            throw std::out_of_range("gather_rows: row " + std::to_string(rows[k]) + " of " +
                                    std::to_string(n_source));
        }
        out.row(static_cast<Eigen::Index>(k)) = source.row(static_cast<Eigen::Index>(rows[k]));
    }
}

void gather_labels(std::span<const std::uint8_t> labels, std::span<const std::size_t> rows,
                   std::span<std::uint8_t> out) {
    if (out.size() != rows.size()) {
        throw std::invalid_argument("gather_labels: output holds " + std::to_string(out.size()) +
                                    " entries for " + std::to_string(rows.size()) + " rows");
    }
    for (std::size_t k = 0; k < rows.size(); ++k) {
        if (rows[k] >= labels.size()) {
            throw std::out_of_range("gather_labels: row " + std::to_string(rows[k]) + " of " +
                                    std::to_string(labels.size()));
        }
        out[k] = labels[rows[k]];
    }
}

}  // namespace infomorph::io
