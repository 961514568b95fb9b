#pragma once
// HDF5 files for results and checkpoints, written collectively by all ranks and laid out by
// global neuron id, so that a file written on P ranks reads back on any other number of ranks.
//
// Writing: h5_writer creates "<path>.tmp" and only commit() renames it to <path>, so a run killed
// at any moment never leaves a half-written file under the final name. Datasets are addressed by
// paths such as "layers/hidden/receptive/weight"; the groups on the way are created as needed.
// Every operation of h5_writer is collective: all ranks of the context call it, in the same
// order, with the same dataset names and shapes (ranks that own no row still call it). With more
// than one rank the file is written through MPI-IO (parallel HDF5, collective transfers); with
// one rank it is a plain serial file. The files are ordinary HDF5: h5py, h5dump and h5ls read them.
//
// Element types: float (float32), double (float64), std::uint32_t (uint32), std::int64_t (int64),
// little-endian in the file. Reading checks the stored type exactly (no silent conversion from
// float64 to float32, say).
//
// Errors: a failed HDF5 call throws h5_error naming the call, the file and the dataset or object;
// HDF5's own error stack is not printed but its innermost message ends the exception's text.
// Argument errors (a local block that does not fit the global shape) throw std::invalid_argument.
// Where ranks could disagree, they agree first (distributed_context::any_failed), so every rank
// throws and none is left waiting inside a collective; the ranks that did not see the problem
// themselves throw h5_error saying that another rank failed.

#include <infomorph/comm/distributed_context.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace infomorph::io {

// An HDF5 file that cannot be created, opened, written or read as expected (missing dataset,
// wrong shape or type, failed HDF5 call). The message names the file and the dataset.
class h5_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The element types a dataset may hold.
template <typename T>
concept h5_element = std::same_as<T, float> || std::same_as<T, double> ||
    std::same_as<T, std::uint32_t> || std::same_as<T, std::int64_t> ||
    std::same_as<T, std::uint64_t>;

// A dataset's dimensions, slowest-varying first (rows, then columns). Empty for a scalar.
using h5_shape = std::vector<std::size_t>;

class h5_writer {
  public:
    // Collective. Creates (or truncates) path + ".tmp"; the directory must exist.
    h5_writer(std::filesystem::path path, const distributed_context& context);
    // Without commit(): closes the file and removes the .tmp (collective while the file is open).
    ~h5_writer();

    h5_writer(h5_writer&& other) noexcept;
    h5_writer& operator=(h5_writer&&) = delete;
    h5_writer(const h5_writer&) = delete;
    h5_writer& operator=(const h5_writer&) = delete;

    // The final name, and the temporary one written until commit(). Not collective.
    const std::filesystem::path& path() const;
    std::filesystem::path temporary_path() const;

    // A global n_rows x n_cols dataset (row-major) of which this rank holds the rows
    // [first_row, first_row + local.size() / n_cols); together the ranks should cover every row
    // (rows nobody writes read as zero). n_cols may be 0 (a dataset with no columns), then local
    // must be empty. This is how per-neuron tables are written: row = global neuron id.
    void write_rows(std::string_view dataset, std::size_t n_rows, std::size_t n_cols,
                    std::size_t first_row, std::span<const float> local);
    void write_rows(std::string_view dataset, std::size_t n_rows, std::size_t n_cols,
                    std::size_t first_row, std::span<const double> local);
    void write_rows(std::string_view dataset, std::size_t n_rows, std::size_t n_cols,
                    std::size_t first_row, std::span<const std::uint32_t> local);
    void write_rows(std::string_view dataset, std::size_t n_rows, std::size_t n_cols,
                    std::size_t first_row, std::span<const std::int64_t> local);

    // The same for a 1-D dataset of n_total elements (one value per neuron): this rank holds
    // the elements [first, first + local.size()).
    void write_vector(std::string_view dataset, std::size_t n_total, std::size_t first,
                      std::span<const float> local);
    void write_vector(std::string_view dataset, std::size_t n_total, std::size_t first,
                      std::span<const double> local);
    void write_vector(std::string_view dataset, std::size_t n_total, std::size_t first,
                      std::span<const std::uint32_t> local);
    void write_vector(std::string_view dataset, std::size_t n_total, std::size_t first,
                      std::span<const std::int64_t> local);

    // Data that every rank holds (a lattice, a goal vector, a histogram after an allreduce):
    // written once, from rank 0. data.size() must equal the product of shape (1 for a scalar,
    // shape {}) on rank 0; other ranks' data is ignored.
    void write_array(std::string_view dataset, const h5_shape& shape, std::span<const float> data);
    void write_array(std::string_view dataset, const h5_shape& shape, std::span<const double> data);
    void write_array(std::string_view dataset, const h5_shape& shape,
                     std::span<const std::uint32_t> data);
    void write_array(std::string_view dataset, const h5_shape& shape,
                     std::span<const std::int64_t> data);
    void write_array(std::string_view dataset, const h5_shape& shape,
                     std::span<const std::uint64_t> data);

    // An attribute of the root ("/" or ""), a group or a dataset; a missing group is created.
    // Replaces an attribute of the same name. Every rank passes the same value (rank 0's is
    // stored). Strings are stored as variable-length UTF-8 (h5py reads them as str); integers
    // as int64, except unsigned values above 2^63 - 1 (a seed may be one), which are stored as
    // uint64; reals as float64.
    void set_attribute(std::string_view object_path, std::string_view name, std::string_view value);
    void set_attribute(std::string_view object_path, std::string_view name, double value);
    template <std::integral Integer>
    requires(!std::same_as<Integer, bool>) void set_attribute(std::string_view object_path,
                                                              std::string_view name,
                                                              Integer value) {
        // Only unsigned values can fail to fit an int64; they travel as their bits.
        const bool fits = std::in_range<std::int64_t>(value);
        set_integer_attribute(object_path, name,
                              fits ? static_cast<std::uint64_t>(static_cast<std::int64_t>(value))
                                   : static_cast<std::uint64_t>(value),
                              !fits);
    }

    // Collective: closes the file and renames the .tmp to the final name (replacing an older
    // file of that name), after all ranks have closed it. After commit() the writer only allows
    // path() and destruction.
    void commit();

  private:
    // bits: the int64's bits, or the uint64 if as_uint64. Rank 0's value and kind are stored on
    // every rank (HDF5 needs the same metadata from all).
    void set_integer_attribute(std::string_view object_path, std::string_view name,
                               std::uint64_t bits, bool as_uint64);

    struct impl;
    std::unique_ptr<impl> impl_;
};

class h5_reader {
  public:
    // Serial: opens the file read-only in this process alone (any rank may do so on its own).
    explicit h5_reader(std::filesystem::path path);
    // Collective: all ranks of the context open the file together (MPI-IO with more than one
    // rank); read_rows and read_array are then collective too. Throws h5_error on every rank if
    // the file is missing or not HDF5.
    h5_reader(std::filesystem::path path, const distributed_context& context);
    ~h5_reader();

    h5_reader(h5_reader&& other) noexcept;
    h5_reader& operator=(h5_reader&&) = delete;
    h5_reader(const h5_reader&) = delete;
    h5_reader& operator=(const h5_reader&) = delete;

    const std::filesystem::path& path() const;

    // Whether a group or dataset exists at this path (the root "/" always does).
    bool has(std::string_view object_path) const;
    // The dimensions of a dataset; throws h5_error naming the file if there is none.
    h5_shape shape(std::string_view dataset) const;
    // Throws h5_error naming the file, the dataset and both shapes unless they agree.
    void require_shape(std::string_view dataset, const h5_shape& expected) const;

    // Rows [first_row, first_row + n_rows) of a dataset of one or more dimensions (a row is
    // everything below the first index), row-major. Throws h5_error naming the file and the
    // dataset if it is missing, holds another element type, is a scalar or has too few rows.
    template <h5_element T>
    std::vector<T> read_rows(std::string_view dataset, std::size_t first_row,
                             std::size_t n_rows) const;
    // The whole dataset, row-major.
    template <h5_element T>
    std::vector<T> read_array(std::string_view dataset) const;

    // Attributes of the root ("/"), a group or a dataset. Throw h5_error naming the file, the
    // object and the attribute if it is missing or of another kind (string; integer; real).
    bool has_attribute(std::string_view object_path, std::string_view name) const;
    std::string string_attribute(std::string_view object_path, std::string_view name) const;
    // An integer attribute whose value the result type cannot hold (a uint64 above 2^63 - 1 read
    // as int64, a negative one read as uint64) throws rather than being clipped.
    std::int64_t int64_attribute(std::string_view object_path, std::string_view name) const;
    std::uint64_t uint64_attribute(std::string_view object_path, std::string_view name) const;
    double double_attribute(std::string_view object_path, std::string_view name) const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

extern template std::vector<float> h5_reader::read_rows<float>(std::string_view, std::size_t,
                                                               std::size_t) const;
extern template std::vector<double> h5_reader::read_rows<double>(std::string_view, std::size_t,
                                                                 std::size_t) const;
extern template std::vector<std::uint32_t> h5_reader::read_rows<std::uint32_t>(std::string_view,
                                                                               std::size_t,
                                                                               std::size_t) const;
extern template std::vector<std::int64_t> h5_reader::read_rows<std::int64_t>(std::string_view,
                                                                             std::size_t,
                                                                             std::size_t) const;
extern template std::vector<float> h5_reader::read_array<float>(std::string_view) const;
extern template std::vector<double> h5_reader::read_array<double>(std::string_view) const;
extern template std::vector<std::uint32_t> h5_reader::read_array<std::uint32_t>(
    std::string_view) const;
extern template std::vector<std::int64_t> h5_reader::read_array<std::int64_t>(
    std::string_view) const;

}  // namespace infomorph::io
