#pragma once
// The per-epoch metrics of a run, where a scientist reads them: metrics.csv (one row per epoch)
// and metrics.h5 (one dataset per column) in the output directory.
//
// A record holds one epoch's named scalars ("epoch", "seconds", "validation_accuracy",
// "layers/hidden/goal_mean", "bytes_sent", ...) and named vectors of fixed length
// ("layers/hidden/mean_atoms": n_atoms + 1 values). Columns appear in the order in which they are
// first seen; a column that an epoch lacks is NaN there. flush() rewrites both files completely,
// each through a temporary file and a rename, so a crash at any moment leaves the previous
// complete version (never a truncated one) and loses no earlier epoch.
//
//   metrics.csv  header, then one line per epoch: the scalars, then each vector's elements as
//                columns "name[label]" ("name[i]" without labels); numbers in the shortest form
//                that reads back exactly, NaN as "nan".
//   metrics.h5   one 1-D float64 dataset of n_epochs per scalar (its name is the path, so
//                "layers/hidden/goal_mean" lands in group layers/hidden), one 2-D n_epochs x k
//                float64 dataset per vector with a string attribute "labels" (comma-separated)
//                where labels were given, and root attributes "n_epochs" and those of
//                set_attribute.
//
// Only rank 0 keeps records and writes; on other ranks every member function does nothing, so
// call them everywhere without checking the rank. Nothing here is collective.

#include <infomorph/comm/distributed_context.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace infomorph::io {

struct named_scalar {
    std::string name;
    double value = 0;
};

struct named_vector {
    std::string name;
    std::vector<double> values;
};

// One epoch's figures. Setting a name again replaces its value.
class metrics_record {
  public:
    metrics_record& set_scalar(std::string_view name, double value);
    metrics_record& set_vector(std::string_view name, std::vector<double> values);

    const std::vector<named_scalar>& scalars() const { return scalars_; }
    const std::vector<named_vector>& vectors() const { return vectors_; }

  private:
    std::vector<named_scalar> scalars_;
    std::vector<named_vector> vectors_;
};

class metrics_log {
  public:
    // Records and writes on the context's rank 0 only.
    explicit metrics_log(const distributed_context& context);

    // Adds the next epoch. Throws std::invalid_argument if a vector's length differs from its
    // earlier length (or its labels' count), or a name is used both as a scalar and a vector.
    void append(metrics_record record);

    // Column labels of a vector, e.g. the atom names then "h_res"; set before or after its
    // first record, but their count must match its length.
    void set_labels(std::string_view vector_name, std::vector<std::string> labels);

    // Attributes of metrics.h5's root (configuration, seed, versions); replaced if set again.
    // Integers are stored as int64, unsigned ones above 2^63 - 1 (a seed) as uint64.
    void set_attribute(std::string_view name, std::string value);
    void set_attribute(std::string_view name, double value);
    template <std::integral Integer>
    requires(!std::same_as<Integer, bool>) void set_attribute(std::string_view name,
                                                              Integer value) {
        if (std::in_range<std::int64_t>(value))
            set_root_attribute(name, static_cast<std::int64_t>(value));
        else  // only unsigned values get here: every signed integral fits an int64
            set_root_attribute(name, static_cast<std::uint64_t>(value));
    }

    // Rewrites directory/metrics.csv and directory/metrics.h5 (creating the directory).
    // Throws h5_error or std::filesystem::filesystem_error naming the file on failure; the
    // previous versions then stay in place.
    void flush(const std::filesystem::path& directory) const;

    // Appends the epochs of an earlier metrics.csv written by this class whose "epoch" is at
    // most last_epoch (the epochs a resumed run's checkpoint holds; later rows are dropped, as
    // the resumed run recomputes them) and returns how many. Call it before the first append.
    // Throws data_error naming the file if it cannot be read or is not such a file.
    std::size_t restore_csv(const std::filesystem::path& file, double last_epoch);

    // Epochs recorded so far (0 on ranks other than 0).
    std::size_t n_epochs() const { return n_epochs_; }
    // Whether this rank writes (rank 0).
    bool writes() const { return writes_; }

  private:
    struct scalar_column {
        std::string name;
        std::vector<double> values;  // one per epoch, NaN where missing
    };
    struct vector_column {
        std::string name;
        std::size_t length = 0;  // 0 until the first record or labels fix it
        std::vector<std::string> labels;
        std::vector<double> values;  // n_epochs x length, row-major, NaN where missing
    };
    struct root_attribute {
        std::string name;
        std::variant<std::string, std::int64_t, std::uint64_t, double> value;
    };

    scalar_column& scalar_named(std::string_view name);
    vector_column& vector_named(std::string_view name);
    void set_root_attribute(std::string_view name,
                            std::variant<std::string, std::int64_t, std::uint64_t, double> value);
    void write_csv(const std::filesystem::path& file) const;
    void write_h5(const std::filesystem::path& file) const;

    bool writes_;
    std::size_t n_epochs_ = 0;
    std::vector<scalar_column> scalars_;
    std::vector<vector_column> vectors_;
    std::vector<root_attribute> attributes_;
};

}  // namespace infomorph::io
